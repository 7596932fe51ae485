"""Many commands on many streams in a few round trips: the bulk path beside `Aggregate.execute`.

Executed one by one, a thousand commands on a thousand streams (a batch's postings, e-box entries and
notices) cost a thousand inserts, and a read for each stream this process does not hold. Here they are
decided together on the states this process holds; the streams it does not hold (or whose decision
must be checked on the stored stream) are read with one `_id $in` look-up; the outbox markers go in one
`insert_many` and the commits in another, unordered. A command whose insert finds its sequence number
taken (another writer, or a chunk replayed after a crash) is decided again on the stored stream in the
next round. The rules are those of `Aggregate.execute`: a cause already in the stream is not applied
again, a refusal or an empty decision stands only on the stored stream, and every change is one
appended commit with its hash. Each round inserts at most one commit per stream, so a commit never
follows one of its own round that was refused.
"""

import asyncio
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import structlog
from pymongo.errors import BulkWriteError

from ejustice_shared import metrics
from ejustice_shared.aggregate import ATTEMPTS, Aggregate, Decision, Loaded, Outcome
from ejustice_shared.commits import Commit, CommitStore, Conflict, commit_document, commit_id

if TYPE_CHECKING:
    from ejustice_shared.runtime import ServiceRuntime

log = structlog.get_logger()

DUPLICATE_KEY = 11000
FIRST_WINDOW, TAIL_WINDOW = 8, 4  # commit ids asked for per stream: from its start, and after a held seq
IDS_PER_QUERY = 4000
# Streams whose publishes await their confirms at once: enough to keep the broker busy, few enough that a busy
# process reads each confirm well within the bus's publish timeout.
PUBLISHING_STREAMS = 128


@dataclass(frozen=True)
class Command:
    """One command of a bulk execution: the stream's key, what to decide, and its cause (idempotency key)."""

    key: str
    command: Any
    cause: str
    actor: dict | None = None


async def load_many(aggregate: Aggregate, store: CommitStore, keys: Iterable[str], *,
                    fresh: bool = True) -> dict[str, Loaded]:
    """The state of many streams, by key: the held ones as held (unless `fresh`), the others brought up to
    date with one look-up of the next few commit ids of each. A stream longer than that is read on its own,
    from its snapshot."""
    found: dict[str, Loaded] = {}
    behind: dict[str, Loaded | None] = {}
    for key in dict.fromkeys(keys):
        held = store.states.get((aggregate.name, aggregate.stream(key)))
        if held is not None and not fresh:
            found[key] = held
        else:
            behind[key] = held
    if not behind:
        return found
    windows = {key: (held.seq if held else 0, TAIL_WINDOW if held else FIRST_WINDOW) for key, held in behind.items()}
    ids = [commit_id(aggregate.stream(key), n) for key, (seq, size) in windows.items()
           for n in range(seq + 1, seq + size + 1)]
    docs: dict[str, dict] = {}
    for start in range(0, len(ids), IDS_PER_QUERY):
        for doc in await store.collection.find({"_id": {"$in": ids[start:start + IDS_PER_QUERY]}}).to_list(None):
            docs[doc["_id"]] = doc
    long_streams = []
    for key, held in behind.items():
        stream = aggregate.stream(key)
        seq, size = windows[key]
        commits = []
        for n in range(seq + 1, seq + size + 1):
            doc = docs.get(commit_id(stream, n))
            if doc is None:
                break
            commits.append(Commit.from_document(doc))
        if len(commits) == size:  # more may follow: read it the usual way, from its snapshot if it has one
            long_streams.append((key, held))
            continue
        loaded = aggregate.fold(held or Loaded(aggregate.initial), commits)
        aggregate._remember(store, stream, loaded)
        found[key] = loaded
    for key, held in long_streams:
        found[key] = await aggregate._catch_up(store, aggregate.stream(key), held)
    return found


