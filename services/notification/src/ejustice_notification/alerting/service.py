"""Alerts that a notice is in its e-box, from a queue: paced by the channel's rate limit, retried, and
moved from SMS to email when SMS keeps failing.

An alert waits as a marker in `alerts_pending` (`_id` = its key: the notice id, or a key of its own for
a later text such as an extended deadline), inserted once. A worker sends what is due, a round of at
most a second's sends (`round_size`) at a time, one call to the provider each; then it records the
round's sends together: `notice.alerted` appended to each notice's stream (one `execute_many`),
published together, and the markers removed in one delete. While a round is recorded the next one is
sent, so the sends go on at the rate limit. Failure sets the marker's next attempt, then moves it to
email (when the e-box has an address), and when every channel has failed appends `notice.alert_failed`
and leaves a marker in `alerts_failed` for the monitor. A crash leaves the markers, so an alert is
retried, never lost; the notices' streams are checked first, so one recorded as sent is not sent again,
and each send carries the alert's key, which the provider sends once (an alert sent but not yet recorded
is sent again with its key). After each round the worker notes how far it has reached
(`alerts_progress`), so the monitor can tell an alert waiting its turn from a stuck one.
"""

import asyncio
import contextlib
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import timedelta

import structlog
from pymongo.errors import DuplicateKeyError

from ejustice_notification.alerting.models import SandboxEmailRead
from ejustice_notification.alerts import service as alerts
from ejustice_notification.alerts.email import EmailChannel, SandboxEmail, make_email_channel
from ejustice_notification.common import LANGUAGE_OF, SOURCE, iso, now
from ejustice_notification.contacts import service as contacts
from ejustice_notification.eboxes.models import Ebox
from ejustice_notification.notices import service as notices
from ejustice_notification.notices.models import NoticeContent
from ejustice_shared import bulk
from ejustice_shared.aggregate import Decision
from ejustice_shared.events import NoticeAlerted, NoticeAlertFailed
from ejustice_shared.problems import Problem
from ejustice_shared.runtime import ServiceRuntime

log = structlog.get_logger()

PENDING = "alerts_pending"
FAILED = "alerts_failed"
PROGRESS, WORKER = "alerts_progress", "worker"  # one document: how far the worker has reached, and when
DUE_BATCH = 200
# A round holds at most this many seconds of sends at the pace of the moment, so that its alerts are recorded
# (and `notice.alerted` published) about a second after they went, at 5 a second while a batch is served too.
ROUND_SECONDS = 1.0


class RateLimit:
    """Paces sends to at most `per_second`, across every concurrent sender of this process; while `yielding()`
    says so, to at most `yielding_per_second` (never more than `per_second`)."""

    def __init__(self, per_second: float, *, yielding_per_second: float | None = None,
                 yielding: Callable[[], bool] = lambda: False):
        self.interval = 1.0 / per_second
        self.yielding_interval = max(self.interval, 1.0 / (yielding_per_second or per_second))
        self.yielding = yielding
        self.next_slot = 0.0

    def per_second(self) -> float:
        """The pace now: sends a second."""
        return 1.0 / (self.yielding_interval if self.yielding() else self.interval)

    def reserve(self, moment: float) -> float:
        """Take the next free slot from `moment` on; the seconds until it."""
        slot = max(self.next_slot, moment)
        self.next_slot = slot + (self.yielding_interval if self.yielding() else self.interval)
        return slot - moment

    async def wait(self) -> None:
        if (delay := self.reserve(time.monotonic())) > 0:
            await asyncio.sleep(delay)


class NoEmail(Exception):
    """The e-box has no email address to fall back to."""


# --- queueing ----------------------------------------------------------------------------------------


async def queue_notice(runtime: ServiceRuntime, *, notice_id: str, ebox: Ebox, content: NoticeContent) -> None:
    await queue_notices(runtime, [(notice_id, ebox, content)])


async def queue(runtime: ServiceRuntime, *, key: str, notice_id: str, ebox: Ebox, template: str, language: str,
                params: dict[str, str], subject: str, filing_id: str | None = None) -> None:
    with contextlib.suppress(DuplicateKeyError):  # queued before this crash or redelivery
        await runtime.db[PENDING].insert_one(_pending(key=key, notice_id=notice_id, ebox=ebox, template=template,
                                                      language=language, params=params, subject=subject,
                                                      filing_id=filing_id))


