"""Batches of up to 100,000 notices from a court (a cause-list day, a mass summons), served in the background.

A batch arrives as NDJSON, one notice a line. Every line is checked as it is read; the lines are
stored in chunks (`batch_chunks`, NOTIFICATION_BATCH_CHUNK_LINES each) before the batch is accepted (the stream
`batch-<id>`, and a marker in `batches_open`), so the answer 202 comes at once and nothing
accepted depends on the process that took it. A worker serves chunk after chunk and marks each
done in `batch_progress` (a unique insert); after a crash it serves the unmarked chunks again,
and since a notice's posting, e-box entry, alert and paper task are each keyed by the court's
reference, serving a line twice changes nothing. The batch is complete once every chunk is marked.
"""

import asyncio
import contextlib
import time
import uuid
from dataclasses import dataclass

import structlog
from fastapi import Request
from pydantic import ValidationError
from pymongo.errors import DuplicateKeyError

from ejustice_notification.batches.events import NoticeBatchAccepted
from ejustice_notification.batches.models import BatchRead, BatchRejection
from ejustice_notification.cases import service as cases
from ejustice_notification.common import SOURCE, iso, now
from ejustice_notification.posting import service as posting
from ejustice_shared.aggregate import Aggregate, Decision, Fact
from ejustice_shared.auth import Principal
from ejustice_shared.events import CourtNotice, NoticeBatchCompleted
from ejustice_shared.problems import Problem, field_error, field_errors, language, localized
from ejustice_shared.runtime import ServiceRuntime

CHUNKS, PROGRESS, OPEN = "batch_chunks", "batch_progress", "batches_open"
MAX_NOTICES = 100_000
MAX_ERRORS = 20
KEPT_REJECTIONS = 100

log = structlog.get_logger()


@dataclass(frozen=True)
class Batch:
    accepted: NoticeBatchAccepted
    accepted_at: str
    completed: NoticeBatchCompleted | None = None


def stream_of(batch_id: str) -> str:
    return f"batch-{batch_id}"


def chunk_key(batch_id: str, n: int) -> str:
    return f"{batch_id}/{n:05d}"


aggregate = Aggregate("batch", stream=stream_of, initial=None, source=SOURCE, state_type=Batch | None)


@aggregate.evolves(NoticeBatchAccepted)
def _accepted(state: Batch | None, accepted: NoticeBatchAccepted, fact: Fact) -> Batch:
    return Batch(accepted, fact.time)


@aggregate.evolves(NoticeBatchCompleted)
def _completed(state: Batch | None, completed: NoticeBatchCompleted, fact: Fact) -> Batch | None:
    return Batch(state.accepted, state.accepted_at, completed) if state else None


def accept_once(state: Batch | None, accepted: NoticeBatchAccepted) -> Decision:
    return Decision([] if state is not None else [accepted])


def complete_once(state: Batch | None, completed: NoticeBatchCompleted) -> Decision:
    """Completed once, and only a batch that was accepted."""
    return Decision([] if state is None or state.completed is not None else [completed])


async def load(runtime: ServiceRuntime, batch_id: str) -> Batch | None:
    return await aggregate.state(runtime.commits, batch_id)


# --- taking a batch ----------------------------------------------------------------------------------


