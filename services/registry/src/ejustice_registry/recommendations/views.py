from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from ejustice_registry.places import service as places
from ejustice_registry.queues.models import DayLoad, RecommendationRead
from ejustice_registry.recommendations import service
from ejustice_shared.auth import Principal, Role, require
from ejustice_shared.runtime import Runtime

router = APIRouter(prefix="/offices", tags=["recommendations"])
Operator = Annotated[Principal, require(Role.OPERATOR)]


class ReviewRead(BaseModel):
    load: DayLoad
    recommendations: list[RecommendationRead]


@router.get("/recommendations")
async def list_recommendations(runtime: Runtime, _: Operator, days: Annotated[int, Query(ge=1, le=366)] = 30,
                               limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[RecommendationRead]:
    """The recommendations of the last `days` days, newest first, for the operators' dashboard."""
    return await service.list_recommendations(runtime, days=days, limit=limit)


@router.post("/{office_id}/load/{day}/review")
async def review(office_id: str, day: Annotated[str, Path(pattern=r"^\d{4}-\d{2}-\d{2}$")], runtime: Runtime,
                 principal: Operator) -> ReviewRead:
    """Record a day's figures (once) and make the recommendations the thresholds call for."""
    load, made = await service.review(runtime, principal=principal, office_id=places.normalize_id(office_id), day=day)
    return ReviewRead(load=load, recommendations=made)
