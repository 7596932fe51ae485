from fastapi import APIRouter

from ejustice_notification.eboxes import service
from ejustice_notification.eboxes.models import EboxRead
from ejustice_notification.notices import service as notices
from ejustice_shared.auth import CurrentPrincipal
from ejustice_shared.runtime import Runtime

router = APIRouter(prefix="/eboxes", tags=["eboxes"])


@router.get("/me")
async def my_ebox(runtime: Runtime, principal: CurrentPrincipal) -> EboxRead:
    """The principal's e-box (the token's subject is the account id), with how many notices are unread."""
    ebox = await service.mine(runtime, principal.subject)
    held = await notices.in_ebox(runtime, ebox)
    return EboxRead(ebox_id=ebox.ebox_id, user_code=ebox.user_code, opened_at=ebox.opened_at, notices=len(held),
                    unread=sum(1 for notice in held if notice.viewed_at is None))
