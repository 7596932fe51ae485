from typing import Annotated

from fastapi import APIRouter, Request, status

from ejustice_notification.batches import service
from ejustice_notification.batches.models import BatchRead
from ejustice_shared.auth import Principal, Role, require
from ejustice_shared.runtime import Runtime

router = APIRouter(prefix="/court-notices/batches", tags=["court notices"])
Court = Annotated[Principal, require(Role.COURT)]
NDJSON_BODY = {"requestBody": {"required": True, "content": {"application/x-ndjson": {"schema": {
    "type": "string", "description": "One notice a line, each as POST /court-notices takes it; at most 100,000."}}}}}


@router.post("", status_code=status.HTTP_202_ACCEPTED, openapi_extra=NDJSON_BODY)
async def post_batch(request: Request, runtime: Runtime, principal: Court) -> BatchRead:
    """Take a batch of notices whole (202 with its id, or 422 naming the bad lines), and serve it in the background."""
    return await service.accept(runtime, principal=principal, request=request)


@router.get("/{batch_id}")
async def batch_progress(batch_id: str, runtime: Runtime, principal: Court) -> BatchRead:
    """How far the court's batch has come, and which lines were rejected."""
    return await service.progress(runtime, principal=principal, batch_id=batch_id)