async def queue_notices(runtime: ServiceRuntime, notices: Sequence[tuple[str, Ebox, NoticeContent]]) -> None:
    """`queue_notice` for many (notice id, e-box, content) at once: one insert of all their markers."""
    markers = []
    for notice_id, ebox, content in notices:
        language = LANGUAGE_OF[content.jurisdiction]
        markers.append(_pending(key=notice_id, notice_id=notice_id, ebox=ebox, template="notice", language=language,
                                params={"title": content.title[language]}, subject=content.title[language],
                                filing_id=content.filing_id))
    await bulk.insert_new(runtime.db[PENDING], markers)  # some queued before this crash


def _pending(*, key: str, notice_id: str, ebox: Ebox, template: str, language: str, params: dict[str, str],
             subject: str, filing_id: str | None) -> dict:
    moment = iso(now())
    return {"_id": key, "notice_id": notice_id, "filing_id": filing_id, "ebox_id": ebox.ebox_id, "mobile": ebox.mobile,
            "template": template, "language": language, "params": params, "subject": subject,
            "channel": "sms", "attempts": 0, "tried": [], "queued_at": moment, "due_at": moment}


# --- the worker --------------------------------------------------------------------------------------


async def open_channels(runtime: ServiceRuntime) -> None:
    runtime.state["email"] = make_email_channel(runtime.settings, runtime.db)
    # While a batch is being served its alerts need only be queued: sending (a send, a commit, a publish each)
    # yields the process's CPU to the batch, and catches up at the full rate once the batch is complete.
    runtime.state["alert_rate"] = RateLimit(runtime.settings.alert_rate_per_second,
                                            yielding_per_second=runtime.settings.alert_rate_while_batch_per_second,
                                            yielding=lambda: bool(runtime.state.get("batches_serving")))


def email_channel(runtime: ServiceRuntime) -> EmailChannel:
    return runtime.state["email"]


async def sandbox_outbox(runtime: ServiceRuntime, *, to: str, limit: int) -> list[SandboxEmailRead]:
    channel = email_channel(runtime)
    if runtime.settings.environment == "production" or not isinstance(channel, SandboxEmail):
        raise Problem(404, "not-found", detail="There is no sandbox email outbox here.")
    return [SandboxEmailRead(message_id=doc["_id"], to=doc["to"], subject=doc["subject"], text=doc["text"],
                             sent_at=doc["sent_at"]) for doc in await channel.outbox(to.strip(), limit=limit)]


@dataclass(frozen=True)
class Round:
    """A round of due markers, sent: those sent now (with when), and those found alerted before (a crash
    between a round's commits and its markers' removal)."""

    due: list[dict]
    sent: list[tuple[dict, str]]
    alerted_before: list[str]
    size: int  # the most it could hold: fewer means nothing more is due now

    @property
    def recorded_keys(self) -> list[str]:
        """The markers the recording removes: until it has, the next round leaves them out."""
        return [*self.alerted_before, *(marker["_id"] for marker, _ in self.sent)]


def round_size(per_second: float) -> int:
    """How many due alerts a round takes at a pace of `per_second`."""
    return max(1, min(DUE_BATCH, int(per_second * ROUND_SECONDS)))


async def send_round(runtime: ServiceRuntime, *, excluding: Collection[str] = ()) -> Round:
    """Send the alerts due now (but those `excluding`, a round still being recorded), side by side and paced by
    the rate limit; a failed send is handled here (`_failed`), a successful one is left for `record_round`."""
    query: dict = {"due_at": {"$lte": iso(now())}}
    if excluding:
        query["_id"] = {"$nin": list(excluding)}
    size = round_size(runtime.state["alert_rate"].per_second())
    due = await runtime.db[PENDING].find(query).sort("due_at", 1).limit(size).to_list(None)
    alerted_before = await _already_alerted(runtime, due)
    parallel = asyncio.Semaphore(runtime.settings.alert_parallel)

    async def attempt(marker: dict) -> str | None:
        async with parallel:
            return await _attempt(runtime, marker)

    to_send = [marker for marker in due if marker["_id"] not in alerted_before]
    results = await asyncio.gather(*(attempt(marker) for marker in to_send), return_exceptions=True)
    sent = []
    for marker, result in zip(to_send, results, strict=True):
        if isinstance(result, BaseException):
            if not isinstance(result, Exception):
                raise result
            # One marker that cannot be tried must not hold back the others; it stays, for the monitor to find.
            log.warning("alert not tried", key=marker["_id"], error=repr(result))
        elif result is not None:
            sent.append((marker, result))
    return Round(due, sent, sorted(alerted_before), size)


