from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from ejustice_gateway.web.api import PageFailure, Portal, PortalContext
from ejustice_gateway.web.ebox.service import find as find_notice
from ejustice_gateway.web.papers import service

router = APIRouter(prefix="/papers")


def pdf(data: bytes, name: str) -> Response:
    return Response(data, media_type="application/pdf",
                    headers={"content-disposition": f'attachment; filename="{name}"'})


def _verify_url(portal: Portal, path: str) -> str:
    return str(portal.request.base_url).rstrip("/") + path


@router.get("/filings/{filing_id}.pdf")
async def filing_pdf(filing_id: str, portal: PortalContext):
    portal.require_sign_in()
    filing = await portal.get(f"/filings/{filing_id}")
    if not filing.get("tracking_code"):
        raise PageFailure(404)
    subject = next((s for s in await portal.get("/subjects") if s["code"] == filing["subject_code"]), {})
    court = None
    if filing.get("court"):
        names = {c["court_id"]: c["names"] for c in await portal.get("/courts")}
        court = {"name": names.get(filing["court"]["court_id"], filing["court"]["court_id"]),
                 "reason": filing["court"]["reason"]}
    code = await service.issue(portal.request.app.state.runtime, kind="filing", reference=filing["tracking_code"],
                               title=subject.get("names", {}), facts={
                                   "tracking_code": filing["tracking_code"],
                                   "submitted_at": filing.get("submitted_at") or "",
                                   "court_id": (filing.get("court") or {}).get("court_id", "")})
    url = _verify_url(portal, f"/verify/paper?code={code}")
    data = await service.render_pdf(str(portal.request.base_url), "filing_pdf.html", portal.lang, {
        "filing": filing, "subject": subject, "court": court, "code": code, "verify_url": url,
        "qr": service.qr_svg(url)})
    return pdf(data, f"filing-{filing['tracking_code']}.pdf")


@router.get("/notices/{notice_id}.pdf")
async def notice_pdf(notice_id: str, portal: PortalContext):
    portal.require_sign_in()
    listed = find_notice(await portal.get("/notices"), notice_id)
    if listed is None:
        raise PageFailure(404)
    if listed.get("viewed_at") is None:  # downloading opens it: the warning page comes first
        return RedirectResponse(f"/ebox/{notice_id}", 303)
    notice = await portal.get(f"/notices/{notice_id}")
    code = await service.issue(portal.request.app.state.runtime, kind="notice", reference=notice_id,
                               title=notice["title"], facts={
                                   "tracking_code": notice["tracking_code"], "delivered_at": notice["delivered_at"],
                                   "served_at": notice.get("served_at") or "",
                                   "case_number": notice.get("case_number") or ""})
    url = _verify_url(portal, f"/verify/paper?code={code}")
    data = await service.render_pdf(str(portal.request.base_url), "notice_pdf.html", portal.lang, {
        "notice": notice, "code": code, "verify_url": url, "qr": service.qr_svg(url)})
    return pdf(data, f"notice-{notice['tracking_code']}.pdf")


@router.get("/receipts/{payment_id}.pdf")
async def receipt_pdf(payment_id: str, portal: PortalContext):
    portal.require_sign_in()
    return await receipt(portal, payment_id)


async def receipt(portal: Portal, payment_id: str) -> Response:
    """The receipt of a paid fee, for whoever may read the payment (the payer, or a clerk at the counter acting
    for them): the office console prints the same paper."""
    payment = await portal.get(f"/payments/{payment_id}")
    if payment.get("status") != "paid" or not payment.get("receipt"):
        raise PageFailure(404)
    filing = await portal.get(f"/filings/{payment['filing_id']}")
    receipt = payment["receipt"]
    url = _verify_url(portal, f"/verify/receipt?receipt_number={receipt['receipt_number']}"
                               f"&verification_code={receipt['verification_code']}")
    data = await service.render_pdf(str(portal.request.base_url), "receipt_pdf.html", portal.lang, {
        "payment": payment, "tracking_code": filing.get("tracking_code"), "code": receipt["verification_code"],
        "verify_url": url, "qr": service.qr_svg(url)})
    return pdf(data, f"receipt-{receipt['receipt_number']}.pdf")
