from fastapi import APIRouter, Request

from ejustice_registry.courts import service
from ejustice_registry.courts.models import CourtRead
from ejustice_registry.messages import field_error, invalid
from ejustice_registry.places import service as places
from ejustice_shared.people import Jurisdiction
from ejustice_shared.problems import Problem, language

router = APIRouter(prefix="/courts", tags=["courts"])


@router.get("")
async def list_courts(request: Request, jurisdiction: Jurisdiction | None = None,
                      city_id: str | None = None) -> list[CourtRead]:
    if city_id is not None:
        city_id = places.normalize_id(city_id)
        if places.find_city(city_id) is None:
            raise invalid([field_error("city_id", "unknown-city", language(request), value=city_id)])
    return service.list_courts(jurisdiction=jurisdiction, city_id=city_id)


@router.get("/{court_id}")
async def read_court(court_id: str) -> CourtRead:
    court = service.find(places.normalize_id(court_id))
    if court is None:
        raise Problem(404, "court-not-found", detail=f"There is no court '{court_id}'; see GET /courts.")
    return court
