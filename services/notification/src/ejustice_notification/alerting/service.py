"""Alerts that a notice is in its e-box, from a queue: paced by the channel's rate limit, retried, and
moved from SMS to email when SMS keeps failing.

An alert waits as a marker in `alerts_pending` (`_id` = its key: the notice id, or a key of its own
for a later text such as an extended deadline), inserted once. A worker sends what is due; success
appends `notice.alerted` to the notice's stream and removes the marker; failure sets the marker's next
attempt, then moves it to email (when the e-box has an address), and when every channel has failed
appends `notice.alert_failed` and leaves a marker in `alerts_failed` for the monitor. A crash leaves
the marker, so an alert is retried, never lost; the notice's stream is checked first, so one recorded
as sent is not sent again, and each send carries the alert's key, which the provider sends once.
"""

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
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
DUE_BATCH = 200


class RateLimit:
    """Paces sends to at most `per_second`, across every concurrent sender of this process; while `yielding()`
    says so, to at most `yielding_per_second` (never more than `per_second`)."""

    def __init__(self, per_second: float, *, yielding_per_second: float | None = None,
                 yielding: Callable[[], bool] = lambda: False):
        self.interval = 1.0 / per_second
        self.yielding_interval = max(self.interval, 1.0 / (yielding_per_second or per_second))
        self.yielding = yielding
        self.next_slot = 0.0

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


async def send_due(runtime: ServiceRuntime) -> int:
    """Try every alert that is due, a batch at a time; returns how many were tried."""
    due = await runtime.db[PENDING].find({"due_at": {"$lte": iso(now())}}).sort("due_at", 1) \
        .limit(DUE_BATCH).to_list(None)
    parallel = asyncio.Semaphore(runtime.settings.alert_parallel)

    async def attempt(marker: dict) -> None:
        async with parallel:
            await _attempt(runtime, marker)

    await asyncio.gather(*(attempt(marker) for marker in due))
    return len(due)


async def _already_alerted(runtime: ServiceRuntime, marker: dict) -> bool:
    if marker["template"] != "notice":
        return False
    # Only this worker records alerts, so the copy this process holds is current (after a restart it reads it).
    notice = (await notices.aggregate.load(runtime.commits, marker["notice_id"], fresh=False)).state
    return notice is not None and (notice.alerted is not None or notice.alert_failed is not None)


async def _attempt(runtime: ServiceRuntime, marker: dict) -> None:
    key, channel = marker["_id"], marker["channel"]
    if await _already_alerted(runtime, marker):
        await runtime.db[PENDING].delete_one({"_id": key})
        return
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
        return
    if marker["template"] == "notice":
        attempts = sum(t["attempts"] for t in marker["tried"]) + marker["attempts"] + 1
        alerted = NoticeAlerted(notice_id=marker["notice_id"], filing_id=marker.get("filing_id"), channel=channel,
                                attempts=attempts, alerted_at=iso(now()))
        await _record(runtime, marker["notice_id"], alerted, cause=f"alerted-{key}")
    await runtime.db[PENDING].delete_one({"_id": key})


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
    while True:
        try:
            tried = await send_due(runtime)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the database may be away for a while: try again next round
            log.warning("alert round failed", error=repr(exc))
            tried = 0
        if tried < DUE_BATCH:
            await asyncio.sleep(runtime.settings.alert_check_seconds)
