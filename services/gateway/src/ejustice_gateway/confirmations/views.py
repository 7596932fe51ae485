from typing import Annotated

from fastapi import APIRouter, status

from ejustice_gateway.confirmations import service
from ejustice_gateway.confirmations.models import ConfirmationCode, ConfirmationCreate, ConfirmationRead
from ejustice_gateway.identity.models import TokenRead
from ejustice_shared.auth import Principal, Role, require
from ejustice_shared.runtime import Runtime

router = APIRouter(prefix="/api/auth/on-behalf/confirmations", tags=["sessions"])
Clerk = Annotated[Principal, require(Role.CLERK)]


@router.post("", status_code=status.HTTP_201_CREATED)
async def request_confirmation(create: ConfirmationCreate, runtime: Runtime, principal: Clerk) -> ConfirmationRead:
    """A clerk acting for a citizen: a one-time code to the citizen's phone, to confirm submitting this filing."""
    return await service.request(runtime, principal=principal, create=create)


@router.post("/{confirmation_id}/verify")
async def confirm(confirmation_id: str, given: ConfirmationCode, runtime: Runtime, principal: Clerk) -> TokenRead:
    """The citizen's code → the clerk's token, acting for them, that may submit this one filing."""
    return await service.confirm(runtime, principal=principal, confirmation_id=confirmation_id, given=given)
