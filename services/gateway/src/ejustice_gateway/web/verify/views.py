from fastapi import APIRouter

from ejustice_gateway.web.api import PortalContext
from ejustice_gateway.web.papers import service as papers
from ejustice_gateway.web.templating import render

router = APIRouter(prefix="/verify")


@router.get("")
async def verify_page(portal: PortalContext):
    return render(portal.request, "verify.html", {"form": {}})


@router.get("/receipt")
async def verify_receipt(portal: PortalContext, receipt_number: str = "", verification_code: str = ""):
    """Anyone with a receipt: the payment service says whether its number and code belong together."""
    form = {"receipt_number": receipt_number, "verification_code": verification_code}
    result = None
    if receipt_number and verification_code:
        answer = await portal.call("GET", "/receipts/verify", params=form)
        result = answer.json() if answer.status_code == 200 else {"valid": False}
    return render(portal.request, "verify.html", {"form": form, "receipt": result})


@router.get("/paper")
async def verify_paper(portal: PortalContext, code: str = ""):
    """Anyone with a filing or notice printed by the portal: what was issued under this code."""
    paper = await papers.find(portal.request.app.state.runtime, code) if code else None
    return render(portal.request, "verify.html", {"form": {"code": code}, "paper": paper,
                                                  "paper_checked": bool(code)})