async def accept(runtime: ServiceRuntime, *, principal: Principal, request: Request) -> BatchRead:
    """Read the NDJSON body line by line, store it in chunks, and accept the batch whole or not at all."""
    batch_id = uuid.uuid4().hex
    lang = language(request)
    state = {"lines": 0, "chunks": 0, "chunk": [], "errors": []}

    async def flush() -> None:
        if state["chunk"]:
            await runtime.db[CHUNKS].insert_one({"_id": chunk_key(batch_id, state["chunks"]), "batch_id": batch_id,
                                                 "lines": state["chunk"]})
            state["chunks"] += 1
            state["chunk"] = []

    async def take_line(raw: bytes) -> None:
        if not raw.strip():
            return
        state["lines"] += 1
        if state["lines"] > MAX_NOTICES:
            return
        try:
            CourtNotice.model_validate_json(raw)
        except ValidationError as exc:
            if len(state["errors"]) < MAX_ERRORS:
                line = f"lines.{state['lines']}"
                state["errors"] += [{**e, "field": line if e["field"] == "body" else f"{line}.{e['field']}"}
                                    for e in field_errors(exc.errors(include_url=False), lang)]
            return
        if not state["errors"]:
            state["chunk"].append(raw.decode())
            if len(state["chunk"]) == runtime.settings.batch_chunk_lines:
                await flush()

    try:
        pending = b""
        async for part in request.stream():
            pending += part
            *lines, pending = pending.split(b"\n")
            for raw in lines:
                await take_line(raw)
        await take_line(pending)
        errors = state["errors"]
        if state["lines"] > MAX_NOTICES:
            errors = [field_error("body", "batch-too-large", limit=MAX_NOTICES)]
        elif state["lines"] == 0:
            errors = [field_error("body", "batch-empty")]
        if errors:
            raise Problem(422, "validation", errors=errors)
        await flush()
    except BaseException:
        await runtime.db[CHUNKS].delete_many({"batch_id": batch_id})
        raise

    accepted = NoticeBatchAccepted(batch_id=batch_id, court_id=principal.court_id, notices=state["lines"],
                                   chunks=state["chunks"], chunk_lines=runtime.settings.batch_chunk_lines)
    await aggregate.execute(runtime.commits, batch_id, accept_once, accepted, cause=batch_id,
                            actor=principal.as_actor())
    await runtime.db[OPEN].insert_one({"_id": batch_id, "court_id": principal.court_id, "accepted_at": iso(now())})
    runtime.state["batch_wakeup"].set()
    return await progress(runtime, principal=principal, batch_id=batch_id)


async def progress(runtime: ServiceRuntime, *, principal: Principal, batch_id: str) -> BatchRead:
    """The court's own batch and how far it is; another court's is not found."""
    batch = await load(runtime, batch_id)
    if batch is None or batch.accepted.court_id != principal.court_id:
        raise Problem(404, "batch-not-found", detail="This court has no batch with this id.")
    keys = [chunk_key(batch_id, n) for n in range(batch.accepted.chunks)]
    marks = await runtime.db[PROGRESS].find({"_id": {"$in": keys}}).to_list(None)
    rejections = [BatchRejection(**r) for mark in sorted(marks, key=lambda m: m["_id"]) for r in mark["rejections"]]
    return BatchRead(batch_id=batch_id, court_id=batch.accepted.court_id,
                     status="completed" if batch.completed else "serving", notices=batch.accepted.notices,
                     processed=sum(m["processed"] for m in marks), rejected=sum(m["rejected"] for m in marks),
                     rejections=rejections[:KEPT_REJECTIONS], accepted_at=batch.accepted_at,
                     completed_at=batch.completed.completed_at if batch.completed else None)


# --- serving it --------------------------------------------------------------------------------------


async def serve_batch(runtime: ServiceRuntime, batch_id: str) -> None:
    # Counted while it runs: the alert worker yields to it (alerting/service.py).
    runtime.state["batches_serving"] = runtime.state.get("batches_serving", 0) + 1
    try:
        await _serve_batch(runtime, batch_id)
    finally:
        runtime.state["batches_serving"] -= 1


async def _serve_batch(runtime: ServiceRuntime, batch_id: str) -> None:
    batch = await load(runtime, batch_id)
    if batch is None:  # accepted by a process that died before the batch's commit: nothing was promised
        await runtime.db[OPEN].delete_one({"_id": batch_id})
        return
    accepted = batch.accepted
    keys = [chunk_key(batch_id, n) for n in range(accepted.chunks)]
    done = {mark["_id"] for mark in await runtime.db[PROGRESS].find({"_id": {"$in": keys}}, {"_id": 1}).to_list(None)}
    # A few chunks side by side, so that one's Python work overlaps another's wait for the store.
    slots = asyncio.Semaphore(runtime.settings.batch_chunks_at_once)

    async def serve_chunk(n: int) -> None:
        async with slots:
            chunk = await runtime.db[CHUNKS].find_one({"_id": keys[n]})
            processed, rejections = await _serve_chunk(runtime, accepted.court_id, chunk["lines"],
                                                       n * accepted.chunk_lines)
            with contextlib.suppress(DuplicateKeyError):
                await runtime.db[PROGRESS].insert_one({"_id": keys[n], "batch_id": batch_id, "processed": processed,
                                                       "rejected": len(rejections),
                                                       "rejections": rejections[:KEPT_REJECTIONS]})

    async with asyncio.TaskGroup() as chunks:
        for n, key in enumerate(keys):
            if key not in done:
                chunks.create_task(serve_chunk(n))
    marks = await runtime.db[PROGRESS].find({"_id": {"$in": keys}}).to_list(None)
    completed = NoticeBatchCompleted(batch_id=batch_id, court_id=accepted.court_id,
                                     notices=sum(m["processed"] - m["rejected"] for m in marks),
                                     rejected=sum(m["rejected"] for m in marks), completed_at=iso(now()))
    await aggregate.execute(runtime.commits, batch_id, complete_once, completed, cause=f"completed-{batch_id}",
                            actor={"service": SOURCE})
    await runtime.db[OPEN].delete_one({"_id": batch_id})
    log.info("notice batch served", batch_id=batch_id, notices=completed.notices, rejected=completed.rejected)


