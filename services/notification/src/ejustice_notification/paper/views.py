from typing import Annotated

from fastapi import APIRouter, Query

from ejustice_notification.paper import service
from ejustice_notification.paper.models import PaperOutcomeCreate, PaperTaskRead
from ejustice_shared.auth import Principal, Role, require
from ejustice_shared.runtime import Runtime

router = APIRouter(prefix="/paper-service", tags=["paper service"])

ClerkOrOperator = Annotated[Principal, require(Role.CLERK, Role.OPERATOR)]


@router.get("")
async def list_open_tasks(runtime: Runtime, principal: ClerkOrOperator,
                          city_id: Annotated[str | None, Query(max_length=64)] = None) -> list[PaperTaskRead]:
    return await service.list_open(runtime, principal=principal, city_id=city_id)


@router.post("/{task_id}/outcome")
async def record_outcome(task_id: str, create: PaperOutcomeCreate, runtime: Runtime,
                         principal: ClerkOrOperator) -> PaperTaskRead:
    """Record how the paper service went, once; a second answer is 409."""
    return await service.record_outcome(runtime, principal=principal, task_id=task_id, create=create)
