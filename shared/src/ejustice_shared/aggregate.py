"""Aggregates: the one path by which a command becomes a commit (docs/architecture.md).

An aggregate declares its stream name, its initial state and how each kind of event
evolves the state; a command is decided by a pure function of the state and the command:

    filing = Aggregate("filing", stream=lambda filing_id: f"filing-{filing_id}", initial=None,
                       source="filing", state_type=FilingRead | None)

    @filing.evolves(FilingClaimSet)
    def _(state: FilingRead, event: FilingClaimSet, fact: Fact) -> FilingRead:
        return state.model_copy(update={"claim": event.claim})

    def set_claim(state: FilingRead | None, command: SetClaim) -> Decision:
        return Decision([FilingClaimSet(filing_id=command.filing_id, claim=command.claim)])

    outcome = await filing.execute(runtime.commits, filing_id, set_claim, SetClaim(...))
    outcome.state      # the filing after the commit, without reading it again

`decide` has no side effects: whatever must be claimed or asked of another service (a
tracking code, a receipt number, a call) is done before, and handed in with the command;
when only the state tells whether it is needed, `decide` raises `Missing` and the caller
gets it and runs the command again.
It may be called more than once: again after another writer took the sequence number, and
again on the stored stream when it refused or decided nothing on this process's copy.

The state of every stream read or written is kept in the store (`CommitStore.states`), so
a command usually costs one insert. Every `snapshot_every` commits the state is also kept
in `commits_snapshots`, beside the commits and outside their hash chain, so reading a long
stream costs one snapshot and fewer than `snapshot_every` commits.
"""

import asyncio
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, NamedTuple, TypeVar

import structlog
from pydantic import TypeAdapter

from ejustice_dossier_verifier.canonical import GENESIS
from ejustice_shared.commits import Commit, Conflict, commit_document, commit_id
from ejustice_shared.events import Envelope, EventData

log = structlog.get_logger()

S = TypeVar("S")
R = TypeVar("R")

SNAPSHOT_EVERY = 64
CACHED_STATES = 10_000
# A snapshot names the causes of this many last commits: a cause older than that on a very long stream
# (a redelivery days late) is not recognised by its cause, so such streams decide idempotently too.
CAUSES_KEPT = 5_000
FIRST_READ, TAIL_READ = 16, 8  # commit ids asked for at once, reading a stream from its start, and after a held seq
ATTEMPTS = 50


@dataclass(frozen=True)
class Fact:
    """Where an event stands in its stream, for an evolver that needs more than the event."""

    seq: int
    time: str  # the envelope's time: when the fact happened
    actor: dict | None
    cause: str
    committed_at: str


class Missing(Exception):  # noqa: N818 - it names what is missing, not an error
    """A decision needs something first: a claim made (a receipt number) or another stream read.

    `decide` raises it, naming what; the caller gets or claims that, outside the decision, and
    executes again with it in the command. Raised on a copy that may be stale, it is checked on
    the stored stream first, like any refusal.
    """

    def __init__(self, *needed: Any):
        super().__init__(*needed)
        self.needed = needed


class Decision(NamedTuple):
    """What a command decided: the events to append (none: nothing happens) and a result for the caller."""

    events: Sequence[EventData | Envelope] = ()
    result: Any = None


@dataclass(frozen=True)
class Loaded(Generic[S]):
    """A stream folded up to a commit."""

    state: S
    seq: int = 0
    head: str = GENESIS
    causes: Mapping[str, int] = field(default_factory=dict)  # cause → seq of the commit it made


@dataclass(frozen=True)
class Outcome(Generic[S, R]):
    """What `execute` did.

    `commit` is the commit this call stored, or the earlier one of the same cause, or None
    when the decision was that nothing happens; `stored` says whether this call's events are
    the ones stored; `state` is the stream's state after it; `result` is the decision's
    result (None when the cause had been applied before and nothing was decided).
    """

    commit: Commit | None
    state: S
    stored: bool
    result: R | None
    seq: int