async def _already_alerted(runtime: ServiceRuntime, due: Sequence[dict]) -> set[str]:
    """The keys of the notices' markers whose alert is recorded already: their streams read together."""
    ids = [marker["notice_id"] for marker in due if marker["template"] == "notice"]
    # Only this worker records alerts, so the copies this process holds are current (after a restart it reads them).
    loaded = await bulk.load_many(notices.aggregate, runtime.commits, ids, fresh=False)
    alerted = set()
    for marker in due:
        notice = loaded[marker["notice_id"]].state if marker["template"] == "notice" else None
        if notice is not None and (notice.alerted is not None or notice.alert_failed is not None):
            alerted.add(marker["_id"])
    return alerted


async def _attempt(runtime: ServiceRuntime, marker: dict) -> str | None:
    """Send one alert on its marker's channel; when it was sent, or None if it failed (and was dealt with)."""
    key, channel = marker["_id"], marker["channel"]
    text = alerts.render(marker["template"], marker["language"], marker["params"])
    try:
        await runtime.state["alert_rate"].wait()
        if channel == "sms":
            await alerts.channel(runtime).send(to=marker["mobile"], text=text, key=f"alert-{key}")
        else:
            address = await contacts.email_of(runtime, marker["ebox_id"])
            if address is None:
                raise NoEmail()
            await email_channel(runtime).send(to=address, subject=marker["subject"], text=text, key=f"alert-{key}")
    except Exception as exc:
        await _failed(runtime, marker, exc)
        return None
    return iso(now())  # the notice's lifecycle shows when its alert went, not when the round was recorded


def _alerted(marker: dict, alerted_at: str) -> NoticeAlerted:
    attempts = sum(t["attempts"] for t in marker["tried"]) + marker["attempts"] + 1
    return NoticeAlerted(notice_id=marker["notice_id"], filing_id=marker.get("filing_id"), channel=marker["channel"],
                         attempts=attempts, alerted_at=alerted_at)


async def record_round(runtime: ServiceRuntime, done: Round) -> None:
    """A round's sends recorded together: the notices' `notice.alerted` in one `execute_many` (each once, by its
    cause), published together with their confirms pipelined, then the round's markers removed in one delete.
    A crash before the delete leaves the markers: the next round finds the notices alerted, or sends again with
    the same keys (the provider sends once), and the relay's sweeper publishes what was committed."""
    commands = [bulk.Command(marker["notice_id"], _alerted(marker, at), cause=f"alerted-{marker['_id']}",
                             actor={"service": SOURCE})
                for marker, at in done.sent if marker["template"] == "notice"]
    # From their outbox markers to their publishing, the relay's sweeper leaves these streams to this call.
    with runtime.relay.publishing(notices.stream_of(command.key) for command in commands):
        commits = []
        for outcome in await bulk.execute_many(notices.aggregate, runtime.commits, record_alert, commands,
                                               relay=False):
            if isinstance(outcome, Exception):
                raise outcome
            if outcome.stored:
                commits.append(outcome.commit)
        await bulk.publish_now(runtime, commits)
    if keys := done.recorded_keys:
        await runtime.db[PENDING].delete_many({"_id": {"$in": keys}})
    await _note_progress(runtime, done.due)


async def _note_progress(runtime: ServiceRuntime, due: Sequence[dict]) -> None:
    """The worker has dealt with every marker due before the last of this round's (a marker still there with an
    earlier `due_at` was reached and is stuck): kept with the moment it moved, when it moved forward."""
    if not due:
        return
    frontier = max(marker["due_at"] for marker in due)
    with contextlib.suppress(DuplicateKeyError):  # not forward of where it was: it stays, and so does its moment
        await runtime.db[PROGRESS].update_one({"_id": WORKER, "frontier": {"$lt": frontier}},
                                              {"$set": {"frontier": frontier, "moved_at": iso(now())}}, upsert=True)


