"""Queue tickets: one stream per office and local day, `queue-<office id>-<YYYY-MM-DD>`.

Every step of every ticket that day (issued, called, serving, closed, handed over) is a commit on
that stream, so two clerks calling "next" at once collide on the sequence number and the second
one gets the ticket after. Each ticket keeps its times; the waiting time told to visitors and the
load indicators are computed from them. After each commit the office's queue summary (waiting,
counters at work, mean service time) is written to `queue_now` (`_id` = office id); each process
holds those summaries in memory, reloaded every few seconds, so office searches ask no database.
"""

import asyncio
import contextlib
import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import structlog
from prometheus_client import Histogram
from pymongo.errors import DuplicateKeyError

from ejustice_registry.offices import hours
from ejustice_registry.offices import service as offices
from ejustice_registry.offices.models import OfficeRead, OfficeWaitRead
from ejustice_registry.queues import stats
from ejustice_registry.queues.events import TicketCalled, TicketClosed, TicketHandedOver, TicketIssued, TicketServing
from ejustice_registry.queues.models import DayLoad, QueueRead, TicketClose, TicketCreate, TicketRead
from ejustice_shared import clock
from ejustice_shared.aggregate import Aggregate, Decide, Decision, Fact
from ejustice_shared.auth import Principal, Role
from ejustice_shared.problems import Problem, field_error
from ejustice_shared.runtime import ServiceRuntime

QUEUE_NOW = "queue_now"
log = structlog.get_logger()
OPEN = ("waiting", "called", "serving")
# Issued to called, observed once per stored "called" commit (not for a cause applied before).
TICKET_WAIT = Histogram("office_ticket_wait_seconds", "Time a ticket waited, from issued to called",
                        ["office", "shift"],
                        buckets=(60, 120, 300, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200, 10800))


def day_stream(office_id: str, day: str) -> str:
    return f"queue-{office_id}-{day}"


def day_key(office_id: str, day: str) -> str:
    return f"{office_id}-{day}"


Tickets = dict[str, TicketRead]  # a queue day's tickets by id, in the order they were issued

_AGGREGATES: dict[tuple[str, str], Aggregate] = {}


def queue_aggregate(office: OfficeRead) -> Aggregate[Tickets]:
    """The queue days of one office: a ticket's shift is told by the office's hours, so each office has its own.

    A day's tickets are many and change one at a time, so the state is copied once per fold and changed in place.
    """
    hours_of = office.model_dump_json(include={"shifts", "time_zone"})
    if found := _AGGREGATES.get((office.office_id, hours_of)):
        return found
    queue = Aggregate("queue", stream=lambda key: f"queue-{key}", initial={}, source="registry",
                      subject=lambda key, state, event: office.office_id, copy=dict)

    @queue.evolves(TicketIssued)
    def _issued(tickets: Tickets, issued: TicketIssued, fact: Fact) -> Tickets:
        tickets[issued.ticket_id] = TicketRead(
            ticket_id=issued.ticket_id, office_id=office.office_id, day=day_of(issued.ticket_id),
            number=issued.number, service=issued.service, channel=issued.channel, status="waiting",
            issued_at=issued.issued_at, handed_from=issued.handed_from,
            shift=hours.shift_of(office.shifts, office.time_zone, datetime.fromisoformat(issued.issued_at)))
        return tickets

    @queue.evolves(TicketCalled)
    def _called(tickets: Tickets, called: TicketCalled, fact: Fact) -> Tickets:
        tickets[called.ticket_id] = tickets[called.ticket_id].model_copy(update={
            "status": "called", "called_at": called.called_at, "counter": called.counter, "clerk": called.clerk})
        return tickets

    @queue.evolves(TicketServing)
    def _serving(tickets: Tickets, serving: TicketServing, fact: Fact) -> Tickets:
        tickets[serving.ticket_id] = tickets[serving.ticket_id].model_copy(update={
            "status": "serving", "served_at": serving.served_at})
        return tickets

    @queue.evolves(TicketClosed)
    def _closed(tickets: Tickets, closed: TicketClosed, fact: Fact) -> Tickets:
        tickets[closed.ticket_id] = tickets[closed.ticket_id].model_copy(update={
            "status": "closed", "closed_at": closed.closed_at, "outcome": closed.outcome, "clerk": closed.clerk,
            "counter": closed.counter})
        return tickets

    @queue.evolves(TicketHandedOver)
    def _handed_over(tickets: Tickets, handed: TicketHandedOver, fact: Fact) -> Tickets:
        tickets[handed.ticket_id] = tickets[handed.ticket_id].model_copy(update={
            "status": "handed-over", "handed_to": f"{handed.to_office_id}/{handed.to_ticket_id}"})
        return tickets

    _AGGREGATES[(office.office_id, hours_of)] = queue
    return queue


