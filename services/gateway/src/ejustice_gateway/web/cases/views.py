from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from ejustice_gateway.web.api import PortalContext, expect, fail
from ejustice_gateway.web.cases import service
from ejustice_gateway.web.security import check_csrf
from ejustice_gateway.web.templating import render

router = APIRouter()


@router.get("/cases")
async def my_cases(portal: PortalContext):
    portal.require_sign_in()
    filings = await portal.get("/filings")
    subjects = {s["code"]: s for s in await portal.get("/subjects")}
    return render(portal.request, "cases.html", {"filings": filings, "subjects": subjects,
                                                 "next_step": service.next_step})


@router.get("/cases/{filing_id}")
async def case_page(filing_id: str, portal: PortalContext, verify: bool = False):
    portal.require_sign_in()
    filing = await portal.get(f"/filings/{filing_id}")
    if filing["status"] == "draft":
        return RedirectResponse(f"/filings/{filing_id}", 303)
    dossier = await portal.get(f"/filings/{filing_id}/dossier")
    verification = await portal.get(f"/filings/{filing_id}/dossier/verify") if verify else None
    subjects = {s["code"]: s for s in await portal.get("/subjects")}
    courts = await _court_names(portal, filing)
    return render(portal.request, "case.html", {
        "filing": filing, "steps": service.timeline(dossier), "verification": verification,
        "subject": subjects.get(filing["subject_code"], {}), "next": service.next_step(filing), "courts": courts})


async def _court_names(portal: PortalContext, filing: dict) -> dict:
    answer = await portal.call("GET", "/courts", params={"jurisdiction": filing["jurisdiction"]})
    if answer.status_code != 200 or not isinstance(answer.json(), list):
        return {}
    return {c.get("court_id") or c.get("id"): c.get("names") for c in answer.json()}


@router.post("/cases/{filing_id}/pay")
async def pay(filing_id: str, portal: PortalContext):
    portal.require_sign_in()
    check_csrf(portal.request, await portal.request.form())
    filing = await portal.get(f"/filings/{filing_id}")
    return RedirectResponse(await service.start_payment(portal, filing), 303)


@router.get("/cases/{filing_id}/payments/{payment_id}")
async def receipt_page(filing_id: str, payment_id: str, portal: PortalContext):
    """Back from the provider: the receipt once the provider's callback arrived; until then the page refreshes."""
    portal.require_sign_in()
    payment = await portal.get(f"/payments/{payment_id}")
    if payment.get("filing_id") != filing_id:
        fail_missing()
    return render(portal.request, "receipt.html", {"payment": payment, "filing_id": filing_id})


@router.get("/cases/{filing_id}/documents/{document_id}")
async def download(filing_id: str, document_id: str, portal: PortalContext):
    portal.require_sign_in()
    answer = await portal.call("GET", f"/filings/{filing_id}/documents/{document_id}")
    if answer.status_code != 200:
        fail(answer)
    return Response(answer.content, media_type=answer.headers.get("content-type"),
                    headers={"content-disposition": "attachment", "x-content-sha256":
                             answer.headers.get("x-content-sha256", "")})


def fail_missing():
    from ejustice_gateway.web.api import PageFailure

    raise PageFailure(404)


__all__ = ["router", "expect"]
