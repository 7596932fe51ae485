"""Notices: written from the court's decisions, deposited in e-boxes, viewed, and served by the jurisdiction's rule.

A notice is the stream `notice-<id>`: deposited and delivered in its first commit, then its first
view and its service. Its id follows from the event and the e-box it goes to, so a redelivered
event deposits nothing twice. Its owner reaches it only through their own e-box's index.
Notices served by the passing of time wait as markers in `notices_pending_service` (`_id` =
notice id, `due_at`), which a periodic check reads instead of scanning all notices.
"""

import contextlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from pathlib import Path

from pymongo.errors import DuplicateKeyError

from ejustice_notification.alerts import service as alerts
from ejustice_notification.common import LANGUAGE_OF, SOURCE, iso, now, settled
from ejustice_notification.deadlines import service as deadlines
from ejustice_notification.eboxes import service as eboxes
from ejustice_notification.eboxes.models import Ebox
from ejustice_notification.notices import deemed
from ejustice_notification.notices.events import NoticeDeposited
from ejustice_notification.notices.models import NoticeContent, NoticeRead
from ejustice_notification.statistics import service as statistics
from ejustice_shared import bulk
from ejustice_shared.aggregate import Aggregate, Decision, Fact
from ejustice_shared.auth import Principal
from ejustice_shared.events import (
    Envelope,
    FilingAccepted,
    FilingReturned,
    NoticeAlerted,
    NoticeAlertFailed,
    NoticeDelivered,
    NoticeServed,
    NoticeViewed,
    Party,
)
from ejustice_shared.problems import Problem
from ejustice_shared.runtime import ServiceRuntime

PENDING_SERVICE = "notices_pending_service"
NOTICE_IDS = uuid.UUID("6f1d3c52-0d6e-4a43-9a57-3b7f0e2c8a11")  # namespace of the deterministic notice ids


# --- what a notice says ------------------------------------------------------------------------------


@cache
def texts() -> dict:
    return json.loads((Path(__file__).parent / "texts.json").read_text("utf-8"))


def _written(kind: str, **params: str) -> dict[str, dict[str, str]]:
    """Title and body in fa, vi and en; `role` is a key of the roles table, put in each language's words."""
    role = params.pop("role", None)
    parts = {}
    for part in ("title", "body"):
        parts[part] = {lang: text.format(**params, role=texts()["roles"][role][lang] if role else "")
                       for lang, text in texts()[kind][part].items()}
    return parts


def acceptance_notice(event: FilingAccepted, party: Party) -> NoticeContent:
    facts = dict(filing_id=event.filing_id, court_id=event.court_id, tracking_code=event.tracking_code,
                 case_number=event.case_number)
    return NoticeContent(kind="case-accepted", jurisdiction=event.jurisdiction, **facts,
                         **_written("case-accepted", **facts, role=party.role))


def return_notice(event: FilingReturned) -> NoticeContent:
    reasons = ", ".join(f"{r.code} ({r.note})" if r.note else r.code for r in event.reasons)
    facts = dict(filing_id=event.filing_id, court_id=event.court_id, tracking_code=event.tracking_code)
    return NoticeContent(kind="filing-returned", jurisdiction=event.jurisdiction, reasons=tuple(event.reasons),
                         **facts, **_written("filing-returned", **facts, reasons=reasons))


# --- the notice's stream -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    deposited: NoticeDeposited
    viewed_at: str | None = None
    served_at: str | None = None
    alerted: NoticeAlerted | None = None  # a court's notice: alerted from a queue (alerting/service.py)
    alert_failed: NoticeAlertFailed | None = None

    @property
    def policy(self) -> deemed.DeemedServicePolicy:
        return self.deposited.policy

    def served_by(self, moment: datetime, *, viewed_at: datetime | None = None) -> datetime | None:
        """When the notice counts as served by `moment` under its rule (None if not yet), seen `viewed_at`."""
        seen = viewed_at or (datetime.fromisoformat(self.viewed_at) if self.viewed_at else None)
        return deemed.served_at(self.policy, delivered_at=datetime.fromisoformat(self.deposited.delivered_at),
                                viewed_at=seen, now=moment)

    def read(self) -> NoticeRead:
        content = self.deposited.content
        return NoticeRead(notice_id=self.deposited.notice_id, **content.model_dump(exclude={"jurisdiction"}),
                          delivered_at=self.deposited.delivered_at, viewed_at=self.viewed_at,
                          served_at=self.served_at, service_rule=self.policy.rule)