def waiting_in(tickets: Tickets) -> list[TicketRead]:
    return sorted((t for t in tickets.values() if t.status == "waiting"), key=lambda t: t.number)


def at_counter(tickets: Tickets, counter: str) -> TicketRead | None:
    return next((t for t in tickets.values() if t.counter == counter and t.status in ("called", "serving")), None)


@dataclass
class QueueDay:
    office: OfficeRead
    day: str
    tickets: Tickets = field(default_factory=dict)
    seq: int = 0

    def waiting(self) -> list[TicketRead]:
        return waiting_in(self.tickets)

    def at_counter(self, counter: str) -> TicketRead | None:
        return at_counter(self.tickets, counter)


async def load_day(runtime: ServiceRuntime, office: OfficeRead, day: str) -> QueueDay:
    loaded = await queue_aggregate(office).load(runtime.commits, day_key(office.office_id, day))
    return QueueDay(office, day, loaded.state, loaded.seq)


# --- decisions --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Issue:
    day: str
    service: str
    channel: str
    issued_at: str


def issue_ticket(tickets: Tickets, command: Issue) -> Decision:
    """The next number of the day; the result is the ticket's id."""
    number = len(tickets) + 1
    ticket_id = ticket_id_for(command.day, number)
    return Decision([TicketIssued(ticket_id=ticket_id, number=number, service=command.service,
                                  channel=command.channel, issued_at=command.issued_at)], ticket_id)


@dataclass(frozen=True)
class CallNext:
    counter: str
    clerk: str
    called_at: str


def call_next_ticket(tickets: Tickets, command: CallNext) -> Decision:
    """The first waiting ticket to a free counter; the result is its id."""
    if busy := at_counter(tickets, command.counter):
        raise Problem(409, "counter-busy", detail=f"Close ticket {busy.number} at counter {command.counter} first.")
    waiting = waiting_in(tickets)
    if not waiting:
        raise Problem(404, "queue-empty", detail="Nobody is waiting.")
    return Decision([TicketCalled(ticket_id=waiting[0].ticket_id, counter=command.counter, clerk=command.clerk,
                                  called_at=command.called_at)], waiting[0].ticket_id)


def at_my_counter(tickets: Tickets, ticket_id: str, counter: str) -> TicketRead:
    ticket = tickets.get(ticket_id)
    if ticket is None or ticket.counter != counter or ticket.status not in ("called", "serving"):
        raise Problem(409, "ticket-not-at-your-counter",
                      detail="Only the ticket called to your counter, not yet closed, can be served or closed.")
    return ticket


@dataclass(frozen=True)
class Serve:
    ticket_id: str
    counter: str
    clerk: str
    served_at: str


def serve_ticket(tickets: Tickets, command: Serve) -> Decision:
    if at_my_counter(tickets, command.ticket_id, command.counter).status == "serving":
        raise Problem(409, "ticket-serving", detail="This visitor is being served already.")
    return Decision([TicketServing(ticket_id=command.ticket_id, counter=command.counter, clerk=command.clerk,
                                   served_at=command.served_at)])


@dataclass(frozen=True)
class Close:
    ticket_id: str
    counter: str
    clerk: str
    outcome: str
    note: str | None
    closed_at: str


def close_ticket(tickets: Tickets, command: Close) -> Decision:
    at_my_counter(tickets, command.ticket_id, command.counter)
    return Decision([TicketClosed(ticket_id=command.ticket_id, outcome=command.outcome, counter=command.counter,
                                  clerk=command.clerk, closed_at=command.closed_at, note=command.note)])


@dataclass(frozen=True)
class Receive:
    day: str
    from_office_id: str
    moving: tuple[TicketRead, ...]  # the other office's open tickets, in the order they were issued


