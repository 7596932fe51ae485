from fastapi import APIRouter

from ejustice_notification.contacts import service
from ejustice_notification.contacts.models import ContactRead, EmailUpdate
from ejustice_shared.auth import CurrentPrincipal
from ejustice_shared.runtime import Runtime

router = APIRouter(prefix="/eboxes/me/contact", tags=["eboxes"])


@router.get("")
async def my_contact(runtime: Runtime, principal: CurrentPrincipal) -> ContactRead:
    return await service.mine(runtime, principal=principal)


@router.put("")
async def set_my_email(update: EmailUpdate, runtime: Runtime, principal: CurrentPrincipal) -> ContactRead:
    """Where alerts go when SMS fails."""
    return await service.set_email(runtime, principal=principal, update=update)
