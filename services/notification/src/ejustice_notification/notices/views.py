from fastapi import APIRouter

from ejustice_notification.notices import service
from ejustice_notification.notices.models import NoticeRead
from ejustice_shared.auth import CurrentPrincipal
from ejustice_shared.runtime import Runtime

router = APIRouter(prefix="/notices", tags=["notices"])


@router.get("")
async def list_notices(runtime: Runtime, principal: CurrentPrincipal) -> list[NoticeRead]:
    """The principal's notices, newest first; listing them is not viewing them."""
    return await service.list_mine(runtime, principal=principal)


@router.get("/{notice_id}")
async def read_notice(notice_id: str, runtime: Runtime, principal: CurrentPrincipal) -> NoticeRead:
    """The notice; the addressee's first read is recorded as its first view."""
    return await service.view(runtime, principal=principal, notice_id=notice_id)
