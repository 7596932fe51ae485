"""The monitor of stuck notices: every notice accounted for, and a lost one a page on a dashboard.

Each round reads three small work queues, never the notices themselves:
- `alerts_pending` markers queued longer ago than NOTIFICATION_MONITOR_NOT_ALERTED_SECONDS and not merely waiting
  their turn: deposited, never alerted (`not_alerted_filter`);
- `alerts_failed`: every alert channel failed (stuck at once);
- `paper_tasks_open` older than NOTIFICATION_MONITOR_PAPER_SECONDS: paper tasks with no outcome.
A notice found stuck is recorded once per reason (the stream `stuck-<reason>-<id>`, publishing
`notice.stuck`), counted in `notices_stuck_found`, and the gauge `notices_stuck` holds how many are stuck now.
"""

import asyncio
from datetime import datetime, timedelta

import structlog
from prometheus_client import Counter, Gauge

from ejustice_notification.alerting import service as alerting
from ejustice_notification.common import SOURCE, iso, now
from ejustice_notification.monitor.models import Reason, StuckNoticeRead
from ejustice_notification.notices import service as notices
from ejustice_notification.paper import service as paper
from ejustice_shared.aggregate import Aggregate, Decision, Fact
from ejustice_shared.events import Envelope, NoticeStuck
from ejustice_shared.runtime import ServiceRuntime

log = structlog.get_logger()

STUCK_NOW = Gauge("notices_stuck", "Notices stuck at a step of their lifecycle now", ["reason"])
STUCK_FOUND = Counter("notices_stuck_found", "Notices found stuck, once each per reason", ["reason"])
REASONS: tuple[Reason, ...] = ("not-alerted", "alerts-failed", "paper-without-outcome")


def stream_of(key: str) -> str:
    """`key` is `<reason>-<notice id>`: a notice is found stuck once for each reason."""
    return f"stuck-{key}"


aggregate = Aggregate("stuck", stream=stream_of, initial=None, source=SOURCE, state_type=NoticeStuck | None,
                      subject=lambda key, state, event: event.notice_id)


@aggregate.evolves(NoticeStuck)
def _found(state: NoticeStuck | None, found: NoticeStuck, fact: Fact) -> NoticeStuck:
    return state or found


def find_once(state: NoticeStuck | None, found: NoticeStuck) -> Decision:
    return Decision([] if state is not None else [found])


def not_alerted_filter(progress: dict | None, *, moment: datetime, threshold: float) -> dict:
    """The queued alerts that count as not alerted: queued longer ago than the threshold, and not merely waiting
    their turn. The worker sends in order of `due_at` at the rate limit, so after a large batch an alert may wait
    longer than the threshold behind the queue with nothing wrong. While the worker moves forward (its frontier,
    `alerting.PROGRESS`, moved within the threshold), only the alerts it has passed are stuck: due before the last
    it dealt with, yet still queued. When it has not moved for as long, or is not known to have, all are."""
    since = iso(moment - timedelta(seconds=threshold))
    query: dict = {"queued_at": {"$lte": since}}
    if progress is not None and progress["moved_at"] > since:
        query["due_at"] = {"$lt": progress["frontier"]}
    return query


async def find_stuck(runtime: ServiceRuntime) -> list[tuple[str, Reason, str]]:
    """(notice id, reason, since) of every notice stuck now."""
    settings, moment = runtime.settings, now()
    paper_by = iso(moment - timedelta(seconds=settings.monitor_paper_seconds))
    db = runtime.db
    found: list[tuple[str, Reason, str]] = []
    progress = await db[alerting.PROGRESS].find_one({"_id": alerting.WORKER})
    not_alerted = not_alerted_filter(progress, moment=moment, threshold=settings.monitor_not_alerted_seconds)
    async for marker in db[alerting.PENDING].find(not_alerted):
        found.append((marker["notice_id"], "not-alerted", marker["queued_at"]))
    async for marker in db[alerting.FAILED].find({}):
        notice = await notices.load(runtime, marker["notice_id"])
        if notice is not None and notice.viewed_at:  # the addressee found it anyway: no longer stuck
            await db[alerting.FAILED].delete_one({"_id": marker["_id"]})
            continue
        found.append((marker["notice_id"], "alerts-failed", marker["failed_at"]))
    async for marker in db[paper.OPEN_TASKS].find({"opened_at": {"$lte": paper_by}}):
        found.append((marker["_id"], "paper-without-outcome", marker["opened_at"]))
    return found


async def check(runtime: ServiceRuntime) -> list[StuckNoticeRead]:
    """One round: record what is newly stuck, set the gauges, and answer the list."""
    stuck = await find_stuck(runtime)
    listed = []
    for notice_id, reason, since in stuck:
        key = f"{reason}-{notice_id}"
        # Written once and never again: the state this process holds needs no fresh read.
        recorded = (await aggregate.load(runtime.commits, key, fresh=False)).state
        if recorded is None:
            outcome = await aggregate.execute(
                runtime.commits, key, find_once,
                NoticeStuck(notice_id=notice_id, reason=reason, since=since, found_at=iso(now())),
                cause=stream_of(key), actor={"service": SOURCE})
            recorded = outcome.state
        listed.append(StuckNoticeRead(notice_id=notice_id, reason=reason, since=since, found_at=recorded.found_at))
    for reason in REASONS:
        STUCK_NOW.labels(reason).set(sum(1 for s in listed if s.reason == reason))
    return listed


async def start_monitor(runtime: ServiceRuntime) -> None:
    runtime.state["monitor"] = asyncio.create_task(_forever(runtime), name="notice-monitor")


async def stop_monitor(runtime: ServiceRuntime) -> None:
    task: asyncio.Task = runtime.state["monitor"]
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def monitor_readiness(runtime: ServiceRuntime) -> str | None:
    task: asyncio.Task | None = runtime.state.get("monitor")
    return "not running" if task is None or task.done() else None


async def _forever(runtime: ServiceRuntime) -> None:
    while True:
        await asyncio.sleep(runtime.settings.monitor_check_seconds)
        try:
            await check(runtime)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the database may be away for a while: try again next round
            log.warning("monitor round failed", error=repr(exc))


async def on_notice_stuck(runtime: ServiceRuntime, envelope: Envelope, event: NoticeStuck) -> None:
    """Counted once a notice is found stuck (the event is published once per notice and reason)."""
    if runtime.state.setdefault("stuck_seen", set()).isdisjoint({envelope.id}):
        runtime.state["stuck_seen"].add(envelope.id)
        STUCK_FOUND.labels(event.reason).inc()
    log.warning("notice stuck", notice_id=event.notice_id, reason=event.reason, since=event.since)