async def _failed(runtime: ServiceRuntime, marker: dict, exc: Exception) -> None:
    """Try the channel again later, or the next channel, or record that every channel failed."""
    settings, key, channel = runtime.settings, marker["_id"], marker["channel"]
    attempts = marker["attempts"] + 1
    limit = settings.alert_sms_attempts if channel == "sms" else settings.alert_email_attempts
    log.info("alert failed", key=key, channel=channel, attempts=attempts, error=type(exc).__name__)
    claimed = {"_id": key, "channel": channel, "attempts": marker["attempts"]}
    if attempts < limit and not isinstance(exc, NoEmail):
        delay = settings.alert_retry_seconds * 2 ** (attempts - 1)
        await runtime.db[PENDING].update_one(claimed, {"$set": {
            "attempts": attempts, "due_at": iso(now() + timedelta(seconds=delay))}})
        return
    made = 0 if isinstance(exc, NoEmail) else attempts
    tried = [*marker["tried"], {"channel": channel, "attempts": made}]
    if channel == "sms":
        await runtime.db[PENDING].update_one(claimed, {"$set": {
            "channel": "email", "attempts": 0, "tried": tried, "due_at": iso(now())}})
        return
    moment = iso(now())
    if marker["template"] == "notice":
        failed = NoticeAlertFailed(notice_id=marker["notice_id"], filing_id=marker.get("filing_id"),
                                   channels=[t["channel"] for t in tried],
                                   attempts=sum(t["attempts"] for t in tried), failed_at=moment)
        await _record(runtime, marker["notice_id"], failed, cause=f"alert-failed-{key}")
        with contextlib.suppress(DuplicateKeyError):
            await runtime.db[FAILED].insert_one({"_id": key, "notice_id": marker["notice_id"],
                                                 "queued_at": marker["queued_at"], "failed_at": moment})
    await runtime.db[PENDING].delete_one({"_id": key})


def record_alert(state: notices.Notice | None, event: NoticeAlerted | NoticeAlertFailed) -> Decision:
    """How the notice's alert ended, once: alerted on a channel, or every channel failed."""
    if state is None or state.alerted is not None or state.alert_failed is not None:
        return Decision([])
    return Decision([event])


async def _record(runtime: ServiceRuntime, notice_id: str, event: NoticeAlerted | NoticeAlertFailed, *,
                  cause: str) -> None:
    await notices.aggregate.execute(runtime.commits, notice_id, record_alert, event, cause=cause,
                                    actor={"service": SOURCE})


# --- the clock that runs it --------------------------------------------------------------------------


async def start_worker(runtime: ServiceRuntime) -> None:
    runtime.state["alert_worker"] = asyncio.create_task(_forever(runtime), name="alert-worker")


async def stop_worker(runtime: ServiceRuntime) -> None:
    worker: asyncio.Task = runtime.state["alert_worker"]
    worker.cancel()
    await asyncio.gather(worker, return_exceptions=True)


async def worker_readiness(runtime: ServiceRuntime) -> str | None:
    worker: asyncio.Task | None = runtime.state.get("alert_worker")
    return "not running" if worker is None or worker.done() else None


async def _forever(runtime: ServiceRuntime) -> None:
    """Rounds one after another: each round is recorded while the next is sent (its markers left out of the
    next look-up), so the sends go on at the rate limit while a round's commits and publishes are written.
    Rounds are recorded one at a time, in order."""
    recording: asyncio.Task | None = None
    recording_keys: list[str] = []
    try:
        while True:
            try:
                sent = await send_round(runtime, excluding=recording_keys)
                if recording is not None:
                    await recording
                recording = asyncio.create_task(record_round(runtime, sent)) if sent.due else None
                recording_keys, more_due = sent.recorded_keys, len(sent.due) == sent.size
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database may be away for a while: try again next round
                log.warning("alert round failed", error=repr(exc))
                if recording is not None:  # ended before its markers are looked up again
                    await asyncio.gather(recording, return_exceptions=True)
                recording, recording_keys, more_due = None, [], False
            if not more_due:
                await asyncio.sleep(runtime.settings.alert_check_seconds)
    finally:
        if recording is not None:
            recording.cancel()
            await asyncio.gather(recording, return_exceptions=True)
