"""The aggregate API itself, on the in-memory recorder: folding, deciding, causes, conflicts, snapshots."""

from dataclasses import dataclass, replace

import pytest

from ejustice_shared.aggregate import Aggregate, Decision, Fact, MemoryCommits
from ejustice_shared.commits import Conflict
from ejustice_shared.events import EventData

pytestmark = pytest.mark.unit


class Added(EventData):
    type = "test.aggregate.added"
    published = False

    amount: int


class Ignored(EventData):
    type = "test.aggregate.ignored"
    published = False


@dataclass(frozen=True)
class Tally:
    total: int = 0
    entries: int = 0
    last_seq: int = 0


counter = Aggregate("counter", stream=lambda key: f"counter-{key}", initial=Tally(), source="test",
                    state_type=Tally, snapshot_every=4,
                    stamp=lambda state, fact: replace(state, last_seq=fact.seq))


@counter.evolves(Added)
def _added(state: Tally, event: Added, fact: Fact) -> Tally:
    return replace(state, total=state.total + event.amount, entries=state.entries + 1)


@dataclass(frozen=True)
class Add:
    amount: int
    limit: int = 100
    after_entries: int = 0


def add(state: Tally, command: Add) -> Decision:
    if state.total + command.amount > command.limit or state.entries < command.after_entries:
        raise ValueError("over the limit")
    if command.amount == 0:
        return Decision([], "nothing")
    return Decision([Added(amount=command.amount)], state.total + command.amount)


def test_replay_folds_registered_events_and_skips_the_rest():
    state = counter.replay([Added(amount=2), Ignored(), Added(amount=3)])
    assert state == Tally(total=5, entries=2, last_seq=3)


def test_an_event_class_evolves_the_state_once():
    with pytest.raises(TypeError):
        counter.evolves(Added)(lambda state, event, fact: state)


async def test_execute_stores_the_events_and_returns_state_and_result():
    store = MemoryCommits()
    outcome = await counter.execute(store, "a", add, Add(5))
    assert outcome.stored and outcome.result == 5 and outcome.seq == 1
    assert outcome.state == Tally(total=5, entries=1, last_seq=1)
    assert outcome.commit.stream == "counter-a" and outcome.commit.events[0].subject == "a"
    assert store.events("counter-a") == [Added(amount=5)]


async def test_the_same_cause_applies_once_and_names_the_earlier_commit():
    store = MemoryCommits()
    first = await counter.execute(store, "a", add, Add(5), cause="event-1")
    again = await counter.execute(store, "a", add, Add(5), cause="event-1")
    assert not again.stored and again.commit == first.commit and again.result is None
    assert again.state.total == 5 and len(store.streams["counter-a"]) == 1


async def test_a_decision_of_nothing_stores_nothing():
    store = MemoryCommits()
    outcome = await counter.execute(store, "a", add, Add(0))
    assert outcome.commit is None and not outcome.stored and outcome.result == "nothing"
    assert "counter-a" not in store.streams or not store.streams["counter-a"]


async def test_a_refusal_on_the_stored_stream_propagates():
    store = MemoryCommits()
    await counter.execute(store, "a", add, Add(60))
    with pytest.raises(ValueError):
        await counter.execute(store, "a", add, Add(60))


async def test_a_rival_writer_makes_the_command_decide_again_on_the_new_state():
    store, rival = MemoryCommits(), MemoryCommits()
    rival.streams = store.streams  # two processes, one database
    await counter.execute(store, "a", add, Add(1))
    await counter.execute(rival, "a", add, Add(10))  # the first process does not know of it
    outcome = await counter.execute(store, "a", add, Add(2))
    assert outcome.stored and outcome.seq == 3 and outcome.result == 13 and outcome.state.total == 13


async def test_a_stale_refusal_is_checked_on_the_stored_stream():
    store, rival = MemoryCommits(), MemoryCommits()
    rival.streams = store.streams
    await counter.execute(store, "a", add, Add(1))
    await counter.execute(rival, "a", add, Add(1))
    # Refused on this process's copy (one entry), allowed on the stored stream (two).
    outcome = await counter.execute(store, "a", add, Add(1, after_entries=2))
    assert outcome.stored and outcome.state == Tally(total=3, entries=3, last_seq=3)


async def test_giving_up_after_the_attempts():
    store = MemoryCommits()

    async def always_taken(*args, **kwargs):
        raise Conflict("taken")

    store.append = always_taken
    with pytest.raises(Conflict):
        await counter.execute(store, "a", add, Add(1), attempts=3)


async def test_snapshots_are_kept_every_n_commits_and_read_instead_of_the_stream():
    store = MemoryCommits()
    for n in range(10):
        await counter.execute(store, "a", add, Add(1, limit=1000), cause=f"c{n}")
    assert store.snapshots["counter-a"]["seq"] == 8
    # A new process: the snapshot and the two commits after it, not the ten.
    fresh = MemoryCommits()
    fresh.streams, fresh.snapshots = store.streams, store.snapshots
    read = []
    original = fresh.read_after

    async def counting(stream, seq, limit):
        found = await original(stream, seq, limit)
        read.extend(c.seq for c in found)
        return found

    fresh.read_after = counting
    loaded = await counter.load(fresh, "a")
    assert loaded.state == Tally(total=10, entries=10, last_seq=10) and loaded.seq == 10
    assert read == [1, 2, 3, 4, 9, 10]
    # The causes before the snapshot still count.
    again = await counter.execute(fresh, "a", add, Add(1), cause="c2")
    assert not again.stored and again.commit.seq == 3


async def test_a_snapshot_of_another_shape_is_ignored():
    store = MemoryCommits()
    for n in range(8):
        await counter.execute(store, "a", add, Add(1), cause=f"c{n}")
    store.snapshots["counter-a"]["state"] = {"unknown": True}
    fresh = MemoryCommits()
    fresh.streams, fresh.snapshots = store.streams, store.snapshots
    assert (await counter.load(fresh, "a")).state.total == 8


async def test_the_hash_chain_links_the_commits_only():
    store = MemoryCommits()
    for _ in range(5):
        await counter.execute(store, "a", add, Add(1))
    history = store.streams["counter-a"]
    assert all(c.recomputed_hash() == c.hash for c in history)
    assert all(b.prev_hash == a.hash for a, b in zip(history, history[1:], strict=False))