Evolve = Callable[[Any, Any, Fact], Any]
Decide = Callable[[Any, Any], Decision | Sequence[EventData | Envelope]]


class Aggregate(Generic[S]):
    def __init__(self, name: str, *, stream: Callable[[str], str], initial: S, source: str,
                 state_type: Any = None, subject: Callable[[str, S, EventData], str] | None = None,
                 stamp: Callable[[S, Fact], S] | None = None, copy: Callable[[S], S] | None = None,
                 snapshot_every: int = SNAPSHOT_EVERY, snapshot_version: int = 1):
        """`stream` names the stream of a key; `source` is the service its events come from.

        `state_type` (a type pydantic can validate) lets the state be kept in snapshots; without it
        none is kept. `subject` names an event's subject (default: the key). `stamp` runs after every
        commit (e.g. to keep a version number). With `copy`, the state is copied once per fold and the
        evolvers change the copy in place (a long index), instead of returning a new state per event.
        Change `snapshot_version` with the state's shape.
        """
        self.name = name
        self.stream = stream
        self.initial = initial
        self.source = source
        self.subject = subject or (lambda key, state, event: key)
        self.stamp = stamp
        self.copy = copy
        self.snapshot_every = snapshot_every
        self.snapshot_version = snapshot_version
        self._adapter = TypeAdapter(state_type) if state_type is not None else None
        self._evolvers: dict[str, tuple[type[EventData], Evolve]] = {}

    # --- declaring -------------------------------------------------------------------------------

    def evolves(self, *events: type[EventData]) -> Callable[[Evolve], Evolve]:
        """Register `evolve(state, event, fact) -> state` for these event classes. It returns a new
        state and changes nothing in place: a state may be held by a caller and by the cache."""

        def register(evolve: Evolve) -> Evolve:
            for event in events:
                if event.type in self._evolvers:
                    raise TypeError(f"{self.name}: {event.type} evolves the state twice")
                self._evolvers[event.type] = (event, evolve)
            return evolve

        return register

    # --- folding ---------------------------------------------------------------------------------

    def fold(self, loaded: Loaded[S], commits: Sequence[Commit]) -> Loaded[S]:
        """The state after these commits (which follow `loaded`). Events no evolver is registered for
        leave the state as it is, and are not even parsed."""
        if not commits:
            return loaded
        state = self.copy(loaded.state) if self.copy is not None else loaded.state
        causes = dict(loaded.causes)
        for commit in commits:
            for envelope in commit.events:
                if found := self._evolvers.get(envelope.type):
                    model, evolve = found
                    state = evolve(state, model.model_validate(envelope.data),
                                   Fact(commit.seq, envelope.time, commit.actor, commit.cause, commit.committed_at))
            if self.stamp is not None:
                state = self.stamp(state, Fact(commit.seq, commit.committed_at, commit.actor, commit.cause,
                                               commit.committed_at))
            causes[commit.cause] = commit.seq
        last = commits[-1]
        return Loaded(state, last.seq, last.hash, causes)

    def replay(self, events: Sequence[EventData], *, actor: dict | None = None) -> S:
        """The state a list of events leaves, one commit each: the "given" of a unit test."""
        recorder = MemoryCommits()
        commits = [recorder.commit("given", [Envelope.wrap(e, source=self.source, subject="given")], seq=n,
                                   prev_hash=GENESIS, cause=f"given-{n}", actor=actor)
                   for n, e in enumerate(events, start=1)]
        return self.fold(Loaded(self.initial), commits).state

    # --- reading ---------------------------------------------------------------------------------

    async def load(self, store, key: str, *, fresh: bool = True) -> Loaded[S]:
        """The stream's state: what this process holds of it, brought up to date unless `fresh` is False."""
        stream = self.stream(key)
        held = store.states.get((self.name, stream))
        if held is not None and not fresh:
            return held
        return await self._catch_up(store, stream, held)

    async def state(self, store, key: str) -> S:
        return (await self.load(store, key)).state

    async def _catch_up(self, store, stream: str, held: Loaded[S] | None) -> Loaded[S]:
        loaded = held or Loaded(self.initial)
        asked_snapshot = loaded.seq > 0
        folded = 0
        # Most streams are short and most catch-ups find nothing new: ask for a few ids first, then more.
        size = min(FIRST_READ if held is None else TAIL_READ, self.snapshot_every)
        while True:
            batch = await store.read_after(stream, loaded.seq, size)
            loaded = self.fold(loaded, batch)
            folded += len(batch)
            if len(batch) < size:
                break
            size = self.snapshot_every
            if not asked_snapshot:  # a long stream, read from its start: its snapshot skips most of it
                asked_snapshot = True
                snapshot = self._from_snapshot(await store.snapshot(stream))
                if snapshot is not None and snapshot.seq > loaded.seq:
                    loaded, folded = snapshot, 0
        self._remember(store, stream, loaded)
        if folded >= self.snapshot_every:  # written before snapshots, or their writer stopped
            await self._keep_snapshot(store, stream, loaded)
        return loaded

    def _remember(self, store, stream: str, loaded: Loaded[S]) -> None:
        states: OrderedDict = store.states
        states[(self.name, stream)] = loaded
        states.move_to_end((self.name, stream))
        while len(states) > CACHED_STATES:
            states.popitem(last=False)

    # --- snapshots -------------------------------------------------------------------------------

    def _from_snapshot(self, doc: dict | None) -> Loaded[S] | None:
        if doc is None or self._adapter is None or doc.get("aggregate") != self.name \
                or doc.get("version") != self.snapshot_version:
            return None
        try:
            state = self._adapter.validate_python(doc["state"])
            # A state of another shape may validate (defaults, ignored fields): it must dump back as stored.
            if self._adapter.dump_python(state, mode="json") != doc["state"]:
                raise ValueError("the snapshot's state is not of this shape")
        except Exception as exc:  # a snapshot of a state this code no longer reads: fold the commits
            log.warning("snapshot unreadable, folding the stream", stream=doc.get("_id"), error=repr(exc))
            return None
        return Loaded(state, doc["seq"], doc["head"], {cause: seq for cause, seq in doc["causes"]})

    async def _keep_snapshot(self, store, stream: str, loaded: Loaded[S]) -> None:
        if self._adapter is None:
            return
        doc = {"_id": stream, "aggregate": self.name, "version": self.snapshot_version, "seq": loaded.seq,
               "head": loaded.head, "state": self._adapter.dump_python(loaded.state, mode="json"),
               "causes": [[cause, seq] for cause, seq in list(loaded.causes.items())[-CAUSES_KEPT:]]}
        try:
            await store.keep_snapshot(doc)
        except Exception as exc:  # a snapshot only saves reading: the command stands without it
            log.warning("snapshot not kept", stream=stream, error=repr(exc))

    # --- writing ---------------------------------------------------------------------------------

    def wrap(self, key: str, state: S, event: EventData | Envelope) -> Envelope:
        if isinstance(event, Envelope):
            return event
        return Envelope.wrap(event, source=self.source, subject=self.subject(key, state, event))

    async def execute(self, store, key: str, decide: Decide, command: Any = None, *, cause: str | None = None,
                      actor: dict | None = None, attempts: int = ATTEMPTS) -> Outcome[S, Any]:
        """Decide `command` on the stream's state and append the events; decide again when another writer won.

        A cause already applied to the stream is not applied again: the outcome names its commit.
        The first attempt decides on the state this process holds, without asking the database
        whether more was appended: the insert says so. A refusal (an exception from `decide`) or a
        decision that nothing happens is checked against the stored stream before it stands.
        """
        stream = self.stream(key)
        cause = cause or uuid.uuid4().hex
        # Nothing held: decide as on a new stream (most are: a notice, a payment); the insert says if it is not.
        loaded, current = store.states.get((self.name, stream)) or Loaded(self.initial), False
        for attempt in range(attempts):
            if (seq := loaded.causes.get(cause)) is not None:
                return Outcome(await store.get(commit_id(stream, seq)), loaded.state, False, None, loaded.seq)
            try:
                decision = decide(loaded.state, command)
            except Exception:
                if current:
                    raise
                loaded, current = await self._catch_up(store, stream, loaded), True
                continue
            if not isinstance(decision, Decision):
                decision = Decision(decision)
            if not decision.events:
                if current:
                    return Outcome(None, loaded.state, False, decision.result, loaded.seq)
                loaded, current = await self._catch_up(store, stream, loaded), True
                continue
            envelopes = [self.wrap(key, loaded.state, event) for event in decision.events]
            try:
                commit = await store.append(stream, envelopes, expected_seq=loaded.seq + 1, prev_hash=loaded.head,
                                            cause=cause, actor=actor)
            except Conflict:
                if current:
                    await asyncio.sleep(min(0.002 * 2**attempt, 0.1))
                loaded, current = await self._catch_up(store, stream, loaded), True
                continue
            after = self.fold(loaded, [commit])
            self._remember(store, stream, after)
            if commit.seq % self.snapshot_every == 0:
                await self._keep_snapshot(store, stream, after)
            return Outcome(commit, after.state, True, decision.result, after.seq)
        raise Conflict(f"{stream}: gave up after {attempts} attempts")