def receive_tickets(tickets: Tickets, command: Receive) -> Decision:
    """New tickets at the end of this office's queue for the other office's open ones."""
    return Decision([TicketIssued(ticket_id=ticket_id_for(command.day, n), number=n, service=ticket.service,
                                  channel="handover", issued_at=ticket.issued_at,
                                  handed_from=f"{command.from_office_id}/{ticket.ticket_id}")
                     for n, ticket in enumerate(command.moving, start=len(tickets) + 1)])


@dataclass(frozen=True)
class HandOver:
    to_office_id: str
    moved: Mapping[str, str]  # this office's ticket → the other office's


def hand_over_tickets(tickets: Tickets, command: HandOver) -> Decision:
    """Each ticket still open here records where it continues."""
    return Decision([TicketHandedOver(ticket_id=ticket_id, to_office_id=command.to_office_id,
                                      to_ticket_id=command.moved[ticket_id])
                     for ticket_id, ticket in tickets.items() if ticket.status in OPEN and ticket_id in command.moved])


def ticket_id_for(day: str, number: int) -> str:
    return f"{day}-{number:04d}"


def day_of(ticket_id: str) -> str:
    return ticket_id[:10]


# --- waiting time -----------------------------------------------------------------------------------------


def mean_service_minutes(queue: QueueDay, default: float) -> float:
    served = [stats.minutes_between(t.called_at, t.closed_at) for t in queue.tickets.values()
              if t.outcome == "served" and t.called_at and t.closed_at]
    return sum(served) / len(served) if served else default


def counters_at_work(queue: QueueDay, moment: datetime) -> int:
    since = clock.iso(moment - timedelta(hours=1))
    busy = {t.counter for t in queue.tickets.values() if t.called_at and t.called_at >= since}
    return len(busy) or len(queue.office.counters)


def wait_for(queue: QueueDay, ahead: int, default_service: float, moment: datetime) -> int:
    """Minutes a ticket with `ahead` tickets before it waits: they spread over the counters at work."""
    return math.ceil(ahead / counters_at_work(queue, moment) * mean_service_minutes(queue, default_service))


def summary(runtime: ServiceRuntime, queue: QueueDay) -> OfficeWaitRead:
    moment = clock.now()
    waiting = len(queue.waiting())
    return OfficeWaitRead(waiting=waiting, open_counters=counters_at_work(queue, moment),
                          waiting_minutes=wait_for(queue, waiting, runtime.settings.default_service_minutes, moment))


async def remember(runtime: ServiceRuntime, queue: QueueDay) -> None:
    """The office's queue summary for searches; an older day's or an older commit's summary never wins."""
    version = f"{queue.day}/{queue.seq:08d}"
    wait = summary(runtime, queue)
    document = {"_id": queue.office.office_id, "version": version, "changed_at": clock.iso(), **wait.model_dump()}
    with contextlib.suppress(DuplicateKeyError):
        await runtime.db[QUEUE_NOW].replace_one({"_id": queue.office.office_id, "version": {"$lt": version}},
                                                document, upsert=True)
    held = held_waits(runtime)
    if held.get(queue.office.office_id, ("", None))[0] < version:
        held[queue.office.office_id] = (version, wait)


def held_waits(runtime: ServiceRuntime) -> dict[str, tuple[str, OfficeWaitRead]]:
    return runtime.state.setdefault("waits", {})


async def reload_waits(runtime: ServiceRuntime, *, full: bool = False) -> None:
    """Every office's queue summary into memory: searches answer from it, at most a few seconds behind
    another replica's writes (this process's own show at once). Like the office directory, a reload reads
    only the summaries written since the one before, and every so often all of them."""
    held = held_waits(runtime)
    started, since = clock.now(), runtime.state.get("waits_read_at")
    query = {} if full or since is None else {"changed_at": {"$lte": clock.iso(started + offices.CHANGE_MARGIN),
                                                            "$gte": clock.iso(since - offices.CHANGE_MARGIN)}}
    async for doc in runtime.db[QUEUE_NOW].find(query):
        if held.get(doc["_id"], ("", None))[0] <= doc["version"]:
            held[doc["_id"]] = (doc["version"], OfficeWaitRead(waiting=doc["waiting"],
                                                               open_counters=doc["open_counters"],
                                                               waiting_minutes=doc["waiting_minutes"]))
    runtime.state["waits_read_at"] = started


