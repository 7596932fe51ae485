"""Many commands in a few round trips (`ejustice_shared.bulk`), on the real MongoDB-wire server: each stream's
commits in order with an unbroken hash chain, causes applied once, rival writers and replays decided again."""

import asyncio

import pytest

from ejustice_shared import bulk
from ejustice_shared.aggregate import Aggregate, Decision, Fact
from ejustice_shared.events import CATALOG, EventData
from tests.support.stores import scratch_commit_stores

pytestmark = pytest.mark.process


class Added(EventData):
    type = "test.added"
    published = False

    item: str
    seen: int


class Announced(EventData):
    type = "test.announced"

    item: str


# Defining an event adds it to the catalog; the test's own are in it only while its tests run, so the schema
# checks, whenever they run, see the project's events alone.
TEST_EVENTS = {event.type: CATALOG.pop(event.type) for event in (Added, Announced)}


@pytest.fixture(autouse=True, scope="module")
def test_events_in_the_catalog():
    CATALOG.update(TEST_EVENTS)
    yield
    for name in TEST_EVENTS:
        CATALOG.pop(name, None)


ledger = Aggregate("ledger", stream=lambda key: f"ledger-{key}", initial=(), source="test", state_type=tuple[str, ...],
                   snapshot_every=4)


@ledger.evolves(Added)
def _added(state: tuple[str, ...], event: Added, fact: Fact) -> tuple[str, ...]:
    return (*state, event.item)


def add(state: tuple[str, ...], item: str) -> Decision:
    """Each item once; "refused" is refused."""
    if item == "refused":
        raise ValueError("refused")
    return Decision([] if item in state else [Added(item=item, seen=len(state)), Announced(item=item)])


@pytest.fixture
async def stores(infrastructure):
    async with scratch_commit_stores(2, "bulk") as made:
        yield made


async def test_many_streams_and_several_commands_on_one_stream_are_appended_in_order(stores):
    store = stores[0]
    commands = [bulk.Command(f"s{n % 5}", f"item-{n}", cause=f"c-{n}") for n in range(40)]
    outcomes = await bulk.execute_many(ledger, store, add, commands)
    assert all(o.stored for o in outcomes)
    for s in range(5):
        history = await store.load(f"ledger-s{s}")
        assert [c.events[0].data["item"] for c in history] == [f"item-{n}" for n in range(s, 40, 5)]
        assert all(c.events[0].data["seen"] == c.seq - 1 for c in history)
        assert (await store.verify(f"ledger-s{s}")).valid
    # Every commit with a published event left its outbox marker, written before it.
    assert await store.outbox.count_documents({}) == 40


async def test_a_replay_from_another_process_appends_nothing_and_names_the_earlier_commits(stores):
    first, second = stores
    commands = [bulk.Command(f"k{n}", f"item-{n}", cause=f"c-{n}") for n in range(30)]
    done = await bulk.execute_many(ledger, first, add, commands)
    # The second store holds none of these streams: it decides as on new streams, and the inserts say otherwise.
    again = await bulk.execute_many(ledger, second, add, commands)
    assert not any(o.stored for o in again)
    assert [o.commit.id for o in again] == [o.commit.id for o in done]
    assert await first.collection.count_documents({}) == 30
    # The same items under new causes: decided on the stored streams, nothing to add.
    other = await bulk.execute_many(ledger, second, add, [bulk.Command(c.key, c.command, cause=f"x-{c.cause}")
                                                          for c in commands])
    assert all(o.commit is None and not o.stored for o in other)
    assert await first.collection.count_documents({}) == 30


async def test_rival_writers_on_the_same_streams_lose_nothing_and_break_no_chain(stores):
    first, second = stores
    keys = [f"r{n}" for n in range(10)]
    await bulk.execute_many(ledger, first, add, [bulk.Command(k, "opening", cause=f"open-{k}") for k in keys])
    await bulk.load_many(ledger, second, keys)  # both hold seq 1 of every stream
    rounds = [
        bulk.execute_many(ledger, store, add, [bulk.Command(k, f"{name}-{m}", cause=f"{name}-{k}-{m}")
                                               for m in range(3) for k in keys])
        for name, store in (("a", first), ("b", second))
    ]
    await asyncio.gather(*rounds, ledger.execute(first, keys[0], add, "single", cause="single"))
    for k in keys:
        history = await first.load(f"ledger-{k}")
        items = [c.events[0].data["item"] for c in history]
        assert sorted(items[1:]) == sorted([f"a-{m}" for m in range(3)] + [f"b-{m}" for m in range(3)]
                                           + (["single"] if k == keys[0] else []))
        assert all(c.events[0].data["seen"] == c.seq - 1 for c in history)
        assert (await first.verify(f"ledger-{k}")).valid


async def test_a_refusal_is_returned_for_its_command_only_and_long_streams_are_read_whole(stores):
    store = stores[0]
    await bulk.execute_many(ledger, store, add, [bulk.Command("long", f"item-{n}", cause=f"c-{n}") for n in range(20)])
    store.states.clear()  # a process that restarted: the long stream is read past the first window, from its snapshot
    found = await bulk.load_many(ledger, store, ["long", "none"])
    assert found["long"].state == tuple(f"item-{n}" for n in range(20)) and found["long"].seq == 20
    assert found["none"].state == () and found["none"].seq == 0
    outcomes = await bulk.execute_many(ledger, store, add, [bulk.Command("long", "refused", cause="r"),
                                                            bulk.Command("long", "item-20", cause="c-20"),
                                                            bulk.Command("none", "refused", cause="r2")])
    assert isinstance(outcomes[0], ValueError) and isinstance(outcomes[2], ValueError)
    assert outcomes[1].stored and outcomes[1].seq == 21


async def test_insert_new_keeps_what_was_inserted_before(stores):
    collection = stores[0].db["markers"]
    await bulk.insert_new(collection, [{"_id": n, "v": "first"} for n in range(5)])
    await bulk.insert_new(collection, [{"_id": n, "v": "second"} for n in range(10)])
    assert {d["_id"]: d["v"] for d in await collection.find({}).to_list(None)} == \
        {**{n: "first" for n in range(5)}, **{n: "second" for n in range(5, 10)}}
