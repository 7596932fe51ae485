from typing import Annotated

from fastapi import APIRouter, status

from ejustice_notification.outages import service
from ejustice_notification.outages.models import OutageCreate, OutageRead
from ejustice_shared.auth import Principal, Role, require
from ejustice_shared.runtime import Runtime

router = APIRouter(prefix="/outages", tags=["outages"])
Operator = Annotated[Principal, require(Role.OPERATOR)]


@router.get("")
async def outage_register(runtime: Runtime) -> list[OutageRead]:
    """The public register of the platform's outages, newest first."""
    return await service.register(runtime)


@router.post("", status_code=status.HTTP_201_CREATED)
async def record_outage(create: OutageCreate, runtime: Runtime, principal: Operator) -> OutageRead:
    """Record an outage that is over; deadlines that ended in it (or just after) are extended."""
    return await service.record(runtime, principal=principal, create=create)


@router.post("/{outage_id}/confirm")
async def confirm_outage(outage_id: str, runtime: Runtime, principal: Operator) -> OutageRead:
    """Confirm a detected outage: from then on it extends deadlines."""
    return await service.confirm(runtime, principal=principal, outage_id=outage_id)
