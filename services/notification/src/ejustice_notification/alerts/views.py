from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BeforeValidator

from ejustice_notification.alerts import service
from ejustice_notification.alerts.models import SandboxSmsRead, SmsCreate, SmsSentRead
from ejustice_shared.auth import Role, require
from ejustice_shared.people import typed_number
from ejustice_shared.runtime import Runtime

router = APIRouter(tags=["alerts"])


@router.post("/internal/sms", status_code=status.HTTP_202_ACCEPTED, dependencies=[require(Role.SERVICE)])
async def send_sms(create: SmsCreate, runtime: Runtime) -> SmsSentRead:
    """For other ejustice services (the gateway sends one-time codes through it); not routed publicly."""
    return await service.send(runtime, create=create)


@router.get("/sandbox-sms")
async def sandbox_outbox(to: Annotated[str, Query(min_length=1, max_length=32)], runtime: Runtime,
                         limit: Annotated[int, Query(ge=1, le=100), BeforeValidator(typed_number)] = 20,
                         ) -> list[SandboxSmsRead]:
    """What the sandbox channel 'sent' to a number, newest first; 404 in production."""
    return await service.sandbox_outbox(runtime, to=to, limit=limit)
