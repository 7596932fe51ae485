"""Deadlines that run from a notice's service: to supply documents, or to appeal.

A deadline is the stream `deadline-<notice id>` (the e-box notice or the paper task it runs from):
`notice.deadline_set` once the notice is served, then one `notice.deadline_extended` per outage
that extended it. `deadlines` (`_id` = notice id, `ends_at`) lets a recorded outage find the
deadlines that end in it without reading every stream.

The rule (as Brazil's e-procedure law has it): a deadline that ends during an outage of the
platform, or within NOTIFICATION_OUTAGE_MARGIN_HOURS after one, is extended by
NOTIFICATION_OUTAGE_EXTENSION_HOURS (counted from the outage's end if it ended inside it); each
outage extends a deadline once, and the rule is applied again if the new end falls in another.
"""

import contextlib
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from pymongo.errors import DuplicateKeyError

from ejustice_notification.common import SOURCE, iso
from ejustice_notification.deadlines.models import DeadlineRead
from ejustice_notification.notices.models import NoticeContent
from ejustice_shared.aggregate import Aggregate, Decision, Fact
from ejustice_shared.events import NoticeDeadlineExtended, NoticeDeadlineSet
from ejustice_shared.runtime import ServiceRuntime

OPEN = "deadlines"


@dataclass(frozen=True)
class Window:
    """An outage as the rule sees it."""

    outage_id: str
    started_at: datetime
    ended_at: datetime


@dataclass(frozen=True)
class Deadline:
    notice_id: str
    filing_id: str
    court_id: str
    kind: str
    served_at: str
    days: int
    ends_at: str
    extended_by: tuple[str, ...] = field(default=())


def stream_of(notice_id: str) -> str:
    return f"deadline-{notice_id}"


aggregate = Aggregate("deadline", stream=stream_of, initial=None, source=SOURCE, state_type=Deadline | None)


@aggregate.evolves(NoticeDeadlineSet)
def _set(state: Deadline | None, set_: NoticeDeadlineSet, fact: Fact) -> Deadline:
    return Deadline(set_.notice_id, set_.filing_id, set_.court_id, set_.kind, set_.served_at, set_.days, set_.ends_at,
                    tuple(set_.extended_by))


@aggregate.evolves(NoticeDeadlineExtended)
def _extended(state: Deadline | None, extended: NoticeDeadlineExtended, fact: Fact) -> Deadline | None:
    if state is None:
        return None
    return replace(state, ends_at=extended.ends_at, extended_by=(*state.extended_by, extended.outage_id))


def none_key(notice_id: str) -> str:
    """The settled key (common.Settled) of a notice known to carry no deadline: its service starts nothing."""
    return f"no-deadline:{notice_id}"


async def load(runtime: ServiceRuntime, notice_id: str) -> Deadline | None:
    return await aggregate.state(runtime.commits, notice_id)


def extended(ends_at: datetime, outages: list[Window], *, margin: timedelta, extension: timedelta,
             applied: tuple[str, ...] = ()) -> tuple[datetime, list[str]]:
    """The end after every outage it ends in (or within the margin after), and those outages, in order."""
    used = list(applied)
    changed = True
    while changed:
        changed = False
        for outage in sorted(outages, key=lambda o: o.started_at):
            if outage.outage_id not in used and outage.started_at <= ends_at <= outage.ended_at + margin:
                ends_at = max(ends_at, outage.ended_at) + extension
                used.append(outage.outage_id)
                changed = True
    return ends_at, used[len(applied):]


def _rule(runtime: ServiceRuntime) -> dict[str, timedelta]:
    settings = runtime.settings
    return {"margin": timedelta(hours=settings.outage_margin_hours),
            "extension": timedelta(hours=settings.outage_extension_hours)}


@dataclass(frozen=True)
class Start:
    notice_id: str
    served_at: str
    content: NoticeContent
    outages: tuple[Window, ...]
    margin: timedelta
    extension: timedelta


def start_once(state: Deadline | None, command: Start) -> Decision:
    """The deadline of a served notice, once, with the outages already known applied."""
    content = command.content
    if state is not None or not content.deadline_days:
        return Decision([])
    ends_at, applied = extended(datetime.fromisoformat(command.served_at) + timedelta(days=content.deadline_days),
                                list(command.outages), margin=command.margin, extension=command.extension)
    return Decision([NoticeDeadlineSet(notice_id=command.notice_id, filing_id=content.filing_id,
                                       court_id=content.court_id, kind=content.kind, served_at=command.served_at,
                                       days=content.deadline_days, ends_at=iso(ends_at), extended_by=applied)])


@dataclass(frozen=True)
class Extend:
    outage: Window
    margin: timedelta
    extension: timedelta


def extend(state: Deadline | None, command: Extend) -> Decision:
    """Extend the deadline by the outage, once, if it ends in the outage or within the margin after it."""
    outage = command.outage
    if state is None or outage.outage_id in state.extended_by:
        return Decision([])
    ends_at, applied = extended(datetime.fromisoformat(state.ends_at), [outage], margin=command.margin,
                                extension=command.extension)
    if not applied:
        return Decision([])
    return Decision([NoticeDeadlineExtended(notice_id=state.notice_id, filing_id=state.filing_id,
                                            court_id=state.court_id, outage_id=outage.outage_id,
                                            previous_ends_at=state.ends_at, ends_at=iso(ends_at))])


async def start(runtime: ServiceRuntime, *, notice_id: str, served_at: str, content: NoticeContent, cause: str,
                outages: list[Window]) -> Deadline | None:
    """Set the deadline of a served notice that carries one, with the outages already known applied."""
    if not content.deadline_days:
        return None
    outcome = await aggregate.execute(runtime.commits, notice_id, start_once,
                                      Start(notice_id, served_at, content, tuple(outages), **_rule(runtime)),
                                      cause=cause, actor={"service": SOURCE})
    deadline = outcome.state
    with contextlib.suppress(DuplicateKeyError):
        await runtime.db[OPEN].insert_one({"_id": notice_id, "ends_at": deadline.ends_at})
    return deadline


async def extend_for(runtime: ServiceRuntime, outage: Window) -> list[Deadline]:
    """Extend every deadline the outage catches; returns those extended now."""
    rule = _rule(runtime)
    window = {"$gte": iso(outage.started_at), "$lte": iso(outage.ended_at + rule["margin"])}
    caught = [doc["_id"] async for doc in runtime.db[OPEN].find({"ends_at": window})]
    done = []
    for notice_id in caught:
        outcome = await aggregate.execute(runtime.commits, notice_id, extend, Extend(outage, **rule),
                                          cause=f"outage-{outage.outage_id}", actor={"service": SOURCE})
        deadline = outcome.state
        if deadline is None:
            continue
        await runtime.db[OPEN].update_one({"_id": notice_id}, {"$set": {"ends_at": deadline.ends_at}})
        if outcome.commit is not None:  # extended now, or before a crash that left its alert unqueued
            done.append(deadline)
    return done


def read(deadline: Deadline) -> DeadlineRead:
    return DeadlineRead(notice_id=deadline.notice_id, filing_id=deadline.filing_id, kind=deadline.kind,
                        served_at=deadline.served_at, days=deadline.days, ends_at=deadline.ends_at,
                        extended_by=list(deadline.extended_by))
