from fastapi import APIRouter

from ejustice_notification.statistics import service
from ejustice_notification.statistics.models import StatisticsRead
from ejustice_shared.runtime import Runtime

router = APIRouter(prefix="/statistics", tags=["statistics"])


@router.get("")
async def statistics(runtime: Runtime) -> StatisticsRead:
    """Public figures: notices seen and served by court, kind, channel and month; filings; fees. No personal data."""
    return await service.figures(runtime)