def notice_id_for(event_id: str, ebox_id: str) -> str:
    return uuid.uuid5(NOTICE_IDS, f"{event_id}/{ebox_id}").hex


def stream_of(notice_id: str) -> str:
    return f"notice-{notice_id}"


aggregate = Aggregate("notice", stream=stream_of, initial=None, source=SOURCE, state_type=Notice | None)


@aggregate.evolves(NoticeDeposited)
def _deposited(state: Notice | None, deposited: NoticeDeposited, fact: Fact) -> Notice:
    return Notice(deposited)


@aggregate.evolves(NoticeViewed)
def _viewed(state: Notice | None, viewed: NoticeViewed, fact: Fact) -> Notice | None:
    return replace(state, viewed_at=viewed.viewed_at) if state else state


@aggregate.evolves(NoticeServed)
def _served_now(state: Notice | None, served: NoticeServed, fact: Fact) -> Notice | None:
    return replace(state, served_at=served.served_at) if state else state


@aggregate.evolves(NoticeAlerted)
def _alerted(state: Notice | None, alerted: NoticeAlerted, fact: Fact) -> Notice | None:
    return replace(state, alerted=alerted) if state else state


@aggregate.evolves(NoticeAlertFailed)
def _alert_failed(state: Notice | None, failed: NoticeAlertFailed, fact: Fact) -> Notice | None:
    return replace(state, alert_failed=failed) if state else state


async def load(runtime: ServiceRuntime, notice_id: str) -> Notice | None:
    return await aggregate.state(runtime.commits, notice_id)


def _served(notice: NoticeDeposited, served_at: datetime) -> NoticeServed:
    return NoticeServed(notice_id=notice.notice_id, filing_id=notice.content.filing_id, account_id=notice.account_id,
                        served_at=iso(served_at), rule=notice.policy.rule)


# --- delivery, first view, service -------------------------------------------------------------------


@dataclass(frozen=True)
class Deposit:
    notice_id: str
    ebox: Ebox
    content: NoticeContent
    policy: deemed.DeemedServicePolicy
    moment: datetime


def deposit(state: Notice | None, command: Deposit) -> Decision:
    """Deposit and deliver once; a notice whose rule says arrival is service is served in the same commit."""
    if state is not None:
        return Decision([])
    delivered_at, ebox, content = command.moment, command.ebox, command.content
    deposited = NoticeDeposited(notice_id=command.notice_id, ebox_id=ebox.ebox_id, account_id=ebox.account_id,
                                content=content, policy=command.policy, delivered_at=iso(delivered_at))
    served_at = Notice(deposited).served_by(delivered_at)
    delivered = NoticeDelivered(notice_id=command.notice_id, filing_id=content.filing_id, account_id=ebox.account_id,
                                kind=content.kind, case_number=content.case_number, delivered_at=iso(delivered_at),
                                deemed_served_at=iso(served_at) if served_at else None)
    return Decision([deposited, delivered, *([_served(deposited, served_at)] if served_at else [])])