class MemoryCommits:
    """The commit store in memory, for unit tests: the same appends, conflicts, hashes and snapshots."""

    def __init__(self) -> None:
        self.streams: dict[str, list[Commit]] = {}
        self.snapshots: dict[str, dict] = {}
        self.states: OrderedDict[tuple[str, str], object] = OrderedDict()

    @staticmethod
    def commit(stream: str, events: Sequence[Envelope], *, seq: int, prev_hash: str, cause: str,
               actor: dict | None) -> Commit:
        doc = commit_document(stream, events, seq=seq, prev_hash=prev_hash, cause=cause, actor=actor)
        return Commit(id=doc["_id"], stream=stream, seq=seq, events=list(events), prev_hash=prev_hash,
                      hash=doc["hash"], committed_at=doc["committed_at"], actor=actor, cause=cause)

    async def append(self, stream: str, events: Sequence[Envelope], *, expected_seq: int, prev_hash: str,
                     cause: str, actor: dict | None = None) -> Commit:
        history = self.streams.setdefault(stream, [])
        if expected_seq != len(history) + 1:
            raise Conflict(f"{stream} seq {expected_seq} is taken")
        commit = self.commit(stream, events, seq=expected_seq, prev_hash=prev_hash, cause=cause, actor=actor)
        history.append(commit)
        return commit

    async def read_after(self, stream: str, seq: int, limit: int) -> list[Commit]:
        return self.streams.get(stream, [])[seq:seq + limit]

    async def load(self, stream: str, **_: Any) -> list[Commit]:
        return list(self.streams.get(stream, []))

    async def get(self, commit_id_: str) -> Commit | None:
        stream, _, seq = commit_id_.rpartition("/")
        history = self.streams.get(stream, [])
        return history[int(seq) - 1] if 0 < int(seq) <= len(history) else None

    async def snapshot(self, stream: str) -> dict | None:
        return self.snapshots.get(stream)

    async def keep_snapshot(self, snapshot: dict) -> None:
        if snapshot["seq"] > self.snapshots.get(snapshot["_id"], {"seq": 0})["seq"]:
            self.snapshots[snapshot["_id"]] = snapshot

    def events(self, stream: str) -> list[EventData]:
        """Every event of a stream, parsed: the "then" of a unit test."""
        return [e.parse() for c in self.streams.get(stream, []) for e in c.events]
