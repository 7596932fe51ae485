from typing import Annotated

from fastapi import APIRouter, Query, status

from ejustice_registry.offices import handover, hours, service
from ejustice_registry.offices.models import (
    LicenceDecisionCreate,
    LicenceStep,
    NearbyOfficeRead,
    OfficeCreate,
    OfficeRead,
    StaffMemberRead,
)
from ejustice_registry.places import service as places
from ejustice_registry.queues import service as queues
from ejustice_registry.staff import service as staff
from ejustice_shared.auth import Principal, Role, require
from ejustice_shared.problems import Problem, field_error
from ejustice_shared.runtime import Runtime, ServiceRuntime

router = APIRouter(prefix="/offices", tags=["offices"])
Operator = Annotated[Principal, require(Role.OPERATOR)]
OperatorOrStaff = Annotated[Principal, require(Role.OPERATOR, Role.CLERK)]


async def nearby(runtime: ServiceRuntime, found: list[tuple[float | None, OfficeRead]]) -> list[NearbyOfficeRead]:
    waits = queues.waits(runtime, [office for _, office in found])
    answer = []
    for km, office in found:
        shift = hours.current_shift(office.shifts, office.time_zone, office.jurisdiction)
        answer.append(NearbyOfficeRead(
            **office.model_dump(include={"office_id", "code", "kind", "name", "city_id", "address", "latitude",
                                         "longitude", "sample", "shifts", "time_zone"}),
            distance_km=None if km is None else round(km, 3), opening="open" if shift else "closed",
            current_shift=shift.name if shift else None, wait=waits[office.office_id]))
    return answer


@router.post("", status_code=status.HTTP_201_CREATED)
async def apply(create: OfficeCreate, runtime: Runtime, principal: Operator) -> OfficeRead:
    """Record an application for a new office (an operator); it works once licensed."""
    return await service.apply(runtime, principal=principal, create=create)


@router.get("")
async def list_offices(runtime: Runtime, city_id: Annotated[str, Query(min_length=2, max_length=64)]
                       ) -> list[NearbyOfficeRead]:
    """The working offices of a city, with their opening state and current wait."""
    city_id = places.normalize_id(city_id)
    if places.find_city(city_id) is None:
        raise Problem(422, "validation", errors=[field_error("city_id", "unknown-city", value=city_id)])
    return await nearby(runtime, [(None, office) for office in service.in_city(runtime, city_id)])


@router.get("/nearest")
async def nearest(runtime: Runtime, latitude: Annotated[float, Query(ge=-90, le=90)],
                  longitude: Annotated[float, Query(ge=-180, le=180)],
                  limit: Annotated[int, Query(ge=1, le=50)] = 5,
                  max_km: Annotated[float | None, Query(gt=0, le=20_000)] = None) -> list[NearbyOfficeRead]:
    """The working offices nearest to a place (great-circle distance), with opening state and current wait."""
    return await nearby(runtime, service.nearest(runtime, latitude=latitude, longitude=longitude, limit=limit,
                                                 max_km=max_km))


@router.get("/{office_id}")
async def read_office(office_id: str, runtime: Runtime) -> OfficeRead:
    return await service.find(runtime, places.normalize_id(office_id))


@router.post("/{office_id}/licence/{step}")
async def decide_licence(office_id: str, step: LicenceStep, decision: LicenceDecisionCreate, runtime: Runtime,
                         principal: Operator) -> OfficeRead:
    """license, suspend, reinstate or dissolve, with the reason; suspending or dissolving hands the open work
    to the nearest licensed office."""
    return await handover.decide_licence(runtime, principal=principal, office_id=places.normalize_id(office_id),
                                         step=step, reason=decision.reason)


@router.get("/{office_id}/staff")
async def list_staff(office_id: str, runtime: Runtime, principal: OperatorOrStaff) -> list[StaffMemberRead]:
    """The office's staff, for operators and the office's manager."""
    office_id = places.normalize_id(office_id)
    staff.may_manage(principal, office_id)
    return list((await service.load(runtime, office_id)).staff)
