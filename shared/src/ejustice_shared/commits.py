"""The append-only commit store (docs/storage.md): every change to an aggregate is an insert.

A commit is one document {stream, seq, cause, events, prev_hash, hash} and is never
changed. Its _id is "<stream>/<seq>", so a concurrent writer of the same slot gets a
duplicate-key error, after which the command is decided again against the new state. The commit is
the outbox record of the events it carries and, for a filing, the dossier entry.

Which commits still wait for the relay is kept in a small side collection of markers,
named like the commits. A marker is written before its commit and removed once the
relay has published it, so the relay never scans the (growing) commits, and a crash
between the two writes leaves at worst a marker without a commit, which the relay
drops once it is old enough that no commit can follow it. (A transaction would make
the pair atomic, but it needs a replica set; the marker order works on any server.)
The commit `_id` is "<stream>/<seq>", so the commits after a known one are read by their
ids. Commits never change once written: each process keeps the state of the streams it read
(aggregate.py) and decides on it without asking, the insert arbitrating. Each commit records
its cause, the consumed event's id or the command's idempotency key: a cause already in the
stream is not applied again, and two racing deliveries of one event collide on the sequence
number. How a command becomes a commit: docs/architecture.md. Every query is listed, with its
index, in `queries.toml`.
"""

import contextlib
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError, OperationFailure

from ejustice_dossier_verifier.canonical import GENESIS, entry_hash
from ejustice_dossier_verifier.canonical import canonical_json as canonical_json  # one canonical form for every hash
from ejustice_shared import clock, queries
from ejustice_shared.events import Envelope

DOCUMENTS_AT_ONCE = 64  # commit ids asked for in one look-up, reading a stream's stored documents


def commit_id(stream: str, seq: int) -> str:
    return f"{stream}/{seq:010d}"


def commit_hash(*, stream: str, seq: int, prev_hash: str, committed_at: str, actor: dict | None,
                events: list[dict]) -> str:
    """SHA-256 over the canonical JSON of the fields a party recomputes it from (the dossier verifier's rule)."""
    return entry_hash({"stream": stream, "seq": seq, "prev_hash": prev_hash, "committed_at": committed_at,
                       "actor": actor, "events": events})


def commit_document(stream: str, events: Sequence[Envelope], *, seq: int, prev_hash: str, cause: str,
                    actor: dict | None) -> dict:
    """The document a commit is stored as, its hash computed."""
    committed_at = clock.iso()
    dumped = [e.model_dump(mode="json") for e in events]
    return {
        "_id": commit_id(stream, seq), "cause": cause, "stream": stream, "seq": seq,
        "events": dumped, "prev_hash": prev_hash, "committed_at": committed_at, "actor": actor,
        "hash": commit_hash(stream=stream, seq=seq, prev_hash=prev_hash, committed_at=committed_at, actor=actor,
                            events=dumped),
    }


@dataclass(frozen=True)
class Commit:
    id: str
    stream: str
    seq: int
    events: list[Envelope]
    prev_hash: str
    hash: str
    committed_at: str
    actor: dict | None
    cause: str

    @classmethod
    def from_document(cls, doc: dict) -> "Commit":
        return cls(id=doc["_id"], stream=doc["stream"], seq=doc["seq"],
                   events=[Envelope.model_validate(e) for e in doc["events"]], prev_hash=doc["prev_hash"],
                   hash=doc["hash"], committed_at=doc["committed_at"], actor=doc.get("actor"), cause=doc["cause"])

    def recomputed_hash(self) -> str:
        return commit_hash(stream=self.stream, seq=self.seq, prev_hash=self.prev_hash,
                           committed_at=self.committed_at, actor=self.actor,
                           events=[e.model_dump(mode="json") for e in self.events])


class Conflict(Exception):
    """Another writer took the sequence number first."""


