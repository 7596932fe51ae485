from fastapi import APIRouter

from ejustice_notification.deadlines import service
from ejustice_notification.deadlines.models import NoticeDeadlineRead
from ejustice_notification.notices import service as notices
from ejustice_shared.auth import CurrentPrincipal
from ejustice_shared.runtime import Runtime

router = APIRouter(prefix="/notices", tags=["notices"])


@router.get("/{notice_id}/deadline")
async def notice_deadline(notice_id: str, runtime: Runtime, principal: CurrentPrincipal) -> NoticeDeadlineRead:
    """The deadline that runs from the notice's service, for its addressee; none before it is served."""
    await notices._mine(runtime, principal, notice_id)
    deadline = await service.load(runtime, notice_id)
    return NoticeDeadlineRead(notice_id=notice_id, deadline=service.read(deadline) if deadline else None)
