"""The public register of platform outages, recorded by operators or detected from the platform's health.

An outage is the stream `outage-<id>`: recorded (confirmed when an operator records it), then
confirmed once if it was detected. `outages_index` (`_id` = outage id) lists them: the register
is small (a few a year), so it is read whole. A confirmed outage extends the deadlines it catches
and their parties are told: on the service's own `platform.outage_*` events, so that a crash after
the outage is recorded still extends every deadline (each extension is keyed by the outage).
"""

import contextlib
import uuid
from datetime import datetime

import structlog
from pymongo.errors import DuplicateKeyError

from ejustice_notification.alerting import service as alerting
from ejustice_notification.common import LANGUAGE_OF, SOURCE, iso, now
from ejustice_notification.deadlines import service as deadlines
from ejustice_notification.eboxes import service as eboxes
from ejustice_notification.notices import service as notices
from ejustice_notification.outages.models import OutageCreate, OutageRead
from ejustice_shared.aggregate import Aggregate, Decision, Fact
from ejustice_shared.auth import Principal
from ejustice_shared.events import OutageConfirmed, OutageRecorded
from ejustice_shared.problems import Problem, field_error
from ejustice_shared.runtime import ServiceRuntime

INDEX = "outages_index"
OUTAGE_IDS = uuid.UUID("9a4e3b21-6c5d-4f8e-b7a0-2d1c9e8f7a63")  # detected outages are named after their start

log = structlog.get_logger()


def stream_of(outage_id: str) -> str:
    return f"outage-{outage_id}"


aggregate = Aggregate("outage", stream=stream_of, initial=None, source=SOURCE, state_type=OutageRead | None)


@aggregate.evolves(OutageRecorded)
def _recorded(state: OutageRead | None, recorded: OutageRecorded, fact: Fact) -> OutageRead:
    return OutageRead(outage_id=recorded.outage_id, started_at=recorded.started_at, ended_at=recorded.ended_at,
                      scope=recorded.scope, source=recorded.source, confirmed=recorded.confirmed,
                      recorded_at=fact.time,
                      confirmed_by=(fact.actor or {}).get("subject") if recorded.confirmed else None)


@aggregate.evolves(OutageConfirmed)
def _confirmed(state: OutageRead | None, confirmed: OutageConfirmed, fact: Fact) -> OutageRead | None:
    if state is None:
        return None
    return state.model_copy(update={"confirmed": True, "confirmed_by": confirmed.confirmed_by})


async def load(runtime: ServiceRuntime, outage_id: str) -> OutageRead | None:
    return await aggregate.state(runtime.commits, outage_id)


def record_once(state: OutageRead | None, recorded: OutageRecorded) -> Decision:
    return Decision([] if state is not None else [recorded])


def confirm_once(state: OutageRead | None, confirmed: OutageConfirmed) -> Decision:
    """A detected outage confirmed by an operator, once; one not in the register is not found."""
    if state is None:
        raise Problem(404, "outage-not-found", detail="There is no outage with this id in the register.")
    return Decision([] if state.confirmed else [confirmed])


async def register(runtime: ServiceRuntime) -> list[OutageRead]:
    """Every outage, newest first: the public register."""
    ids = [doc["_id"] async for doc in runtime.db[INDEX].find({})]
    found = [await load(runtime, outage_id) for outage_id in ids]
    return sorted((o for o in found if o is not None), key=lambda o: o.started_at, reverse=True)


def window(outage: OutageRead) -> deadlines.Window:
    return deadlines.Window(outage.outage_id, datetime.fromisoformat(outage.started_at),
                            datetime.fromisoformat(outage.ended_at))


async def confirmed_windows(runtime: ServiceRuntime) -> list[deadlines.Window]:
    return [window(o) for o in await register(runtime) if o.confirmed]


async def _record(runtime: ServiceRuntime, *, outage_id: str, started_at: datetime, ended_at: datetime, scope: str,
                  source: str, actor: dict) -> OutageRead:
    recorded = OutageRecorded(outage_id=outage_id, started_at=iso(started_at), ended_at=iso(ended_at), scope=scope,
                              source=source, confirmed=source == "operator")
    outage = (await aggregate.execute(runtime.commits, outage_id, record_once, recorded, cause=f"recorded-{outage_id}",
                                      actor=actor)).state
    with contextlib.suppress(DuplicateKeyError):
        await runtime.db[INDEX].insert_one({"_id": outage_id, "started_at": iso(started_at)})
    return outage


async def record(runtime: ServiceRuntime, *, principal: Principal, create: OutageCreate) -> OutageRead:
    errors = []
    if create.ended_at <= create.started_at:
        errors.append(field_error("ended_at", "ended-before-started"))
    if create.ended_at > now():
        errors.append(field_error("ended_at", "in-the-future"))
    if errors:
        raise Problem(422, "validation", errors=errors)
    return await _record(runtime, outage_id=uuid.uuid4().hex, started_at=create.started_at,
                         ended_at=create.ended_at, scope=create.scope, source="operator",
                         actor=principal.as_actor())


async def record_detected(runtime: ServiceRuntime, *, started_at: datetime, ended_at: datetime) -> OutageRead:
    outage_id = uuid.uuid5(OUTAGE_IDS, iso(started_at)).hex
    return await _record(runtime, outage_id=outage_id, started_at=started_at, ended_at=ended_at, scope="platform",
                         source="detected", actor={"service": SOURCE})


async def confirm(runtime: ServiceRuntime, *, principal: Principal, outage_id: str) -> OutageRead:
    outage = (await aggregate.execute(runtime.commits, outage_id, confirm_once,
                                      OutageConfirmed(outage_id=outage_id, confirmed_by=principal.subject),
                                      actor=principal.as_actor())).state
    return outage


async def extend_deadlines(runtime: ServiceRuntime, outage: OutageRead) -> None:
    """Extend the deadlines the outage caught, and tell each e-box party by an alert."""
    for deadline in await deadlines.extend_for(runtime, window(outage)):
        notice = await notices.load(runtime, deadline.notice_id)
        if notice is None:  # a paper task's deadline: the extension is published; the clerk tells the party
            continue
        ebox = await eboxes.aggregate.state(runtime.commits, notice.deposited.ebox_id)
        language = LANGUAGE_OF[notice.deposited.content.jurisdiction]
        case_number = notice.deposited.content.case_number or ""
        await alerting.queue(runtime, key=f"extended-{deadline.notice_id}-{outage.outage_id}",
                             notice_id=deadline.notice_id, ebox=ebox, template="deadline-extended",
                             language=language, params={"case_number": case_number, "ends_at": deadline.ends_at},
                             subject=notices.texts()["deadline-extended"]["title"][language].format(
                                 case_number=case_number))
        log.info("deadline extended by an outage", notice_id=deadline.notice_id, outage_id=outage.outage_id)