@dataclass(frozen=True)
class ChainReport:
    stream: str
    length: int
    valid: bool
    head: str
    broken_at: int | None = None
    reason: str | None = None


class CommitStore:
    def __init__(self, db: AsyncDatabase, *, on_commit: Callable[[Commit], None] | None = None):
        self.db = db
        self.collection = db["commits"]
        self.outbox = db["commits_outbox"]
        self.snapshots = db["commits_snapshots"]
        # The folded state of the streams this process read or wrote, by (aggregate, stream): aggregate.py.
        self.states: OrderedDict[tuple[str, str], object] = OrderedDict()
        self._on_commit = on_commit

    async def ensure_indexes(self) -> None:
        """The (stream, seq) index, and the markers' indexes, as queries.toml declares them."""
        # Databases made before the index stopped being unique still have it under its old name.
        with contextlib.suppress(OperationFailure):
            await self.collection.drop_index("stream_seq_unique")
        await queries.create_indexes(self.db, "ejustice_shared")

    async def load(self, stream: str) -> list[Commit]:
        """The stream's commits in order, as stored (the dossier's entries); states are read by aggregates."""
        history: list[Commit] = []
        # Equality on the stream only: DocumentDB serves a range on `seq` by walking every
        # `seq` in the index, so `seq > held` would grow with the collection, not the stream.
        for doc in await self.collection.find({"stream": stream}).sort("seq", ASCENDING).to_list(None):
            if doc["seq"] <= len(history):
                continue
            if doc["seq"] != len(history) + 1:  # a gap: the chain ends here (verify says so)
                break
            history.append(Commit.from_document(doc))
        return history

    async def read_after(self, stream: str, seq: int, limit: int) -> list[Commit]:
        """The stream's commits from seq + 1, at most `limit`, stopping at the first gap.

        One look-up of `limit` commit ids (`_id $in`), served by the primary key: the cost
        is that of the commits found, whatever the stream's or the collection's length.
        """
        wanted = range(seq + 1, seq + limit + 1)
        found = {doc["seq"]: doc for doc in await self.collection.find(
            {"_id": {"$in": [commit_id(stream, n) for n in wanted]}}).to_list(None)}
        commits = []
        for n in wanted:
            if n not in found:
                break
            commits.append(Commit.from_document(found[n]))
        return commits

    async def snapshot(self, stream: str) -> dict | None:
        """The latest snapshot of a stream's state, if one was kept (aggregate.py)."""
        return await self.snapshots.find_one({"_id": stream})

    async def keep_snapshot(self, snapshot: dict) -> None:
        """Keep a snapshot unless a later one is there already. Snapshots are a cache derived from the
        commits, outside the hash chain: replacing one loses nothing."""
        with contextlib.suppress(DuplicateKeyError):  # a later snapshot won the race
            await self.snapshots.replace_one({"_id": snapshot["_id"], "seq": {"$lt": snapshot["seq"]}}, snapshot,
                                             upsert=True)

    async def append(self, stream: str, events: Sequence[Envelope], *, expected_seq: int, prev_hash: str,
                     cause: str, actor: dict | None = None) -> Commit:
        doc = commit_document(stream, events, seq=expected_seq, prev_hash=prev_hash, cause=cause, actor=actor)
        to_publish = any(e.published for e in events)
        if to_publish:
            marker = {"_id": doc["_id"], "stream": stream, "seq": expected_seq, "marked_at": doc["committed_at"]}
            with contextlib.suppress(DuplicateKeyError):  # a rival writer's marker names the same slot
                await self.outbox.insert_one(marker)
        try:
            await self.collection.insert_one(doc)
        except DuplicateKeyError:
            raise Conflict(f"{stream} seq {expected_seq} is taken") from None
        commit = Commit(id=doc["_id"], stream=stream, seq=expected_seq, events=list(events), prev_hash=prev_hash,
                        hash=doc["hash"], committed_at=doc["committed_at"], actor=actor, cause=cause)
        if self._on_commit and to_publish:
            self._on_commit(commit)
        return commit

    async def verify(self, stream: str) -> ChainReport:
        """Recompute every hash and link of a stream's chain, from the database, not from memory."""
        history = await self.load(stream)
        stored = await self.collection.count_documents({"stream": stream})
        if stored != len(history):
            head = history[-1].hash if history else GENESIS
            return ChainReport(stream, stored, False, head, len(history) + 1, "an entry is missing")
        prev = GENESIS
        for index, commit in enumerate(history, start=1):
            if commit.seq != index:
                return ChainReport(stream, len(history), False, prev, commit.seq, f"sequence gap before {commit.seq}")
            if commit.prev_hash != prev:
                return ChainReport(stream, len(history), False, prev, commit.seq, "link to the previous entry broken")
            if commit.recomputed_hash() != commit.hash:
                return ChainReport(stream, len(history), False, prev, commit.seq, "entry altered after it was written")
            prev = commit.hash
        return ChainReport(stream, len(history), True, prev)

    async def documents(self, stream: str, *, start: int = 1, stop: int | None = None) -> list[dict]:
        """The stream's commits from seq `start` (through `stop`) exactly as stored, read from the database,
        up to the first gap: by their ids, DOCUMENTS_AT_ONCE at a time."""
        found: list[dict] = []
        while stop is None or start + len(found) <= stop:
            first = start + len(found)
            last = first + DOCUMENTS_AT_ONCE - 1 if stop is None else min(stop, first + DOCUMENTS_AT_ONCE - 1)
            by_seq = {doc["seq"]: doc for doc in await self.collection.find(
                {"_id": {"$in": [commit_id(stream, n) for n in range(first, last + 1)]}}).to_list(None)}
            for n in range(first, last + 1):
                if n not in by_seq:
                    return found
                found.append(by_seq[n])
        return found

    async def heads(self, prefix: str) -> dict[str, tuple[int, str]]:
        """The last (seq, hash) of every stream whose name starts with the prefix.

        Reads the (stream, seq, hash) of every such commit, served by the stream_seq index. The prefix is
        asked as a range of names: DocumentDB walks the whole index for a `^prefix` regex, whatever it matches.
        """
        found: dict[str, tuple[int, str]] = {}
        names_after = prefix[:-1] + chr(ord(prefix[-1]) + 1)  # the first name the prefix does not start
        cursor = self.collection.find({"stream": {"$gte": prefix, "$lt": names_after}},
                                      {"_id": 0, "stream": 1, "seq": 1, "hash": 1})
        async for doc in cursor:
            if doc["seq"] > found.get(doc["stream"], (0, ""))[0]:
                found[doc["stream"]] = (doc["seq"], doc["hash"])
        return found

    async def pending(self, *, marked_before: str, streams: set[str] = frozenset()) -> list[dict]:
        """Markers of unpublished commits, {_id, stream, seq, marked_at}: those marked before a time,
        and every one of the given streams."""
        found = {m["_id"]: m for m in await self.outbox.find({"marked_at": {"$lt": marked_before}}).to_list(None)}
        if streams:
            found |= {m["_id"]: m for m in await self.outbox.find({"stream": {"$in": sorted(streams)}}).to_list(None)}
        return list(found.values())

    async def get(self, commit_id_: str) -> Commit | None:
        doc = await self.collection.find_one({"_id": commit_id_})
        return Commit.from_document(doc) if doc else None

    async def mark_published(self, commits: Sequence[Commit]) -> None:
        """Remove the markers of published commits: one delete for a batch the relay sent."""
        if len(commits) == 1:
            await self.outbox.delete_one({"_id": commits[0].id})
        else:
            await self.outbox.delete_many({"_id": {"$in": [commit.id for commit in commits]}})

    async def drop_marker(self, marker_id: str) -> None:
        await self.outbox.delete_one({"_id": marker_id})