async def deliver(runtime: ServiceRuntime, *, cause: Envelope, ebox: Ebox, content: NoticeContent,
                  alert: bool = True) -> Notice:
    """Deposit the notice in the e-box, serve it if its rule says arrival is service, and alert the owner
    (unless `alert` is False: a court's notices are alerted from a queue, with retries and fallback)."""
    notice_id = notice_id_for(cause.id, ebox.ebox_id)
    # The index first: once notice.delivered is out, the owner can read the notice.
    await eboxes.file_notice(runtime, cause=cause, ebox=ebox, notice_id=notice_id, kind=content.kind)
    policy = runtime.settings.deemed_service[content.jurisdiction]
    notice = (await aggregate.execute(runtime.commits, notice_id, deposit,
                                      Deposit(notice_id, ebox, content, policy, now()),
                                      cause=cause.id, actor={"service": cause.source})).state
    if marker := _pending_service(notice):
        with contextlib.suppress(DuplicateKeyError):  # set by an earlier delivery of this event
            await runtime.db[PENDING_SERVICE].insert_one(marker)
    await count(runtime, notice)
    if not alert:
        return notice
    language = LANGUAGE_OF[content.jurisdiction]
    await alerts.alert_once(runtime, key=f"notice-{notice_id}", to=ebox.mobile, template="notice", language=language,
                            params={"title": content.title[language]})
    return notice


async def count(runtime: ServiceRuntime, notice: Notice) -> None:
    """Count the delivered notice for the statistics, once: here where it is delivered, not from its own
    notice.delivered (a message and a consumer's round trips for each notice). A delivery retried after a crash
    counts it again, which changes nothing; its steps' consumer counts it if it comes first."""
    await statistics.count_notice(runtime, notice_id=notice.deposited.notice_id, content=notice.deposited.content,
                                  channel="ebox", created_at=notice.deposited.delivered_at)


def _pending_service(notice: Notice) -> dict | None:
    """The marker of a notice its rule serves later, if it is one not served yet."""
    due_at = deemed.due_at(notice.policy, delivered_at=datetime.fromisoformat(notice.deposited.delivered_at))
    return {"_id": notice.deposited.notice_id, "due_at": iso(due_at)} if due_at and notice.served_at is None else None


async def deliver_many(runtime: ServiceRuntime,
                       deliveries: Sequence[tuple[Envelope, Ebox, NoticeContent]]) -> list[Notice]:
    """`deliver` for many notices at once (a batch's chunk), without alerts (the caller queues them): the
    e-boxes' index entries, then the notices' commits, then the markers of those served later, each step
    written together. Every step is keyed as in `deliver`, so doing it again changes nothing."""
    ids = [notice_id_for(cause.id, ebox.ebox_id) for cause, ebox, _ in deliveries]
    # The index first: once notice.delivered is out, the owner can read the notice.
    await eboxes.file_many(runtime, [(cause, ebox, notice_id, content.kind)
                                     for notice_id, (cause, ebox, content) in zip(ids, deliveries, strict=True)])
    moment = now()
    commands = [bulk.Command(notice_id, Deposit(notice_id, ebox, content, runtime.settings.deemed_service[
                    content.jurisdiction], moment), cause=cause.id, actor={"service": cause.source})
                for notice_id, (cause, ebox, content) in zip(ids, deliveries, strict=True)]
    delivered, pending, commits = [], [], []
    # From their markers to their publishing, the relay's sweeper leaves these notices' streams to this call.
    with runtime.relay.publishing(stream_of(notice_id) for notice_id in ids):
        for outcome in await bulk.execute_many(aggregate, runtime.commits, deposit, commands, relay=False):
            if isinstance(outcome, Exception):
                raise outcome
            delivered.append(outcome.state)
            if outcome.stored:
                commits.append(outcome.commit)
            if marker := _pending_service(outcome.state):
                pending.append(marker)
        await _settle_many(runtime, delivered)
        # Their notice.delivered (and notice.served) published together, confirms pipelined, not one by one.
        await bulk.publish_now(runtime, commits)
    await bulk.insert_new(runtime.db[PENDING_SERVICE], pending)  # some set before a crash, the chunk served again
    return delivered


