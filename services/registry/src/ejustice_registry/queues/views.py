from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, status

from ejustice_registry.places import service as places
from ejustice_registry.queues import service
from ejustice_registry.queues.models import DayLoad, QueueRead, TicketClose, TicketCreate, TicketRead
from ejustice_shared.auth import Principal, Role, authenticate, require
from ejustice_shared.runtime import Runtime

router = APIRouter(prefix="/offices/{office_id}", tags=["queues"])
Clerk = Annotated[Principal, require(Role.CLERK)]
OperatorOrStaff = Annotated[Principal, require(Role.OPERATOR, Role.CLERK)]
TicketId = Annotated[str, Path(pattern=r"^\d{4}-\d{2}-\d{2}-\d{4}$")]
Day = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")]


@router.post("/tickets", status_code=status.HTTP_201_CREATED)
async def take_ticket(office_id: str, create: TicketCreate, request: Request, runtime: Runtime) -> TicketRead:
    """A visitor's ticket, from the kiosk or the portal (no token needed) or by SMS (the SMS gateway's token);
    the answer says how many wait before it and for how long, from today's times."""
    principal = await authenticate(request) if request.headers.get("authorization") else None
    return await service.issue(runtime, office_id=places.normalize_id(office_id), create=create, principal=principal)


@router.get("/tickets/{ticket_id}")
async def read_ticket(office_id: str, ticket_id: TicketId, runtime: Runtime) -> TicketRead:
    """A ticket's state and expected wait, for the visitor holding its number (it names nobody)."""
    return await service.read_ticket(runtime, office_id=places.normalize_id(office_id), ticket_id=ticket_id)


@router.get("/queue")
async def read_queue(office_id: str, runtime: Runtime, principal: OperatorOrStaff) -> QueueRead:
    return await service.queue_of(runtime, principal=principal, office_id=places.normalize_id(office_id))


@router.post("/queue/call-next")
async def call_next(office_id: str, runtime: Runtime, principal: Clerk) -> TicketRead:
    """The next waiting ticket, to the caller's counter."""
    return await service.call_next(runtime, principal=principal, office_id=places.normalize_id(office_id))


@router.post("/tickets/{ticket_id}/serve")
async def serve(office_id: str, ticket_id: TicketId, runtime: Runtime, principal: Clerk) -> TicketRead:
    """The visitor came to the counter: service starts."""
    return await service.serve(runtime, principal=principal, office_id=places.normalize_id(office_id),
                               ticket_id=ticket_id)


@router.post("/tickets/{ticket_id}/close")
async def close(office_id: str, ticket_id: TicketId, closing: TicketClose, runtime: Runtime,
                principal: Clerk) -> TicketRead:
    """Served, no-show or referred."""
    return await service.close(runtime, principal=principal, office_id=places.normalize_id(office_id),
                               ticket_id=ticket_id, closing=closing)


@router.get("/load")
async def read_load(office_id: str, runtime: Runtime, principal: OperatorOrStaff, day: Day = None) -> DayLoad:
    """Per shift: tickets per hour, p50 and p90 waiting, no-show rate, utilisation per counter."""
    return await service.day_load(runtime, principal=principal, office_id=places.normalize_id(office_id), day=day)
