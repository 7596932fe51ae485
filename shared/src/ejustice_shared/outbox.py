"""The outbox relay: publishes stored commits, in order per stream, then marks them published.

Fresh commits of this process are handed over at once: each stream with commits to send has a
sender of its own, which publishes them one after the other, each once the broker confirmed the
one before; senders of different streams run side by side on the one confirming channel, so their
confirms overlap (pipelined) instead of a batch waiting for its slowest. The markers of what was
confirmed are removed behind, in one delete for all confirmed meanwhile, without holding up the
publishing. A sweeper re-publishes whatever is still unpublished after a while (a crash, a broker
outage, another replica that died). Publishing twice is allowed, losing is not: consumers are
idempotent by event id.
"""

import asyncio
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta

import structlog

from ejustice_shared import clock, metrics
from ejustice_shared.bus import EventBus
from ejustice_shared.commits import Commit, CommitStore
from ejustice_shared.faults import crash_point

log = structlog.get_logger()

PARALLEL_STREAMS = 256  # streams whose publishes are awaiting confirms at the same time
MARKED_AT_ONCE = 1000  # markers removed by one delete
# A marker without its commit this old belongs to a writer that died: every database call times out long before.
ABANDONED_AFTER = timedelta(minutes=10)


class OutboxRelay:
    def __init__(self, store: CommitStore, bus: EventBus, *, sweep_seconds: float, stale_seconds: float):
        self.store = store
        self.bus = bus
        self.sweep_seconds = sweep_seconds
        self.stale_after = timedelta(seconds=stale_seconds)
        # Fresh commits waiting for their stream's sender, in order; a stream is here while its sender runs.
        self._waiting: dict[str, list[Commit]] = {}
        # Streams with a commit that failed to publish: later commits wait for the sweeper, to keep order.
        self._held: set[str] = set()
        self._confirmed: list[Commit] = []  # published, their markers still to remove
        self._to_mark = asyncio.Event()
        self._started = False
        self._tasks: list[asyncio.Task] = []
        self._senders: set[asyncio.Task] = set()
        self._in_flight = asyncio.Semaphore(PARALLEL_STREAMS)
        # Streams whose fresh commits this process is publishing outside the relay (bulk.publish_now).
        self._published_elsewhere: Counter[str] = Counter()

    def notify(self, commit: Commit) -> None:
        """A commit of this process was stored: publish it as soon as its stream's earlier ones are."""
        if not self._started or commit.stream in self._held:
            return  # the sweeper sends it: at start every marker, later those of held streams
        if (waiting := self._waiting.get(commit.stream)) is not None:
            waiting.append(commit)
            return
        self._waiting[commit.stream] = [commit]
        sender = asyncio.create_task(self._send_stream(commit.stream), name=f"relay-{commit.stream}")
        self._senders.add(sender)
        sender.add_done_callback(self._senders.discard)

    @contextmanager
    def publishing(self, streams: Iterable[str]) -> Iterator[None]:
        """While this process publishes these streams' fresh commits itself, the sweeper leaves their markers,
        however old they grow (a batch's chunk on a busy broker takes longer than `stale_seconds`): it would
        publish them a second time, one read each."""
        streams = list(streams)
        self._published_elsewhere.update(streams)
        try:
            yield
        finally:
            self._published_elsewhere.subtract(streams)
            self._published_elsewhere += Counter()  # drop the streams at zero

    def start(self) -> None:
        self._started = True
        self._tasks = [asyncio.create_task(self._mark_forever(), name="relay-marker"),
                       asyncio.create_task(self._sweep_forever(), name="relay-sweeper")]

    async def stop(self) -> None:
        self._started = False
        for task in [*self._tasks, *self._senders]:
            task.cancel()
        await asyncio.gather(*self._tasks, *self._senders, return_exceptions=True)

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

    async def _send_stream(self, stream: str) -> None:
        """Publish a stream's fresh commits in order, taking those that arrive meanwhile too."""
        waiting = self._waiting[stream]
        try:
            async with self._in_flight:
                while waiting and self.bus.connected and await self.send(waiting[0]):
                    self._confirmed.append(waiting.pop(0))
                    self._to_mark.set()
        finally:
            if waiting:  # not confirmed, or this sender failed: this one and all after it are the sweeper's
                self._held.add(stream)
            del self._waiting[stream]

    async def _mark_forever(self) -> None:
        """Remove the markers of confirmed commits, all those confirmed since the last delete at once."""
        while True:
            await self._to_mark.wait()
            self._to_mark.clear()
            while self._confirmed:
                batch, self._confirmed = self._confirmed[:MARKED_AT_ONCE], self._confirmed[MARKED_AT_ONCE:]
                try:
                    await self.store.mark_published(batch)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # the markers stay: the sweeper publishes them again (allowed)
                    log.warning("markers not removed", count=len(batch), error=repr(exc))

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

    async def sweep(self, *, stale_only: bool = True) -> int:
        """Publish what is pending and stale, or waiting behind a failure here. Returns how many."""
        held = set(self._held)
        now = clock.now()
        # Not stale_only (at start): every marker, however fresh; none can be a day ahead of this clock.
        before = clock.iso(now - self.stale_after if stale_only else now + timedelta(days=1))
        abandoned = clock.iso(now - ABANDONED_AFTER)
        markers = await self.store.pending(marked_before=before, streams=held)
        # What a sender of this process is publishing, or has and is unmarking, is not sent a second time.
        busy = {commit.id for commit in self._confirmed}
        due = []
        for marker in markers:
            if marker["stream"] in self._waiting or marker["stream"] in self._published_elsewhere \
                    or marker["_id"] in busy:
                continue
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
