"""The append-only commit store (design.md §5a): every change to an aggregate is an insert.

A commit is one document {stream, seq, events, prev_hash, hash, published}. The unique
(stream, seq) index turns a concurrent writer into a duplicate-key error, after which
the command is decided again against the new state. The commit is also the outbox
(`published` says whether the relay has sent it) and, for a filing, the dossier entry.
The commit `_id` is "<stream>|<cause>", the cause being the consumed event's id or the
command's idempotency key, so applying the same cause twice is refused by the database.
"""

import asyncio
import hashlib
import inspect
import json
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from ejustice_shared.events import Envelope

GENESIS = "0" * 64


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def commit_hash(*, stream: str, seq: int, prev_hash: str, committed_at: str, actor: dict | None,
                events: list[dict]) -> str:
    body = {"stream": stream, "seq": seq, "prev_hash": prev_hash, "committed_at": committed_at,
            "actor": actor, "events": events}
    return hashlib.sha256(canonical_json(body)).hexdigest()


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
    published: bool

    @classmethod
    def from_document(cls, doc: dict) -> "Commit":
        return cls(id=doc["_id"], stream=doc["stream"], seq=doc["seq"],
                   events=[Envelope.model_validate(e) for e in doc["events"]], prev_hash=doc["prev_hash"],
                   hash=doc["hash"], committed_at=doc["committed_at"], actor=doc.get("actor"),
                   published=doc["published"])

    def recomputed_hash(self) -> str:
        return commit_hash(stream=self.stream, seq=self.seq, prev_hash=self.prev_hash,
                           committed_at=self.committed_at, actor=self.actor,
                           events=[e.model_dump(mode="json") for e in self.events])


class AlreadyApplied(Exception):
    """The cause was applied before: the stored commit is the answer."""

    def __init__(self, commit: Commit):
        super().__init__(commit.id)
        self.commit = commit


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


Decide = Callable[[list[Commit]], Sequence[Envelope] | Awaitable[Sequence[Envelope]]]


class CommitStore:
    def __init__(self, db: AsyncDatabase, *, collection: str = "commits",
                 on_commit: Callable[[Commit], None] | None = None):
        self.collection = db[collection]
        self._on_commit = on_commit

    async def ensure_indexes(self) -> None:
        await self.collection.create_index([("stream", ASCENDING), ("seq", ASCENDING)], unique=True,
                                           name="stream_seq_unique")
        await self.collection.create_index([("published", ASCENDING), ("committed_at", ASCENDING)],
                                           name="unpublished")

    async def load(self, stream: str) -> list[Commit]:
        cursor = self.collection.find({"stream": stream}).sort("seq", ASCENDING)
        return [Commit.from_document(doc) async for doc in cursor]

    async def append(self, stream: str, events: Sequence[Envelope], *, expected_seq: int, prev_hash: str,
                     cause: str, actor: dict | None = None) -> Commit:
        committed_at = datetime.now(UTC).isoformat(timespec="microseconds")
        dumped = [e.model_dump(mode="json") for e in events]
        doc = {
            "_id": f"{stream}|{cause}", "stream": stream, "seq": expected_seq, "events": dumped,
            "prev_hash": prev_hash, "committed_at": committed_at, "actor": actor,
            "hash": commit_hash(stream=stream, seq=expected_seq, prev_hash=prev_hash,
                                committed_at=committed_at, actor=actor, events=dumped),
            # Nothing to send: born published, so the relay never looks at it.
            "published": not any(e.published for e in events),
        }
        try:
            await self.collection.insert_one(doc)
        except DuplicateKeyError:
            existing = await self.collection.find_one({"_id": doc["_id"]})
            if existing is not None:
                raise AlreadyApplied(Commit.from_document(existing)) from None
            raise Conflict(f"{stream} seq {expected_seq} is taken") from None
        commit = Commit.from_document(doc)
        if self._on_commit and not commit.published:
            self._on_commit(commit)
        return commit

    async def execute(self, stream: str, decide: Decide, *, cause: str | None = None,
                      actor: dict | None = None, attempts: int = 50) -> Commit | None:
        """Load the stream, decide the events, append them; decide again when another writer won.

        Returns the new commit, the earlier one if this cause was applied already, or None
        when the decision was that nothing happens.
        """
        cause = cause or uuid.uuid4().hex
        for attempt in range(attempts):
            history = await self.load(stream)
            earlier = next((c for c in history if c.id == f"{stream}|{cause}"), None)
            if earlier:
                return earlier
            events = decide(history)
            if inspect.isawaitable(events):
                events = await events
            if not events:
                return None
            head = history[-1] if history else None
            try:
                return await self.append(stream, events, expected_seq=(head.seq + 1 if head else 1),
                                         prev_hash=head.hash if head else GENESIS, cause=cause, actor=actor)
            except AlreadyApplied as applied:
                return applied.commit
            except Conflict:
                await asyncio.sleep(min(0.002 * 2**attempt, 0.1))
        raise Conflict(f"{stream}: gave up after {attempts} attempts")

    async def verify(self, stream: str) -> ChainReport:
        """Recompute every hash and link of a stream's chain."""
        history = await self.load(stream)
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

    async def unpublished(self, *, limit: int = 500, older_than: timedelta | None = None,
                          streams: set[str] | None = None) -> list[Commit]:
        query: dict[str, Any] = {"published": False}
        if streams is not None:
            query["stream"] = {"$in": sorted(streams)}
        if older_than is not None:
            query["committed_at"] = {"$lt": (datetime.now(UTC) - older_than).isoformat(timespec="microseconds")}
        cursor = self.collection.find(query).sort("committed_at", ASCENDING).limit(limit)
        return [Commit.from_document(doc) async for doc in cursor]

    async def count_unpublished(self) -> int:
        return await self.collection.count_documents({"published": False})

    async def mark_published(self, commit: Commit) -> None:
        # Setting a flag to true is idempotent, so the lock-free update of FerretDB is safe here.
        await self.collection.update_one({"_id": commit.id}, {"$set": {"published": True}})
