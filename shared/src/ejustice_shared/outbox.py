"""The outbox relay: publishes stored commits, in order per stream, then marks them published.

Fresh commits of this process are handed over at once; a sweeper re-publishes whatever
is still unpublished after a while (a crash, a broker outage, another replica that died).
Publishing twice is allowed, losing is not: consumers are idempotent by event id.
"""

import asyncio
from datetime import timedelta

import structlog

from ejustice_shared import clock, metrics
from ejustice_shared.bus import EventBus
from ejustice_shared.commits import Commit, CommitStore
from ejustice_shared.faults import crash_point

log = structlog.get_logger()

FRESH_BATCH = 256  # commits taken off the in-process queue at once
PARALLEL_STREAMS = 32  # streams whose publishes are awaiting confirms at the same time
# A marker without its commit this old belongs to a writer that died: every database call times out long before.
ABANDONED_AFTER = timedelta(minutes=10)


class OutboxRelay:
    def __init__(self, store: CommitStore, bus: EventBus, *, sweep_seconds: float, stale_seconds: float):
        self.store = store
        self.bus = bus
        self.sweep_seconds = sweep_seconds
        self.stale_after = timedelta(seconds=stale_seconds)
        self._fresh: asyncio.Queue[Commit] = asyncio.Queue()
        # Streams with a commit that failed to publish: later commits wait for the sweeper, to keep order.
        self._held: set[str] = set()
        self._tasks: list[asyncio.Task] = []
        self._in_flight = asyncio.Semaphore(PARALLEL_STREAMS)

    def notify(self, commit: Commit) -> None:
        self._fresh.put_nowait(commit)

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._publish_fresh(), name="relay-fresh"),
                       asyncio.create_task(self._sweep_forever(), name="relay-sweeper")]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def send(self, commit: Commit) -> bool:
        """Publish one commit's events; False if the broker did not confirm."""
        try:
            for event in commit.events:
                if event.published:
                    await self.bus.publish(event)
        except Exception as exc:
            metrics.RELAY_PUBLISH_FAILURES.inc()
            log.warning("publish failed, will retry", stream=commit.stream, seq=commit.seq, error=repr(exc))
            return False
        crash_point("relay.after_confirm")
        return True

    async def publish(self, commit: Commit) -> bool:
        """Publish one commit's events and mark it; False if the broker did not confirm."""
        if not await self.send(commit):
            return False
        await self.store.mark_published([commit])
        return True

    async def publish_in_order(self, commits: list[Commit]) -> tuple[int, set[str]]:
        """Publish commits, each stream's in sequence and streams side by side, so confirms overlap;
        then remove the markers of all that were confirmed, in one delete.

        A stream stops at its first failure. Returns how many were published and the streams that stopped.
        """
        streams: dict[str, list[Commit]] = {}
        for commit in sorted(commits, key=lambda c: (c.stream, c.seq)):
            streams.setdefault(commit.stream, []).append(commit)
        blocked: set[str] = set()
        sent: list[Commit] = []

        async def one_stream(stream: str, pending: list[Commit]) -> None:
            async with self._in_flight:
                for commit in pending:
                    if not self.bus.connected or not await self.send(commit):
                        blocked.add(stream)
                        return
                    sent.append(commit)

        await asyncio.gather(*(one_stream(stream, pending) for stream, pending in streams.items()))
        if sent:  # a crash before this delete publishes them again (allowed); losing one is not
            await self.store.mark_published(sent)
        return len(sent), blocked

    async def _publish_fresh(self) -> None:
        while True:
            batch = [await self._fresh.get()]
            while not self._fresh.empty() and len(batch) < FRESH_BATCH:
                batch.append(self._fresh.get_nowait())
            _, blocked = await self.publish_in_order([c for c in batch if c.stream not in self._held])
            self._held |= blocked

    async def sweep(self, *, stale_only: bool = True) -> int:
        """Publish what is pending and stale, or waiting behind a failure here. Returns how many."""
        held = set(self._held)
        now = clock.now()
        # Not stale_only (at start): every marker, however fresh; none can be a day ahead of this clock.
        before = clock.iso(now - self.stale_after if stale_only else now + timedelta(days=1))
        abandoned = clock.iso(now - ABANDONED_AFTER)
        markers = await self.store.pending(marked_before=before, streams=held)
        due = []
        for marker in markers:
            if commit := await self.store.get(marker["_id"]):
                due.append(commit)
            elif marker["marked_at"] < abandoned:  # its writer died before the commit: nothing to send
                await self.store.drop_marker(marker["_id"])
        published, blocked = await self.publish_in_order(due)
        self._held = (self._held - held) | blocked
        metrics.RELAY_BACKLOG.set(len(markers) - published)
        return published

    async def _sweep_forever(self) -> None:
        # At start, everything unpublished is ours to send: whoever wrote it is gone or will retry.
        stale_only = False
        while True:
            try:
                await self.sweep(stale_only=stale_only)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("sweep failed", error=repr(exc))
            stale_only = True
            await asyncio.sleep(self.sweep_seconds)
