"""The new-filing form, one step per page. The same steps serve the portal (a citizen files for themselves) and
the office console (a clerk files for a visitor): a `Flow` says where the steps live, which page surrounds them and
whose token files; submitting differs (the console needs the citizen's confirmation code first) and stays with each."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import RedirectResponse

from ejustice_gateway.web.api import PageFailure, Portal, PortalContext, expect, fail, form_errors, portal
from ejustice_gateway.web.filing import service
from ejustice_gateway.web.security import check_csrf
from ejustice_gateway.web.templating import render, translate
from ejustice_shared.people import typed_number


@dataclass(frozen=True)
class Flow:
    root: str  # where the steps live: /filings/{id}/parties ...
    layout: str  # the page around them
    context: Callable[..., Any]  # the dependency giving the Portal whose token files
    applicant_id: Callable[[Portal], str]  # whose national ID the applicant's field starts with
    check_template: str = "check.html"
    page_context: Callable[[Portal], dict] = lambda portal: {}  # what else the flow's pages show

    def page(self, portal: Portal, template: str, context: dict, *, status_code: int = 200):
        return render(portal.request, template, {"layout": self.layout, "filing_root": self.root,
                                                 **self.page_context(portal), **context}, status_code=status_code)


async def _subjects(portal: Portal) -> list[dict]:
    return await portal.get("/subjects")


async def draft(portal: Portal, filing_id: str) -> tuple[dict, dict]:
    filing = await portal.get(f"/filings/{filing_id}")
    if filing["status"] not in ("draft", "returned"):
        raise PageFailure(409, translate(portal.lang, "This filing was submitted already; follow it on its case page."))
    subject = next((s for s in await _subjects(portal) if s["code"] == filing["subject_code"]), {})
    return filing, subject


async def _form(portal: Portal):
    form = await portal.request.form()
    check_csrf(portal.request, form)
    return form


def step_routes(flow: Flow) -> APIRouter:
    """The steps from choosing a subject to the check page, at `flow.root`; each saves what it asks."""
    router = APIRouter(prefix=flow.root)
    Context = Annotated[Portal, Depends(flow.context)]

    def step_page(portal, template, filing, subject, step, *, status_code: int = 200, **context):
        return flow.page(portal, template, {"filing": filing, "subject": subject, "step": step,
                                            "steps": service.steps(subject), **context}, status_code=status_code)

    async def subject_page(portal: Portal, *, errors: dict, form: dict, status_code: int = 200):
        courts = await portal.get("/courts", params={"jurisdiction": portal.session.jurisdiction})
        return flow.page(portal, "subject.html", {"groups": service.grouped(await _subjects(portal)),
                                                  "errors": errors, "form": form, "courts": courts},
                         status_code=status_code)

    @router.get("/new")
    async def new_filing(portal: Context):
        portal.require_sign_in()
        return await subject_page(portal, errors={}, form={})

    @router.post("/new")
    async def open_draft(portal: Context):
        portal.require_sign_in()
        form = await _form(portal)
        body = {"subject_code": str(form.get("subject_code", "")), "jurisdiction": portal.session.jurisdiction}
        subjects = await _subjects(portal)
        chosen = next((s for s in subjects if s["code"] == body["subject_code"]), None)
        if chosen and chosen["kind"] == "brief":
            body |= {"case_number": str(form.get("case_number", "")).strip() or None,
                     "case_court_id": str(form.get("case_court_id", "")) or None}
        errors = {}
        if chosen is None:
            errors["subject_code"] = translate(portal.lang, "Choose what your filing is about")
        else:
            answer = await portal.call("POST", "/filings", json=body)
            if answer.status_code == 201:
                return RedirectResponse(f"{flow.root}/{answer.json()['id']}/parties", 303)
            if answer.status_code != 422:
                fail(answer)
            errors = form_errors(answer)
        return await subject_page(portal, errors=errors, form=dict(form), status_code=422)

    @router.get("/{filing_id}")
    async def resume(filing_id: str, portal: Context):
        """A draft resumes where it was left."""
        filing, subject = await draft(portal, filing_id)
        return RedirectResponse(f"{flow.root}/{filing_id}/{service.resume_step(filing, subject)}", 303)

    @router.get("/{filing_id}/parties")
    async def parties_page(filing_id: str, portal: Context):
        filing, subject = await draft(portal, filing_id)
        values = service.form_of_parties(filing["parties"])
        if not filing["parties"]:
            values["parties-0-national_id"] = flow.applicant_id(portal)
        cities = await portal.get("/cities", params={"jurisdiction": filing["jurisdiction"]})
        return step_page(portal, "parties.html", filing, subject, "parties", form=values, errors={}, cities=cities)

    @router.post("/{filing_id}/parties")
    async def save_parties(filing_id: str, portal: Context):
        filing, subject = await draft(portal, filing_id)
        form = await _form(portal)
        answer = await portal.call("PUT", f"/filings/{filing_id}/parties",
                                   json={"parties": service.parties_payload(form, 2)})
        if answer.status_code == 200:
            return RedirectResponse(f"{flow.root}/{filing_id}/{service.following(subject, 'parties')}", 303)
        if answer.status_code != 422:
            fail(answer)
        cities = await portal.get("/cities", params={"jurisdiction": filing["jurisdiction"]})
        return step_page(portal, "parties.html", filing, subject, "parties", form=dict(form),
                         errors=form_errors(answer), cities=cities, status_code=422)

    @router.get("/{filing_id}/claim")
    async def claim_page(filing_id: str, portal: Context):
        filing, subject = await draft(portal, filing_id)
        amount = (filing.get("claim") or {}).get("amount")
        return step_page(portal, "claim.html", filing, subject, "claim", form={"amount": amount or ""}, errors={})

    @router.post("/{filing_id}/claim")
    async def save_claim(filing_id: str, portal: Context):
        filing, subject = await draft(portal, filing_id)
        form = await _form(portal)
        typed = str(form.get("amount", "")).strip()
        errors = {}
        if not typed:
            errors["amount"] = translate(portal.lang, "Enter the amount you claim")
        else:
            amount = typed_number(typed)
            answer = await portal.call("PUT", f"/filings/{filing_id}/claim", json={"claim": {
                "amount": amount, "currency": service.CURRENCY[filing["jurisdiction"]]}})
            if answer.status_code == 200:
                return RedirectResponse(f"{flow.root}/{filing_id}/{service.following(subject, 'claim')}", 303)
            if answer.status_code != 422:
                fail(answer)
            errors = {"amount": next(iter(form_errors(answer).values()))}
        return step_page(portal, "claim.html", filing, subject, "claim", form={"amount": typed}, errors=errors,
                         status_code=422)

    @router.get("/{filing_id}/statement")
    async def statement_page(filing_id: str, portal: Context):
        filing, subject = await draft(portal, filing_id)
        return step_page(portal, "statement.html", filing, subject, "statement",
                         form={"statement": filing.get("statement") or ""}, errors={})

    @router.post("/{filing_id}/statement")
    async def save_statement(filing_id: str, portal: Context):
        filing, subject = await draft(portal, filing_id)
        form = await _form(portal)
        text = str(form.get("statement", "")).strip()
        errors = {}
        if not text:
            errors["statement"] = translate(portal.lang, "Write what you ask the court and why")
        else:
            answer = await portal.call("PUT", f"/filings/{filing_id}/statement", json={"statement": text})
            if answer.status_code == 200:
                return RedirectResponse(f"{flow.root}/{filing_id}/{service.following(subject, 'statement')}", 303)
            if answer.status_code != 422:
                fail(answer)
            errors = {"statement": next(iter(form_errors(answer).values()))}
        return step_page(portal, "statement.html", filing, subject, "statement", form={"statement": text},
                         errors=errors, status_code=422)

    @router.get("/{filing_id}/documents")
    async def documents_page(filing_id: str, portal: Context):
        filing, subject = await draft(portal, filing_id)
        return step_page(portal, "documents.html", filing, subject, "documents", errors={})

    @router.post("/{filing_id}/documents")
    async def upload(filing_id: str, portal: Context):
        """The file goes on to the filing service as it came; its limits and content checks decide."""
        limit = portal.request.app.state.runtime.settings.max_body_bytes
        declared = portal.request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise PageFailure(413)
        filing, subject = await draft(portal, filing_id)
        form = await _form(portal)
        upload, document_type = form.get("file"), str(form.get("document_type", ""))
        errors = {}
        if not document_type:
            errors["document_type"] = translate(portal.lang, "Choose which document this is")
        if upload is None or isinstance(upload, str) or not upload.filename:
            errors["file"] = translate(portal.lang, "Choose a file to upload")
        if not errors:
            data = await upload.read()
            answer = await portal.call("POST", f"/filings/{filing_id}/documents",
                                       data={"document_type": document_type},
                                       files={"file": (upload.filename, data, upload.content_type)})
            if answer.status_code == 201:
                return RedirectResponse(f"{flow.root}/{filing_id}/documents", 303)
            if answer.status_code not in (413, 415, 422):
                fail(answer)
            errors = {("file" if k in ("_page", "file") else k): v for k, v in form_errors(answer).items()}
        return step_page(portal, "documents.html", filing, subject, "documents", errors=errors, status_code=422)

    @router.get("/{filing_id}/check")
    async def check_page(filing_id: str, portal: Context):
        filing, subject = await draft(portal, filing_id)
        return await check(flow, portal, filing, subject, errors=[])

    return router


async def check(flow: Flow, portal: Portal, filing: dict, subject: dict, *, errors: list, status_code: int = 200,
                field_errors: dict | None = None, **context):
    """The page before submitting: everything entered, the fee and the court; `errors` link to their step,
    `field_errors` are those of the page's own form (summarised at the top like every step's)."""
    if field_errors:
        context["errors"] = field_errors
    quote = await _quote(portal, filing)
    court = await _court(portal, filing)
    cities = {c["city_id"]: c for c in await portal.get("/cities", params={"jurisdiction": filing["jurisdiction"]})}
    return flow.page(portal, flow.check_template, {
        "filing": filing, "subject": subject, "step": "check", "steps": service.steps(subject), "quote": quote,
        "court": court, "problems": errors, "cities": cities, **context}, status_code=status_code)


def submit_problems(flow: Flow, filing_id: str, answer) -> list[dict]:
    """A refused submission's field errors, each linking to the step and field that mends it."""
    return [{"reason": e.get("reason"), "href": service.error_link(filing_id, e.get("field") or "", root=flow.root)}
            for e in answer.json().get("errors") or []]


