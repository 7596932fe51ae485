from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from ejustice_registry.appointments import service
from ejustice_registry.appointments.models import AppointmentCreate, AppointmentRead, CalendarRead
from ejustice_registry.places import service as places
from ejustice_shared.auth import CurrentPrincipal, authenticate
from ejustice_shared.runtime import Runtime

router = APIRouter(prefix="/offices/{office_id}/appointments", tags=["appointments"])


@router.get("")
async def read_calendar(office_id: str, request: Request, runtime: Runtime,
                        day: Annotated[str, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")]) -> CalendarRead:
    """The day's counter time per shift in slots, free or booked (what for, to the office's staff only)."""
    principal = await authenticate(request) if request.headers.get("authorization") else None
    return await service.calendar(runtime, office_id=places.normalize_id(office_id), day=day, principal=principal)


@router.post("", status_code=status.HTTP_201_CREATED)
async def book(office_id: str, create: AppointmentCreate, runtime: Runtime,
               principal: CurrentPrincipal) -> AppointmentRead:
    """A slot of counter time: a citizen for themselves, or a clerk of the office for a visitor."""
    return await service.book(runtime, office_id=places.normalize_id(office_id), principal=principal, create=create)
