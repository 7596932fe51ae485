from fastapi import APIRouter, Request

from ejustice_registry.messages import field_error, invalid
from ejustice_registry.places import service
from ejustice_registry.places.models import CityRead, ProvinceRead
from ejustice_shared.people import Jurisdiction
from ejustice_shared.problems import language

router = APIRouter(tags=["places"])


@router.get("/provinces")
async def list_provinces(jurisdiction: Jurisdiction | None = None) -> list[ProvinceRead]:
    return service.list_provinces(jurisdiction=jurisdiction)


@router.get("/cities")
async def list_cities(request: Request, jurisdiction: Jurisdiction | None = None,
                      province_id: str | None = None) -> list[CityRead]:
    if province_id is not None:
        province_id = service.normalize_id(province_id)
        if province_id not in service.gazetteer().provinces:
            raise invalid([field_error("province_id", "unknown-province", language(request), value=province_id)])
    return service.list_cities(jurisdiction=jurisdiction, province_id=province_id)
