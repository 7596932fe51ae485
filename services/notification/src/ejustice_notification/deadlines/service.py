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
from ejustice_shared.commits import Commit
from ejustice_shared.events import Envelope, NoticeDeadlineExtended, NoticeDeadlineSet
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


def fold(history: list[Commit]) -> Deadline | None:
    deadline = None
    for commit in history:
        for envelope in commit.events:
            match envelope.parse():
                case NoticeDeadlineSet() as set_:
                    deadline = Deadline(set_.notice_id, set_.filing_id, set_.court_id, set_.kind, set_.served_at,
                                        set_.days, set_.ends_at, tuple(set_.extended_by))
                case NoticeDeadlineExtended() as extended if deadline:
                    deadline = replace(deadline, ends_at=extended.ends_at,
                                       extended_by=(*deadline.extended_by, extended.outage_id))
    return deadline


async def load(runtime: ServiceRuntime, notice_id: str) -> Deadline | None:
    return fold(await runtime.commits.load(stream_of(notice_id)))


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


async def start(runtime: ServiceRuntime, *, notice_id: str, served_at: str, content: NoticeContent, cause: str,
                outages: list[Window]) -> Deadline | None:
    """Set the deadline of a served notice that carries one, with the outages already known applied."""
    if not content.deadline_days:
        return None
    ends_at, applied = extended(datetime.fromisoformat(served_at) + timedelta(days=content.deadline_days), outages,
                                **_rule(runtime))
    set_ = NoticeDeadlineSet(notice_id=notice_id, filing_id=content.filing_id, court_id=content.court_id,
                             kind=content.kind, served_at=served_at, days=content.deadline_days, ends_at=iso(ends_at),
                             extended_by=applied)

    def decide(history: list[Commit]) -> list[Envelope]:
        return [] if history else [Envelope.wrap(set_, source=SOURCE, subject=notice_id)]

    await runtime.commits.execute(stream_of(notice_id), decide, cause=cause, actor={"service": SOURCE})
    deadline = await load(runtime, notice_id)
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
        def decide(history: list[Commit], notice_id: str = notice_id) -> list[Envelope]:
            current = fold(history)
            if current is None or outage.outage_id in current.extended_by:
                return []
            ends_at, applied = extended(datetime.fromisoformat(current.ends_at), [outage], **rule)
            if not applied:
                return []
            return [Envelope.wrap(NoticeDeadlineExtended(
                notice_id=notice_id, filing_id=current.filing_id, court_id=current.court_id,
                outage_id=outage.outage_id, previous_ends_at=current.ends_at, ends_at=iso(ends_at)),
                source=SOURCE, subject=notice_id)]

        commit = await runtime.commits.execute(stream_of(notice_id), decide, cause=f"outage-{outage.outage_id}",
                                               actor={"service": SOURCE})
        deadline = await load(runtime, notice_id)
        await runtime.db[OPEN].update_one({"_id": notice_id}, {"$set": {"ends_at": deadline.ends_at}})
        if commit is not None:
            done.append(deadline)
    return done


def read(deadline: Deadline) -> DeadlineRead:
    return DeadlineRead(notice_id=deadline.notice_id, filing_id=deadline.filing_id, kind=deadline.kind,
                        served_at=deadline.served_at, days=deadline.days, ends_at=deadline.ends_at,
                        extended_by=list(deadline.extended_by))