async def _quote(portal: Portal, filing: dict) -> dict | None:
    claim = filing.get("claim") or {}
    answer = await portal.call("GET", "/fees/quote", params={
        "jurisdiction": filing["jurisdiction"], "subject_code": filing["subject_code"],
        "amount": claim.get("amount", 0), "currency": service.CURRENCY[filing["jurisdiction"]]})
    return answer.json() if answer.status_code == 200 else None


async def _court(portal: Portal, filing: dict) -> dict | None:
    """The competent court the registry names for what is entered so far, with its reason in words."""
    applicant = next((p for p in filing["parties"] if p["role"] == "applicant"), None)
    respondent = next((p for p in filing["parties"] if p["role"] == "respondent"), None)
    if applicant is None:
        return None
    params = {"subject_code": filing["subject_code"], "jurisdiction": filing["jurisdiction"],
              "applicant_city": applicant["city_id"]}
    for key, value in (("respondent_city", respondent and respondent["city_id"]),
                       ("event_city", filing.get("event_city_id")), ("case_court_id", filing.get("case_court_id"))):
        if value:
            params[key] = value
    answer = await portal.call("GET", "/jurisdiction/competent-court", params=params)
    return answer.json() if answer.status_code == 200 else None


# The portal: a citizen files for themselves, and submits at once.
PORTAL = Flow(root="/filings", layout="base.html", context=portal,
              applicant_id=lambda portal: service.claims(portal).get("national_id", ""))
router = step_routes(PORTAL)


@router.post("/{filing_id}/submit")
async def submit(filing_id: str, portal: PortalContext):
    filing, subject = await draft(portal, filing_id)
    await _form(portal)
    answer = await portal.call("POST", f"/filings/{filing_id}/submit")
    if answer.status_code == 200:
        return RedirectResponse(f"/cases/{filing_id}", 303)
    if answer.status_code != 422:
        fail(answer)
    return await check(PORTAL, portal, filing, subject, errors=submit_problems(PORTAL, filing_id, answer),
                       status_code=422)


__all__ = ["router", "expect", "Flow", "step_routes", "check", "submit_problems"]
