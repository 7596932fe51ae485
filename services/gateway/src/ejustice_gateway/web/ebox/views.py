from fastapi import APIRouter
from fastapi.responses import RedirectResponse

from ejustice_gateway.web import i18n
from ejustice_gateway.web.api import PageFailure, PortalContext
from ejustice_gateway.web.ebox import service
from ejustice_gateway.web.security import check_csrf
from ejustice_gateway.web.templating import render

router = APIRouter(prefix="/ebox")


@router.get("")
async def ebox(portal: PortalContext):
    portal.require_sign_in()
    answer = await portal.call("GET", "/eboxes/me")
    box = answer.json() if answer.status_code == 200 else None
    notices = await portal.get("/notices")
    return render(portal.request, "ebox.html", {"box": box, "notices": notices})


@router.get("/{notice_id}")
async def notice_page(notice_id: str, portal: PortalContext):
    """An unread notice is not opened here: the page first says that opening it counts as service."""
    portal.require_sign_in()
    listed = service.find(await portal.get("/notices"), notice_id)
    if listed is None:
        raise PageFailure(404)
    if listed.get("viewed_at") is None:
        return render(portal.request, "before_opening.html", {"notice": listed, "today": i18n.now()})
    notice = await portal.get(f"/notices/{notice_id}")
    return render(portal.request, "notice.html", {"notice": notice,
                                                  "deadline": await service.deadline(portal, notice_id)})


@router.post("/{notice_id}/open")
async def open_notice(notice_id: str, portal: PortalContext):
    portal.require_sign_in()
    check_csrf(portal.request, await portal.request.form())
    await portal.get(f"/notices/{notice_id}")  # the first read: recorded once by the notification service
    return RedirectResponse(f"/ebox/{notice_id}", 303)