async def keep_waits_fresh(runtime: ServiceRuntime) -> None:
    async def loop() -> None:
        for round_ in itertools.count(1):
            await asyncio.sleep(runtime.settings.directory_refresh_seconds)
            try:
                await reload_waits(runtime, full=round_ % offices.FULL_RELOAD_EVERY == 0)
            except Exception as exc:  # the database is away: keep the last summaries
                log.warning("queue summaries not reloaded", error=repr(exc))

    await reload_waits(runtime)
    runtime.state["waits_task"] = asyncio.create_task(loop())


async def stop_waits(runtime: ServiceRuntime) -> None:
    if task := runtime.state.get("waits_task"):
        task.cancel()


def waits(runtime: ServiceRuntime, offices_: list[OfficeRead]) -> dict[str, OfficeWaitRead]:
    """Each office's current wait, from memory; an office with nothing queued today waits nothing."""
    held = held_waits(runtime)
    found = {}
    for office in offices_:
        version, wait = held.get(office.office_id, ("", None))
        if wait is not None and version.startswith(hours.local_day(office.time_zone)):
            found[office.office_id] = wait
        else:
            found[office.office_id] = OfficeWaitRead(waiting=0, open_counters=len(office.counters), waiting_minutes=0)
    return found


def with_wait(runtime: ServiceRuntime, queue: QueueDay, ticket: TicketRead) -> TicketRead:
    if ticket.status != "waiting":
        return ticket
    ahead = sum(1 for t in queue.waiting() if t.number < ticket.number)
    return ticket.model_copy(update={"ahead": ahead, "waiting_minutes": wait_for(
        queue, ahead, runtime.settings.default_service_minutes, clock.now())})


# --- commands ---------------------------------------------------------------------------------------------


async def change(runtime: ServiceRuntime, office: OfficeRead, day: str, decide: Decide, command: object, *,
                 actor: dict, cause: str | None = None) -> tuple[QueueDay, object]:
    """Decide on the office's queue that day; keep the office's queue summary; the queue after it and the result."""
    outcome = await queue_aggregate(office).execute(runtime.commits, day_key(office.office_id, day), decide, command,
                                                    cause=cause, actor=actor)
    if outcome.stored:
        observe_waits(office, outcome.commit, outcome.state)
    queue = QueueDay(office, day, outcome.state, outcome.seq)
    await remember(runtime, queue)
    return queue, outcome.result


def observe_waits(office: OfficeRead, commit, tickets: Tickets) -> None:
    for envelope in commit.events:
        if envelope.type == TicketCalled.type and (ticket := tickets.get(envelope.data["ticket_id"])):
            waited = (datetime.fromisoformat(envelope.data["called_at"])
                      - datetime.fromisoformat(ticket.issued_at)).total_seconds()
            TICKET_WAIT.labels(office.office_id, ticket.shift).observe(max(waited, 0))


async def issue(runtime: ServiceRuntime, *, office_id: str, create: TicketCreate,
                principal: Principal | None) -> TicketRead:
    """A visitor's ticket: at the kiosk or in the portal by anyone, by SMS through the SMS gateway (a service)."""
    if create.channel == "sms" and not (principal and principal.has(Role.SERVICE)):
        raise Problem(403, "forbidden", errors=[field_error("channel", "sms-ticket-by-gateway")])
    office = await offices.working(runtime, office_id)
    day = hours.local_day(office.time_zone)
    actor = principal.as_actor() if principal else {"channel": create.channel}
    queue, ticket_id = await change(runtime, office, day, issue_ticket,
                                    Issue(day, create.service, create.channel, clock.iso()), actor=actor)
    return with_wait(runtime, queue, queue.tickets[ticket_id])


async def read_ticket(runtime: ServiceRuntime, *, office_id: str, ticket_id: str) -> TicketRead:
    office = await offices.find(runtime, office_id)
    queue = await load_day(runtime, office, day_of(ticket_id))
    ticket = queue.tickets.get(ticket_id)
    if ticket is None:
        raise Problem(404, "ticket-not-found", detail="There is no such ticket at this office.")
    return with_wait(runtime, queue, ticket)


def my_counter(principal: Principal, office_id: str) -> str:
    """The counter of a clerk of this office; staff of other offices reach nothing here."""
    if principal.office_id != office_id:
        raise Problem(404, "office-not-found", detail="Your token is for another office.")
    if not principal.counter:
        raise Problem(403, "no-counter", detail="Sign in at a counter to run the queue.")
    return principal.counter


