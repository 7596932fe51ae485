from fastapi import APIRouter
from fastapi.responses import RedirectResponse

from ejustice_gateway.web import session
from ejustice_gateway.web.account import service
from ejustice_gateway.web.account.service import Pending
from ejustice_gateway.web.api import PortalContext, fail, form_errors
from ejustice_gateway.web.security import check_csrf
from ejustice_gateway.web.session import WebSession
from ejustice_gateway.web.templating import render
from ejustice_gateway.web.views import local_path

router = APIRouter()


@router.get("/sign-in")
async def sign_in_page(portal: PortalContext, next: str = "/cases"):
    return render(portal.request, "sign_in.html", {"errors": {}, "form": {"jurisdiction": "IR"}, "next": next})


@router.post("/sign-in")
async def sign_in(portal: PortalContext):
    request = portal.request
    form = await request.form()
    check_csrf(request, form)
    values = {k: str(form.get(k, "")).strip() for k in ("jurisdiction", "national_id", "mobile")}
    next_page = local_path(str(form.get("next", "")), "/cases")
    if values["jurisdiction"] not in ("IR", "VN"):
        return render(request, "sign_in.html", {"errors": {"jurisdiction": _choose_country(portal)}, "form": values,
                                                "next": next_page}, status_code=422)
    answer = await portal.call("POST", "/registrations", json={**values, "language": portal.lang})
    if answer.status_code == 403:
        return await _refused(portal, values["jurisdiction"], answer.json())
    if answer.status_code in (422, 503):
        return render(request, "sign_in.html", {"errors": form_errors(answer), "form": values, "next": next_page},
                      status_code=answer.status_code)
    if answer.status_code != 201:
        fail(answer)
    started = answer.json()
    eid = started.get("national_eid") or {}
    pending = Pending(registration_id=started["registration_id"], jurisdiction=values["jurisdiction"],
                      national_id=values["national_id"], mobile=values["mobile"], masked_mobile=started["mobile"],
                      next=next_page, authorize_url=eid.get("authorize_url"), nonce=eid.get("nonce"))
    response = RedirectResponse("/sign-in/code" if started["code_sent"] else "/sign-in/national-eid", 303)
    service.keep_pending(request, response, pending)
    return response


async def _refused(portal: PortalContext, jurisdiction: str, problem: dict):
    """Identity not proven: the next step in words, and the service offices of the capital where it can be."""
    reasons = [e.get("reason") for e in problem.get("errors") or []] or [problem.get("detail")]
    offices = await service.offices_in_city(portal, jurisdiction)
    return render(portal.request, "next_step.html", {"reasons": reasons, "next_step": problem.get("next_step"),
                                                     "jurisdiction": jurisdiction, "found": offices}, status_code=403)


@router.get("/service-offices")
async def service_offices(portal: PortalContext, jurisdiction: str = "IR", city_id: str = ""):
    """The offices of a chosen city: the refusal page's form lands here (a plain GET, no script needed)."""
    jurisdiction = jurisdiction if jurisdiction in service.CAPITALS else "IR"
    offices = await service.offices_in_city(portal, jurisdiction, city_id)
    return render(portal.request, "service_offices.html", {"jurisdiction": jurisdiction, "found": offices})


def _choose_country(portal: PortalContext) -> str:
    from ejustice_gateway.web.templating import translate

    return translate(portal.lang, "Choose the country where you have your national ID")


@router.get("/sign-in/national-eid")
async def national_eid_page(portal: PortalContext):
    pending = service.pending(portal.request)
    if pending is None:
        return RedirectResponse("/sign-in", 303)
    sandbox = portal.request.app.state.runtime.settings.proofing_eid_provider == "sandbox"
    return render(portal.request, "national_eid.html", {"pending": pending, "sandbox": sandbox, "errors": {}})


@router.post("/sign-in/national-eid/sandbox")
async def national_eid_sandbox(portal: PortalContext):
    """The sandbox stands in for the VNeID app: approving there gives the assertion the real app would."""
    request = portal.request
    check_csrf(request, await request.form())
    pending = service.pending(request)
    if pending is None:
        return RedirectResponse("/sign-in", 303)
    approval = await portal.call("POST", "/sandbox-eid/approvals", json={
        "citizen_id": pending.national_id, "mobile": pending.mobile, "nonce": pending.nonce})
    if approval.status_code != 201:
        return await _eid_refused(portal, pending, approval)
    return await _confirm_eid(portal, pending, approval.json()["assertion"])


@router.get("/eid/return")
async def national_eid_return(portal: PortalContext, code: str = "", state: str = ""):
    """Where a real national e-ID sends the person back, with an authorization code for this registration."""
    pending = service.pending(portal.request)
    if pending is None or not code or state != pending.nonce:
        return RedirectResponse("/sign-in", 303)
    return await _confirm_eid(portal, pending, code)


async def _confirm_eid(portal: PortalContext, pending: Pending, assertion: str):
    answer = await portal.call("POST", f"/registrations/{pending.registration_id}/national-eid",
                               json={"assertion": assertion})
    if answer.status_code != 200:
        return await _eid_refused(portal, pending, answer)
    return RedirectResponse("/sign-in/code", 303)


async def _eid_refused(portal: PortalContext, pending: Pending, answer):
    if answer.status_code == 403:
        return await _refused(portal, pending.jurisdiction, answer.json())
    sandbox = portal.request.app.state.runtime.settings.proofing_eid_provider == "sandbox"
    return render(portal.request, "national_eid.html", {"pending": pending, "sandbox": sandbox,
                                                        "errors": form_errors(answer)},
                  status_code=answer.status_code if answer.status_code >= 400 else 400)


@router.get("/sign-in/code")
async def code_page(portal: PortalContext):
    pending = service.pending(portal.request)
    if pending is None:
        return RedirectResponse("/sign-in", 303)
    return render(portal.request, "code.html", {"pending": pending, "errors": {}})


@router.post("/sign-in/code")
async def enter_code(portal: PortalContext):
    request = portal.request
    form = await request.form()
    check_csrf(request, form)
    pending = service.pending(request)
    if pending is None:
        return RedirectResponse("/sign-in", 303)
    answer = await portal.call("POST", f"/registrations/{pending.registration_id}/verify",
                               json={"code": str(form.get("code", "")).strip()})
    if answer.status_code != 200:
        if answer.status_code == 429:
            fail(answer)
        return render(request, "code.html", {"pending": pending, "errors": form_errors(answer)},
                      status_code=answer.status_code)
    signed = answer.json()
    session.keep(request, WebSession(access_token=signed["access_token"], refresh_token=signed["refresh_token"],
                                     jurisdiction=pending.jurisdiction, lang=portal.lang))
    response = RedirectResponse(local_path(pending.next, "/cases"), 303)
    service.keep_pending(request, response, None)
    return response


@router.post("/sign-out")
async def sign_out(portal: PortalContext):
    request = portal.request
    check_csrf(request, await request.form())
    if portal.session:
        await portal.call("POST", "/auth/sign-out", json={"refresh_token": portal.session.refresh_token})
    session.keep(request, None)
    return RedirectResponse("/", 303)
