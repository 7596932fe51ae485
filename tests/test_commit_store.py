"""The commit store on the real MongoDB-wire server: concurrency, idempotency, snapshots and the hash chain."""

import asyncio

import pytest

from ejustice_shared.aggregate import Aggregate, Decision, Fact
from ejustice_shared.events import EventData
from tests.support.stores import scratch_commit_stores

pytestmark = pytest.mark.process


class Counted(EventData):
    type = "test.counted"
    published = False

    command: int
    seen: int


counter = Aggregate("counter", stream=lambda key: key, initial=0, source="test", state_type=int, snapshot_every=8)


@counter.evolves(Counted)
def _counted(state: int, event: Counted, fact: Fact) -> int:
    return state + 1


def count(seen: int, number: int) -> Decision:
    return Decision([Counted(command=number, seen=seen)])


@pytest.fixture
async def stores(infrastructure):
    async with scratch_commit_stores(4, "commits") as made:
        yield made


async def test_concurrent_commands_on_one_stream_take_each_seq_once_and_lose_nothing(stores):
    stream = "counter-1"

    async def command(number: int):
        return await counter.execute(stores[number % len(stores)], stream, count, number, cause=f"command-{number}")

    results = await asyncio.gather(*(command(n) for n in range(60)))
    history = await stores[0].load(stream)
    assert [c.seq for c in history] == list(range(1, 61))
    assert sorted(c.events[0].data["command"] for c in history) == list(range(60))
    # Every command decided on the state just before its own commit: no update was lost.
    assert all(c.events[0].data["seen"] == c.seq - 1 for c in history)
    assert {r.commit.id for r in results} == {c.id for c in history} and all(r.stored for r in results)
    assert (await stores[0].verify(stream)).valid


async def test_the_same_cause_applies_once(stores):
    first = await counter.execute(stores[0], "once-1", count, 1, cause="event-123")
    again = await asyncio.gather(*(counter.execute(store, "once-1", count, 1, cause="event-123") for store in stores))
    assert {o.commit.id for o in again} == {first.commit.id} and not any(o.stored for o in again)
    assert len(await stores[0].load("once-1")) == 1


async def test_a_long_stream_is_read_from_its_snapshot(stores):
    for n in range(20):
        await counter.execute(stores[0], "long-1", count, n, cause=f"c{n}")
    snapshot = await stores[0].snapshot("long-1")
    assert snapshot["seq"] == 16 and snapshot["state"] == 16
    loaded = await counter.load(stores[1], "long-1")  # another process, nothing held
    assert (loaded.seq, loaded.state) == (20, 20)
    assert not (await counter.execute(stores[1], "long-1", count, 1, cause="c3")).stored


async def test_tampering_with_an_entry_breaks_the_chain(stores):
    for n in range(3):
        await counter.execute(stores[0], "chain-1", count, n)
    assert (await stores[0].verify("chain-1")).valid
    await stores[0].collection.update_one({"stream": "chain-1", "seq": 2}, {"$set": {"events.0.data.command": 99}})
    report = await stores[0].verify("chain-1")
    assert not report.valid and report.broken_at == 2 and "altered" in report.reason


async def test_heads_are_those_of_the_streams_named_with_the_prefix_only(stores):
    for stream, commands in {"filing-a": 3, "filing-b": 1, "filing.": 1, "filinga": 1, "filing": 1}.items():
        for number in range(commands):
            await counter.execute(stores[0], stream, count, number, cause=f"{stream}-{number}")
    heads = await stores[1].heads("filing-")
    assert sorted(heads) == ["filing-a", "filing-b"]
    history = await stores[1].load("filing-a")
    assert heads["filing-a"] == (3, history[-1].hash)
