"""Appointments: counter time per shift, booked in slots, one stream per office and local day.

A slot is a counter's `appointment_minutes` starting at a multiple of them from the shift's
opening. Booking is a commit on the day's stream, so two people taking the last slot at once
collide on the sequence number and the second is told it is gone.
"""

import uuid
from dataclasses import dataclass
from datetime import date

from ejustice_registry.appointments.events import AppointmentBooked
from ejustice_registry.appointments.models import (
    AppointmentCreate,
    AppointmentRead,
    CalendarRead,
    ShiftCalendar,
    SlotRead,
)
from ejustice_registry.offices import hours
from ejustice_registry.offices import service as offices
from ejustice_registry.offices.models import OfficeRead
from ejustice_shared.aggregate import Aggregate, Decision, Fact
from ejustice_shared.auth import Principal, Role
from ejustice_shared.problems import Problem, field_error
from ejustice_shared.runtime import ServiceRuntime


def day_key(office_id: str, day: str) -> str:
    return f"{office_id}-{day}"


def stream_of(key: str) -> str:
    return f"appointments-{key}"  # appointments-<office id>-<day>


aggregate = Aggregate("appointments", stream=stream_of, initial=(), source="registry",
                      subject=lambda key, state, event: key[:-11])  # the office id, without "-<day>"


@aggregate.evolves(AppointmentBooked)
def _booked(booked: tuple[AppointmentBooked, ...], appointment: AppointmentBooked,
            fact: Fact) -> tuple[AppointmentBooked, ...]:
    return (*booked, appointment)


@dataclass(frozen=True)
class Book:
    appointment_id: str
    start: str
    shift: str
    counters: tuple[str, ...]  # the office's counters, in order
    counter: str | None  # the one asked for, if any
    minutes: int
    service: str
    booked_by: str


def book_slot(booked: tuple[AppointmentBooked, ...], command: Book) -> Decision:
    """The first free counter at that start (or the one asked for); the slot is gone when none is free."""
    taken = {a.counter for a in booked if a.start == command.start}
    free = [c for c in command.counters if c not in taken and command.counter in (None, c)]
    if not free:
        raise Problem(409, "slot-taken", errors=[field_error("start", "slot-taken")])
    return Decision([AppointmentBooked(appointment_id=command.appointment_id, shift=command.shift, counter=free[0],
                                       start=command.start, minutes=command.minutes, service=command.service,
                                       booked_by=command.booked_by)])


def _minutes(clock_time: str) -> int:
    hours_, minutes = map(int, clock_time.split(":"))
    return hours_ * 60 + minutes


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def slot_starts(office: OfficeRead, length: int) -> dict[str, str]:
    """Every slot's start in the office's day, with its shift."""
    starts = {}
    for shift in office.shifts:
        for start in range(_minutes(shift.opens), _minutes(shift.closes) - length + 1, length):
            starts[_clock(start)] = shift.name
    return starts


def is_open(office: OfficeRead, day: str) -> bool:
    return date.fromisoformat(day).weekday() not in hours.CLOSED_WEEKDAYS.get(office.jurisdiction, frozenset())


async def calendar(runtime: ServiceRuntime, *, office_id: str, day: str, principal: Principal | None) -> CalendarRead:
    office = await offices.find(runtime, office_id)
    try:
        date.fromisoformat(day)
    except ValueError:
        raise Problem(422, "validation", errors=[field_error("day", "appointment-day")]) from None
    length = runtime.settings.appointment_minutes
    booked = {(a.start, a.counter): a for a in await aggregate.state(runtime.commits, day_key(office_id, day))}
    staff = principal is not None and (principal.has(Role.OPERATOR) or principal.office_id == office_id)
    open_ = is_open(office, day)
    shifts = []
    for shift in office.shifts:
        slots = [SlotRead(start=start, counter=counter, free=(start, counter) not in booked,
                          service=booked[(start, counter)].service if staff and (start, counter) in booked else None)
                 for start, name in slot_starts(office, length).items() if name == shift.name
                 for counter in office.counters] if open_ else []
        shifts.append(ShiftCalendar(shift=shift.name, opens=shift.opens, closes=shift.closes, slots=slots))
    return CalendarRead(office_id=office_id, day=day, open=open_, minutes_per_slot=length, shifts=shifts)


async def book(runtime: ServiceRuntime, *, office_id: str, principal: Principal,
               create: AppointmentCreate) -> AppointmentRead:
    """A citizen books for themselves, or a clerk of the office for a visitor."""
    if not (principal.has(Role.CITIZEN) or (principal.has(Role.CLERK) and principal.office_id == office_id)):
        raise Problem(403, "forbidden", detail="A citizen, or a clerk of this office, books its appointments.")
    office = await offices.working(runtime, office_id)
    length = runtime.settings.appointment_minutes
    starts = slot_starts(office, length)
    errors = []
    if create.day < hours.local_day(office.time_zone) or not is_open(office, create.day):
        errors.append(field_error("day", "appointment-day"))
    if create.start not in starts:
        errors.append(field_error("start", "appointment-slot", minutes=length))
    if create.counter is not None and create.counter not in office.counters:
        errors.append(field_error("counter", "unknown-counter", counters=", ".join(office.counters)))
    if errors:
        raise Problem(422, "validation", errors=errors)
    command = Book(uuid.uuid4().hex, create.start, starts[create.start], tuple(office.counters), create.counter,
                   length, create.service, principal.acting_for or principal.subject)
    outcome = await aggregate.execute(runtime.commits, day_key(office_id, create.day), book_slot, command,
                                      actor=principal.as_actor())
    [mine] = [a for a in outcome.state if a.appointment_id == command.appointment_id]
    return AppointmentRead(appointment_id=mine.appointment_id, office_id=office_id, day=create.day, shift=mine.shift,
                           counter=mine.counter, start=mine.start, minutes=mine.minutes, service=mine.service)
