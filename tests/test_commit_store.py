"""The commit store on the real MongoDB-wire server: concurrency, idempotency and the hash chain."""

import asyncio
import uuid

import pytest
from pymongo import AsyncMongoClient

from ejustice_shared.commits import CommitStore
from ejustice_shared.events import Envelope, EventData
from tests.support.stores import MONGODB_URL


class Counted(EventData):
    type = "test.counted"
    published = False

    command: int
    seen: int


@pytest.fixture
async def stores(infrastructure):
    database = f"t{uuid.uuid4().hex[:10]}_commits"
    clients = [AsyncMongoClient(MONGODB_URL) for _ in range(4)]
    made = [CommitStore(client[database]) for client in clients]
    await made[0].ensure_indexes()
    yield made
    await clients[0].drop_database(database)
    for client in clients:
        await client.close()


async def test_concurrent_commands_on_one_stream_take_each_seq_once_and_lose_nothing(stores):
    stream = "counter-1"

    async def command(number: int):
        def decide(history):
            return [Envelope.wrap(Counted(command=number, seen=len(history)), source="test", subject=stream)]

        return await stores[number % len(stores)].execute(stream, decide, cause=f"command-{number}")

    results = await asyncio.gather(*(command(n) for n in range(60)))
    history = await stores[0].load(stream)
    assert [c.seq for c in history] == list(range(1, 61))
    assert sorted(c.events[0].data["command"] for c in history) == list(range(60))
    # Every command decided on the state just before its own commit: no update was lost.
    assert all(c.events[0].data["seen"] == c.seq - 1 for c in history)
    assert {r.id for r in results} == {c.id for c in history}
    assert (await stores[0].verify(stream)).valid


async def test_the_same_cause_applies_once(stores):
    def decide(history):
        return [Envelope.wrap(Counted(command=1, seen=len(history)), source="test", subject="s")]

    first = await stores[0].execute("once-1", decide, cause="event-123")
    again = await asyncio.gather(*(store.execute("once-1", decide, cause="event-123") for store in stores))
    assert {c.id for c in again} == {first.id}
    assert len(await stores[0].load("once-1")) == 1


async def test_tampering_with_an_entry_breaks_the_chain(stores):
    for n in range(3):
        await stores[0].execute("chain-1", lambda h, n=n: [
            Envelope.wrap(Counted(command=n, seen=len(h)), source="test", subject="chain-1")])
    assert (await stores[0].verify("chain-1")).valid
    await stores[0].collection.update_one({"stream": "chain-1", "seq": 2}, {"$set": {"events.0.data.command": 99}})
    report = await stores[0].verify("chain-1")
    assert not report.valid and report.broken_at == 2 and "altered" in report.reason