async def call_next(runtime: ServiceRuntime, *, principal: Principal, office_id: str) -> TicketRead:
    counter = my_counter(principal, office_id)
    office = await offices.working(runtime, office_id)
    day = hours.local_day(office.time_zone)
    queue, ticket_id = await change(runtime, office, day, call_next_ticket,
                                    CallNext(counter, principal.subject, clock.iso()), actor=principal.as_actor())
    return queue.tickets[ticket_id]


async def serve(runtime: ServiceRuntime, *, principal: Principal, office_id: str, ticket_id: str) -> TicketRead:
    counter = my_counter(principal, office_id)
    office = await offices.working(runtime, office_id)
    queue, _ = await change(runtime, office, day_of(ticket_id), serve_ticket,
                            Serve(ticket_id, counter, principal.subject, clock.iso()), actor=principal.as_actor())
    return queue.tickets[ticket_id]


async def close(runtime: ServiceRuntime, *, principal: Principal, office_id: str, ticket_id: str,
                closing: TicketClose) -> TicketRead:
    counter = my_counter(principal, office_id)
    office = await offices.working(runtime, office_id)
    queue, _ = await change(runtime, office, day_of(ticket_id), close_ticket,
                            Close(ticket_id, counter, principal.subject, closing.outcome, closing.note, clock.iso()),
                            actor=principal.as_actor())
    return queue.tickets[ticket_id]


def staff_of(principal: Principal, office_id: str) -> None:
    """The office's own staff, or an operator; others learn nothing of the office's queue."""
    if not (principal.has(Role.OPERATOR) or (principal.has(Role.CLERK) and principal.office_id == office_id)):
        raise Problem(404, "office-not-found", detail="Your token is for another office.")


async def queue_of(runtime: ServiceRuntime, *, principal: Principal, office_id: str) -> QueueRead:
    staff_of(principal, office_id)
    office = await offices.find(runtime, office_id)
    queue = await load_day(runtime, office, hours.local_day(office.time_zone))
    tickets = queue.tickets.values()
    return QueueRead(office_id=office_id, day=queue.day,
                     waiting=[with_wait(runtime, queue, t) for t in queue.waiting()],
                     at_counters=[t for t in tickets if t.status in ("called", "serving")],
                     closed=sum(1 for t in tickets if t.status == "closed"),
                     waiting_minutes=summary(runtime, queue).waiting_minutes)


async def hand_over(runtime: ServiceRuntime, *, office: OfficeRead, to: OfficeRead | None, cause: str) -> list[str]:
    """Move today's open tickets to the other office, in the order they were issued; the old ones record where."""
    day = hours.local_day(office.time_zone)
    queue = await load_day(runtime, office, day)
    moving = sorted((t for t in queue.tickets.values() if t.status in OPEN), key=lambda t: t.number)
    if not moving or to is None:  # with no office left to take them, the tickets stay as they are
        return []
    to_day = hours.local_day(to.time_zone)
    target, _ = await change(runtime, to, to_day, receive_tickets, Receive(to_day, office.office_id, tuple(moving)),
                             actor={"service": "registry"}, cause=cause)
    moved = {t.handed_from.split("/", 1)[1]: t.ticket_id for t in target.tickets.values()
             if t.handed_from and t.handed_from.startswith(office.office_id + "/")}
    await change(runtime, office, day, hand_over_tickets, HandOver(to.office_id, moved),
                 actor={"service": "registry"}, cause=cause)
    return [f"{office.office_id}/{t.ticket_id}" for t in moving]


# --- load -------------------------------------------------------------------------------------------------


async def day_load(runtime: ServiceRuntime, *, principal: Principal, office_id: str, day: str | None) -> DayLoad:
    staff_of(principal, office_id)
    office = await offices.find(runtime, office_id)
    day = day or hours.local_day(office.time_zone)
    return load_of(office, await load_day(runtime, office, day))


def load_of(office: OfficeRead, queue: QueueDay) -> DayLoad:
    tickets = [t for t in queue.tickets.values() if t.channel != "handover"]
    return DayLoad(office_id=office.office_id, day=queue.day, shifts=[
        stats.shift_load(shift, [t for t in tickets if t.shift == shift.name], office.counters)
        for shift in office.shifts])
