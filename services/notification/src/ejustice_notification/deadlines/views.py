from fastapi import APIRouter

from ejustice_notification.deadlines import service
from ejustice_notification.deadlines.models import DeadlineRead
from ejustice_notification.notices import service as notices
from ejustice_shared.auth import CurrentPrincipal
from ejustice_shared.problems import Problem
from ejustice_shared.runtime import Runtime

router = APIRouter(prefix="/notices", tags=["notices"])


@router.get("/{notice_id}/deadline")
async def notice_deadline(notice_id: str, runtime: Runtime, principal: CurrentPrincipal) -> DeadlineRead:
    """The deadline that runs from the notice's service, for its addressee; 404 before it is served."""
    await notices._mine(runtime, principal, notice_id)
    deadline = await service.load(runtime, notice_id)
    if deadline is None:
        raise Problem(404, "deadline-not-found", detail="No deadline runs from this notice (yet).")
    return service.read(deadline)
