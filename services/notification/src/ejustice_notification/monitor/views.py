from typing import Annotated

from fastapi import APIRouter

from ejustice_notification.monitor import service
from ejustice_notification.monitor.models import StuckNoticeRead
from ejustice_shared.auth import Principal, Role, require
from ejustice_shared.runtime import Runtime

router = APIRouter(prefix="/notice-monitor", tags=["monitor"])


@router.get("/stuck")
async def stuck_notices(runtime: Runtime, _: Annotated[Principal, require(Role.OPERATOR)]) -> list[StuckNoticeRead]:
    """Notices stuck at a step now: deposited but not alerted, alerts failed on every channel, paper without outcome."""
    return sorted(await service.check(runtime), key=lambda s: s.since)