async def _serve_chunk(runtime: ServiceRuntime, court_id: str, lines: list[str], first: int) -> tuple[int, list]:
    """Serve a chunk's lines together: its cases read in one look-up, its postings, e-box entries and notices
    each inserted together, its alerts queued in one insert. Returns the lines processed and those rejected."""
    actor = {"subject": f"court-{court_id}", "roles": ["court"], "court_id": court_id, "via": "batch"}
    notices = [CourtNotice.model_validate_json(line) for line in lines]
    known = await cases.of_court_many(runtime, court_id=court_id, filing_ids=[n.filing_id for n in notices])
    rejections: list[dict] = []

    def reject(n: int, notice: CourtNotice, problem: Problem) -> None:
        errors = problem.errors or [{"field": "filing_id", "code": problem.kind,
                                     "reason": problem.detail or problem.kind}]
        rejections.append(BatchRejection(line=first + n + 1, reference=notice.reference, errors=[
            {"field": e["field"], "code": e["code"], "reason": e["reason"]} for e in localized(errors, "en")
        ]).model_dump())

    on_cases = []
    for n, notice in enumerate(notices):
        if notice.filing_id in known:
            on_cases.append((n, notice))
        else:
            reject(n, notice, Problem(404, "case-not-found", detail="This court has accepted no filing with this id."))
    started = time.perf_counter()
    taken = await posting.take_many(runtime, court_id=court_id, actor=actor,
                                    notices_and_cases=[(notice, known[notice.filing_id]) for _, notice in on_cases])
    took = time.perf_counter() - started
    postings = []
    for (n, notice), result in zip(on_cases, taken, strict=True):
        if isinstance(result, Problem):
            reject(n, notice, result)
        else:
            postings.append(result)
    await posting.serve_many(runtime, postings, parallel=runtime.settings.batch_parallel)
    log.info("batch chunk served", first_line=first + 1, lines=len(lines), take_seconds=round(took, 3),
             serve_seconds=round(time.perf_counter() - started - took, 3))
    return len(lines), sorted(rejections, key=lambda r: r["line"])


async def start_worker(runtime: ServiceRuntime) -> None:
    runtime.state["batch_wakeup"] = asyncio.Event()
    runtime.state["batch_worker"] = asyncio.create_task(_forever(runtime), name="batch-worker")


async def stop_worker(runtime: ServiceRuntime) -> None:
    worker: asyncio.Task = runtime.state["batch_worker"]
    worker.cancel()
    await asyncio.gather(worker, return_exceptions=True)


async def worker_readiness(runtime: ServiceRuntime) -> str | None:
    worker: asyncio.Task | None = runtime.state.get("batch_worker")
    return "not running" if worker is None or worker.done() else None


async def _forever(runtime: ServiceRuntime) -> None:
    wakeup: asyncio.Event = runtime.state["batch_wakeup"]
    while True:
        wakeup.clear()
        try:
            for marker in await runtime.db[OPEN].find({}).sort("accepted_at", 1).to_list(None):
                await serve_batch(runtime, marker["_id"])
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the database may be away for a while: the next round resumes
            log.warning("batch round failed", error=repr(exc))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wakeup.wait(), timeout=2.0)
