"""The outbox relay with a broker whose confirms the test releases: order per stream, confirms pipelined
across streams, markers removed behind, a failure leaves the stream to the sweeper."""

import asyncio

import pytest

from ejustice_shared import clock
from ejustice_shared.aggregate import MemoryCommits
from ejustice_shared.commits import Commit
from ejustice_shared.events import Envelope
from ejustice_shared.outbox import OutboxRelay

pytestmark = pytest.mark.unit


class Broker:
    """A bus whose publishes each wait for the test to confirm (or refuse) them."""

    def __init__(self) -> None:
        self.connected = True
        self.waiting: list[tuple[Envelope, asyncio.Future]] = []
        self.confirmed: list[tuple[str, int]] = []

    async def publish(self, envelope: Envelope) -> None:
        confirm = asyncio.get_running_loop().create_future()
        self.waiting.append((envelope, confirm))
        await confirm
        self.confirmed.append((envelope.subject, envelope.data["n"]))

    def in_flight(self) -> list[tuple[str, int]]:
        return [(e.subject, e.data["n"]) for e, confirm in self.waiting if not confirm.done()]

    def answer(self, subject: str, n: int, error: Exception | None = None) -> None:
        confirm = next(c for e, c in self.waiting if (e.subject, e.data["n"]) == (subject, n) and not c.done())
        confirm.set_exception(error) if error else confirm.set_result(None)


class Markers:
    """The store's side of the relay: the markers removed, and none left for the sweeper."""

    def __init__(self) -> None:
        self.removed: list[str] = []

    async def mark_published(self, commits: list[Commit]) -> None:
        self.removed.extend(c.id for c in commits)

    async def pending(self, **_) -> list[dict]:
        return []


def commit(stream: str, seq: int) -> Commit:
    # A type outside the catalog, published like any there (no model is declared: it would join the catalog).
    event = Envelope(id=f"{stream}-{seq}", type="test.outbox.noted", version=1, source="test", time=clock.iso(),
                     subject=stream, correlation_id="test", routing_key="test.outbox.noted", data={"n": seq})
    return MemoryCommits.commit(stream, [event], seq=seq, prev_hash="", cause=f"c{seq}", actor=None)


async def settled() -> None:
    for _ in range(20):  # let every ready task run to its next wait
        await asyncio.sleep(0)


async def test_each_stream_in_order_and_streams_side_by_side():
    broker, markers = Broker(), Markers()
    relay = OutboxRelay(markers, broker, sweep_seconds=3600, stale_seconds=5)
    relay.start()
    try:
        for c in (commit("a", 1), commit("a", 2), commit("b", 1)):
            relay.notify(c)
        await settled()
        # a-2 waits for a-1's confirm; b-1 does not wait for a's.
        assert sorted(broker.in_flight()) == [("a", 1), ("b", 1)]
        broker.answer("b", 1)
        await settled()
        assert broker.confirmed == [("b", 1)] and markers.removed == ["b/0000000001"]
        broker.answer("a", 1)
        await settled()
        assert broker.in_flight() == [("a", 2)]
        relay.notify(commit("a", 3))  # arrives while its stream's sender runs: it follows a-2
        broker.answer("a", 2)
        await settled()
        broker.answer("a", 3)
        await settled()
        assert broker.confirmed == [("b", 1), ("a", 1), ("a", 2), ("a", 3)]
        assert sorted(markers.removed) == ["a/0000000001", "a/0000000002", "a/0000000003", "b/0000000001"]
    finally:
        await relay.stop()


async def test_a_refused_publish_leaves_the_stream_to_the_sweeper():
    broker, markers = Broker(), Markers()
    relay = OutboxRelay(markers, broker, sweep_seconds=3600, stale_seconds=5)
    relay.start()
    try:
        relay.notify(commit("a", 1))
        relay.notify(commit("a", 2))
        await settled()
        broker.answer("a", 1, error=RuntimeError("nacked"))
        await settled()
        relay.notify(commit("a", 3))  # behind a failure: not sent before a-1 and a-2
        await settled()
        assert broker.in_flight() == [] and markers.removed == []
        relay.notify(commit("b", 1))  # other streams go on
        await settled()
        assert broker.in_flight() == [("b", 1)]
    finally:
        await relay.stop()


async def test_commits_stored_before_the_relay_starts_are_left_to_its_first_sweep():
    broker, markers = Broker(), Markers()
    relay = OutboxRelay(markers, broker, sweep_seconds=3600, stale_seconds=5)
    relay.notify(commit("a", 1))
    await settled()
    assert broker.waiting == []


class StaleMarkers(Markers):
    """Markers the sweeper finds stale, with their commits."""

    def __init__(self, *commits: Commit) -> None:
        super().__init__()
        self.commits = {c.id: c for c in commits}

    async def pending(self, **_) -> list[dict]:
        return [{"_id": c.id, "stream": c.stream, "seq": c.seq, "marked_at": "2000-01-01T00:00:00+00:00"}
                for c in self.commits.values() if c.id not in self.removed]

    async def get(self, commit_id: str) -> Commit | None:
        return self.commits.get(commit_id)


async def test_the_sweeper_leaves_the_streams_this_process_is_publishing_itself():
    broker = Broker()
    markers = StaleMarkers(commit("a", 1), commit("b", 1))
    relay = OutboxRelay(markers, broker, sweep_seconds=3600, stale_seconds=5)
    with relay.publishing(["a"]):  # a batch publishes a's commits itself, however long that takes
        sweep = asyncio.create_task(relay.sweep())
        await settled()
        assert broker.in_flight() == [("b", 1)]
        broker.answer("b", 1)
        assert await sweep == 1
    sweep = asyncio.create_task(relay.sweep())  # a's marker left behind (a crash, a failure) is swept after
    await settled()
    assert broker.in_flight() == [("a", 1)]
    broker.answer("a", 1)
    assert await sweep == 1 and sorted(markers.removed) == ["a/0000000001", "b/0000000001"]