async def _settle_many(runtime: ServiceRuntime, delivered: Sequence[Notice]) -> None:
    """Many notices counted for the statistics, and what this service does on their notice.served done in bulk
    before it is published: the step counted, and those without a deadline marked as such, so that its
    consumers here skip these events (each would cost a few round trips)."""
    facts, steps = [], []
    for notice in delivered:
        deposited = notice.deposited
        fact = statistics.notice_fact(notice_id=deposited.notice_id, content=deposited.content, channel="ebox",
                                      created_at=deposited.delivered_at)
        facts.append(fact)
        if notice.served_at is not None:
            steps.append(statistics.step_fact(fact, step="served", at=notice.served_at))
    await statistics.count_many(runtime, facts, steps)
    settled(runtime).add(deadlines.none_key(n.deposited.notice_id) for n in delivered
                         if n.served_at is not None and not n.deposited.content.deadline_days)


async def _mine(runtime: ServiceRuntime, principal: Principal, notice_id: str) -> Notice:
    """The notice, looked up through the principal's own e-box: anyone else's is not found."""
    ebox = await eboxes.of_account(runtime, principal.subject)
    notice = await load(runtime, notice_id) if ebox and notice_id in ebox.notice_ids else None
    if notice is None:
        raise Problem(404, "notice-not-found", detail="No notice with this id is in your e-box.")
    return notice


def first_view(current: Notice | None, viewed_at: datetime) -> Decision:
    """The first view, once; it serves the notice when its rule says a view is service."""
    if current.viewed_at is not None:
        return Decision([])
    deposited = current.deposited
    events: list = [NoticeViewed(notice_id=deposited.notice_id, filing_id=deposited.content.filing_id,
                                 account_id=deposited.account_id, viewed_at=iso(viewed_at))]
    if current.served_at is None and (served_at := current.served_by(viewed_at, viewed_at=viewed_at)):
        events.append(_served(deposited, served_at))
    return Decision(events)


async def view(runtime: ServiceRuntime, *, principal: Principal, notice_id: str) -> NoticeRead:
    """The notice; its first view is recorded once (and may serve it, by the rule it arrived under)."""
    notice = await _mine(runtime, principal, notice_id)
    if notice.viewed_at is not None:
        return notice.read()
    notice = (await aggregate.execute(runtime.commits, notice_id, first_view, now(), cause=f"view-{notice_id}",
                                      actor=principal.as_actor())).state
    if notice.served_at is not None:
        await runtime.db[PENDING_SERVICE].delete_one({"_id": notice_id})
    return notice.read()


async def in_ebox(runtime: ServiceRuntime, ebox: Ebox) -> list[Notice]:
    """The e-box's notices, newest first: one stream read per notice id in its index."""
    found = [await load(runtime, notice_id) for notice_id in ebox.notice_ids]
    return sorted((n for n in found if n is not None), key=lambda n: n.deposited.delivered_at, reverse=True)


async def list_mine(runtime: ServiceRuntime, *, principal: Principal) -> list[NoticeRead]:
    ebox = await eboxes.of_account(runtime, principal.subject)
    return [notice.read() for notice in await in_ebox(runtime, ebox)] if ebox else []


async def serve_due(runtime: ServiceRuntime) -> int:
    """Serve the notices whose time has come; returns how many were served now."""
    moment = now()
    due = [marker["_id"] async for marker in runtime.db[PENDING_SERVICE].find({"due_at": {"$lte": iso(moment)}})]
    served = 0
    for notice_id in due:
        served += await _serve_if_due(runtime, notice_id, moment)
    return served


def serve_if_due(current: Notice | None, moment: datetime) -> Decision:
    if current is None or current.served_at is not None:
        return Decision([])
    served_at = current.served_by(moment)
    return Decision([_served(current.deposited, served_at)] if served_at else [])


async def _serve_if_due(runtime: ServiceRuntime, notice_id: str, moment: datetime) -> bool:
    outcome = await aggregate.execute(runtime.commits, notice_id, serve_if_due, moment, cause=f"deemed-{notice_id}",
                                      actor={"service": SOURCE})
    if outcome.state is None or outcome.state.served_at is not None:
        await runtime.db[PENDING_SERVICE].delete_one({"_id": notice_id})
    return outcome.commit is not None