async def execute_many(aggregate: Aggregate, store: CommitStore, decide: Callable[[Any, Any], Any],
                       commands: Sequence[Command], *, attempts: int = ATTEMPTS,
                       relay: bool = True) -> list[Outcome | Exception]:
    """Execute the commands (several may name one stream: they are applied in their order) and return, in
    the same order, each one's outcome, or the exception its decision raised on the stored stream.

    Commits with published events go to the store's hook (the relay), as `append`'s do; with `relay` False
    the caller publishes them (`publish_now`), and until then their markers keep them safe."""
    results: list[Outcome | Exception | None] = [None] * len(commands)
    queues: dict[str, list[int]] = {}
    for index, command in enumerate(commands):
        queues.setdefault(command.key, []).append(index)
    current: set[str] = set()  # keys whose held state was read from the store since this call's last commit
    earlier: dict[int, str] = {}  # command index -> the commit id its cause made before
    for _ in range(attempts):
        if not queues:
            break
        to_read: set[str] = set()
        decided: list[tuple[int, Loaded, dict, list, Any]] = []
        for key, waiting in list(queues.items()):
            index = waiting[0]
            command = commands[index]
            stream = aggregate.stream(key)
            loaded = store.states.get((aggregate.name, stream)) or Loaded(aggregate.initial)
            if (seq := loaded.causes.get(command.cause)) is not None:
                results[index] = Outcome(None, loaded.state, False, None, loaded.seq)
                earlier[index] = commit_id(stream, seq)
                _next(queues, key)
                continue
            try:
                decision = decide(loaded.state, command.command)
            except Exception as exc:
                if key in current:
                    results[index] = exc
                    _next(queues, key)
                else:
                    to_read.add(key)
                continue
            if not isinstance(decision, Decision):
                decision = Decision(decision)
            if not decision.events:
                if key in current:
                    results[index] = Outcome(None, loaded.state, False, decision.result, loaded.seq)
                    _next(queues, key)
                else:
                    to_read.add(key)
                continue
            envelopes = [aggregate.wrap(key, loaded.state, event) for event in decision.events]
            doc = commit_document(stream, envelopes, seq=loaded.seq + 1, prev_hash=loaded.head, cause=command.cause,
                                  actor=command.actor)
            decided.append((index, loaded, doc, envelopes, decision.result))
        taken = await _insert(store, decided)
        for position, (index, loaded, doc, envelopes, result) in enumerate(decided):
            key = commands[index].key
            if position in taken:
                to_read.add(key)
                continue
            commit = Commit(id=doc["_id"], stream=doc["stream"], seq=doc["seq"], events=envelopes,
                            prev_hash=doc["prev_hash"], hash=doc["hash"], committed_at=doc["committed_at"],
                            actor=doc["actor"], cause=doc["cause"])
            after = aggregate.fold(loaded, [commit])
            aggregate._remember(store, commit.stream, after)
            if relay and store._on_commit and any(e.published for e in envelopes):
                store._on_commit(commit)
            if commit.seq % aggregate.snapshot_every == 0:
                await aggregate._keep_snapshot(store, commit.stream, after)
            results[index] = Outcome(commit, after.state, True, result, after.seq)
            current.discard(key)
            _next(queues, key)
        if to_read:
            await load_many(aggregate, store, to_read)
            current |= to_read
    if queues:
        raise Conflict(f"{aggregate.name}: {len(queues)} streams still contended after {attempts} rounds")
    if earlier:  # causes applied before: their commits, as execute names them
        docs = {doc["_id"]: doc for doc in await store.collection.find(
            {"_id": {"$in": sorted(set(earlier.values()))}}).to_list(None)}
        for index, id_ in earlier.items():
            outcome = results[index]
            doc = docs.get(id_)
            results[index] = Outcome(Commit.from_document(doc) if doc else None, outcome.state, False, None,
                                     outcome.seq)
    return results


def _next(queues: dict[str, list[int]], key: str) -> None:
    queues[key].pop(0)
    if not queues[key]:
        del queues[key]


async def _insert(store: CommitStore, decided: list[tuple[int, Loaded, dict, list, Any]]) -> set[int]:
    """Insert the markers (of commits with published events), then the commits; the positions whose
    sequence number was taken."""
    if not decided:
        return set()
    markers = [{"_id": doc["_id"], "stream": doc["stream"], "seq": doc["seq"], "marked_at": doc["committed_at"]}
               for _, _, doc, envelopes, _ in decided if any(e.published for e in envelopes)]
    await insert_new(store.outbox, markers)  # a rival writer's marker names the same slot: it will do
    try:
        await store.collection.insert_many([doc for _, _, doc, _, _ in decided], ordered=False)
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        if any(error.get("code") != DUPLICATE_KEY for error in errors):
            raise
        return {error["index"] for error in errors}
    return set()


async def publish_now(runtime: "ServiceRuntime", commits: Sequence[Commit]) -> None:
    """Publish the events of commits just made (`execute_many(..., relay=False)`): streams side by side, their
    confirms pipelined, each stream's commits and events in order; then remove their markers in one delete.
    A stream whose publish failed goes to the relay from that commit on, which sends it in order when it can
    (its markers stay, so a crash before this ends loses nothing: the relay's sweeper publishes them; until
    then the sweeper leaves these streams to it, `OutboxRelay.publishing`)."""
    streams: dict[str, list[Commit]] = {}
    for commit in sorted(commits, key=lambda c: (c.stream, c.seq)):
        if any(e.published for e in commit.events):
            metrics.count_business(commit)
            streams.setdefault(commit.stream, []).append(commit)
    sent: list[Commit] = []
    failed: list[Commit] = []
    in_flight = asyncio.Semaphore(PUBLISHING_STREAMS)

    async def one_stream(pending: list[Commit]) -> None:
        async with in_flight:
            await publish_stream(pending)

    async def publish_stream(pending: list[Commit]) -> None:
        for n, commit in enumerate(pending):
            if not await runtime.relay.send(commit):  # the rest of the stream is left to the relay, in order
                failed.extend(pending[n:])
                return
            sent.append(commit)

    with runtime.relay.publishing(streams):  # their markers are not stale to the sweeper, however long it takes
        await asyncio.gather(*(one_stream(pending) for pending in streams.values()))
        if sent:
            await runtime.commits.mark_published(sent)
        for commit in failed:
            runtime.relay.notify(commit)


async def insert_new(collection: Any, docs: Sequence[dict]) -> None:
    """Insert documents keyed by what caused them, in one unordered `insert_many`: those inserted before
    (a replay) are left as they are; any other error is raised."""
    if not docs:
        return
    try:
        await collection.insert_many(list(docs), ordered=False)
    except BulkWriteError as exc:
        if any(error.get("code") != DUPLICATE_KEY for error in exc.details.get("writeErrors", [])):
            raise
