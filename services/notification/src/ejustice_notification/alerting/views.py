from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BeforeValidator

from ejustice_notification.alerting import service
from ejustice_notification.alerting.models import SandboxEmailRead
from ejustice_shared.people import typed_number
from ejustice_shared.runtime import Runtime

router = APIRouter(tags=["alerts"])


@router.get("/sandbox-email")
async def sandbox_email_outbox(to: Annotated[str, Query(min_length=3, max_length=254)], runtime: Runtime,
                               limit: Annotated[int, Query(ge=1, le=100), BeforeValidator(typed_number)] = 20,
                               ) -> list[SandboxEmailRead]:
    """What the sandbox email channel 'sent' to an address, newest first; 404 in production."""
    return await service.sandbox_outbox(runtime, to=to, limit=limit)
