"""The outbox relay: publishes stored commits, in order per stream, then marks them published.

Fresh commits of this process are handed over at once; a sweeper re-publishes whatever
is still unpublished after a while (a crash, a broker outage, another replica that died).
Publishing twice is allowed, losing is not: consumers are idempotent by event id.
"""

import asyncio
from datetime import timedelta

import structlog

from ejustice_shared import metrics
from ejustice_shared.bus import EventBus
from ejustice_shared.commits import Commit, CommitStore
from ejustice_shared.faults import crash_point

log = structlog.get_logger()


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

    def notify(self, commit: Commit) -> None:
        self._fresh.put_nowait(commit)

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._publish_fresh(), name="relay-fresh"),
                       asyncio.create_task(self._sweep_forever(), name="relay-sweeper")]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def publish(self, commit: Commit) -> bool:
        """Publish one commit's events and mark it; False if the broker did not confirm."""
        try:
            for event in commit.events:
                if event.published:
                    await self.bus.publish(event)
        except Exception as exc:
            metrics.RELAY_PUBLISH_FAILURES.inc()
            log.warning("publish failed, will retry", stream=commit.stream, seq=commit.seq, error=repr(exc))
            return False
        crash_point("relay.after_confirm")
        await self.store.mark_published(commit)
        return True

    async def _publish_fresh(self) -> None:
        while True:
            commit = await self._fresh.get()
            if commit.stream in self._held or not await self.publish(commit):
                self._held.add(commit.stream)

    async def sweep(self, *, older_than: timedelta | None) -> int:
        """Publish what is unpublished (stale, or in a held stream), in order per stream, stopping a stream at
        its first failure."""
        held = set(self._held)
        pending = {c.id: c for c in await self.store.unpublished(older_than=older_than)}
        if held:
            pending.update({c.id: c for c in await self.store.unpublished(streams=held)})
        published = 0
        blocked: set[str] = set()
        for commit in sorted(pending.values(), key=lambda c: (c.stream, c.seq)):
            if commit.stream in blocked:
                continue
            if await self.publish(commit):
                published += 1
            else:
                blocked.add(commit.stream)
                if not self.bus.connected:  # the broker is away: the rest would fail the same way
                    blocked |= {c.stream for c in pending.values()}
                    break
        self._held = (self._held - held) | blocked
        return published

    async def _sweep_forever(self) -> None:
        # At start, everything unpublished is ours to send: whoever wrote it is gone or will retry.
        older_than: timedelta | None = None
        while True:
            try:
                await self.sweep(older_than=older_than)
                metrics.RELAY_BACKLOG.set(await self.store.count_unpublished())
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("sweep failed", error=repr(exc))
            older_than = self.stale_after
            await asyncio.sleep(self.sweep_seconds)
