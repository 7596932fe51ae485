import asyncio
import contextlib

import structlog

from ejustice_dossier_verifier.canonical import (
    CANONICAL_JSON,
    CANONICAL_JSON_RULE,
    GENESIS,
    HASH_ALGORITHM,
    HASHED_FIELDS,
    canonical_json,
    entry_hash,
)
from ejustice_dossier_verifier.verify import EXPORT_FORMAT
from ejustice_filing.dossier.models import DossierEntry, DossierExport, DossierVerification
from ejustice_filing.filings import service as filings
from ejustice_shared import clock, metrics
from ejustice_shared.aggregate import Aggregate, Decision, Fact
from ejustice_shared.auth import Principal
from ejustice_shared.checkpoint_log import CheckpointLog, Heads
from ejustice_shared.events import DossierCheckpointed
from ejustice_shared.problems import Problem
from ejustice_shared.runtime import ServiceRuntime

log = structlog.get_logger()

DOSSIER_STREAMS = "filing-"
CHECKPOINT_STREAM = "dossier-checkpoints"
ORIGIN = "ejustice-filing-dossier"


async def entries(runtime: ServiceRuntime, *, principal: Principal, filing_id: str) -> list[DossierEntry]:
    await filings.read(runtime, principal=principal, filing_id=filing_id)
    history = await runtime.commits.load(filings.stream_of(filing_id))
    return [DossierEntry(stream=c.stream, seq=c.seq, at=c.committed_at, actor=c.actor, prev_hash=c.prev_hash,
                         hash=c.hash, events=[e.model_dump(mode="json") for e in c.events])
            for c in history]


async def verify(runtime: ServiceRuntime, *, principal: Principal, filing_id: str) -> DossierVerification:
    await filings.read(runtime, principal=principal, filing_id=filing_id)
    report = await runtime.commits.verify(filings.stream_of(filing_id))
    return DossierVerification(valid=report.valid, length=report.length, head=report.head,
                               broken_at=report.broken_at, reason=report.reason)


async def export(runtime: ServiceRuntime, *, principal: Principal, filing_id: str) -> DossierExport:
    """The dossier as stored (read from the database, not from memory), with the latest checkpoint's proof."""
    await filings.read(runtime, principal=principal, filing_id=filing_id)
    stream = filings.stream_of(filing_id)
    stored = await runtime.commits.documents(stream)
    inclusion = await asyncio.to_thread(checkpoint_log(runtime).inclusion, stream)
    return DossierExport(
        format=EXPORT_FORMAT, filing_id=filing_id, stream=stream, exported_at=clock.iso(),
        hashing={"algorithm": HASH_ALGORITHM, "canonical_json": CANONICAL_JSON,
                 "canonical_json_rule": CANONICAL_JSON_RULE, "hashed_fields": list(HASHED_FIELDS),
                 "genesis_prev_hash": GENESIS,
                 "entry_hash": "hex SHA-256 of the canonical JSON of the object made of the entry's hashed fields; "
                               "each entry's prev_hash is the hash of the entry before"},
        entries=[{**{name: doc[name] for name in HASHED_FIELDS}, "hash": doc["hash"]} for doc in stored],
        checkpoint=inclusion.line if inclusion else None,
        inclusion=inclusion.as_export() if inclusion else None,
        verify_with="python -m ejustice_dossier_verifier <this file> --checkpoints <GET /api/dossier-checkpoints> "
                    "--public-key <GET /api/dossier-checkpoints/public-key?format=pem>",
    )


# --- checkpoints -----------------------------------------------------------------------------------


def checkpoint_log(runtime: ServiceRuntime) -> CheckpointLog:
    return runtime.state["checkpoint_log"]


async def open_checkpoint_log(runtime: ServiceRuntime) -> None:
    settings = runtime.settings
    runtime.state["checkpoint_log"] = CheckpointLog(settings.checkpoint_log, origin=ORIGIN,
                                                    private_key_pem=settings.checkpoint_private_key)


async def start_checkpointer(runtime: ServiceRuntime) -> None:
    if runtime.settings.checkpoint_seconds > 0:
        runtime.state["checkpointer"] = asyncio.create_task(_checkpoint_forever(runtime), name="dossier-checkpointer")


async def stop_checkpointer(runtime: ServiceRuntime) -> None:
    if task := runtime.state.pop("checkpointer", None):
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _checkpoint_forever(runtime: ServiceRuntime) -> None:
    while True:
        await asyncio.sleep(runtime.settings.checkpoint_seconds)
        try:
            await checkpoint(runtime)
        except Exception:  # the next round tries again; a signer that fails must not stop the service
            log.exception("dossier checkpoint failed")


async def checkpoint(runtime: ServiceRuntime) -> dict | None:
    """Sign the heads of every dossier stream that extend what the previous checkpoint signed, and publish it.

    A stream whose head does not extend its last signed head (an entry rewritten, even with every later
    hash recomputed, or removed) keeps its last signed head in the tree, so its exports fail verification.
    """
    store = checkpoint_log(runtime)
    based_on = await asyncio.to_thread(store.latest_number)
    _, signed = await asyncio.to_thread(store.tree)
    current = await runtime.commits.heads(DOSSIER_STREAMS)
    heads: Heads = {}
    for stream in current.keys() | signed.keys():
        head, before = current.get(stream), signed.get(stream)
        if head is not None and (head == before or await _extends(runtime, stream, before, head)):
            heads[stream] = head
        else:
            metrics.DOSSIER_CHECKPOINT_REFUSALS.inc()
            log.error("dossier stream does not extend its signed head; keeping the signed head",
                      stream=stream, signed=before, found=head)
            if before is not None:
                heads[stream] = before
    line = await asyncio.to_thread(store.append, heads, based_on=based_on,
                                   min_interval_seconds=runtime.settings.checkpoint_seconds / 2)
    latest = line or await asyncio.to_thread(store.latest)
    if latest is not None:
        await _publish(runtime, latest)
    return line


async def _extends(runtime: ServiceRuntime, stream: str, before: tuple[int, str] | None,
                   head: tuple[int, str]) -> bool:
    """Whether the stored entries lead, intact and linked, from the signed head (or the start) to the new head."""
    start = before[0] if before else 1
    if head[0] < start:
        return False
    stored = await runtime.commits.documents(stream, start=start, stop=head[0])
    if len(stored) != head[0] - start + 1 or stored[-1]["hash"] != head[1]:
        return False
    prev = before[1] if before else GENESIS
    for doc in stored[1:] if before else stored:
        if doc["prev_hash"] != prev or entry_hash(doc) != doc["hash"]:
            return False
        prev = doc["hash"]
    return not before or stored[0]["hash"] == before[1]


async def _publish(runtime: ServiceRuntime, line: dict) -> None:
    """`dossier.checkpointed`, once per checkpoint whichever process signed it (keyed by its number)."""
    body = line["checkpoint"]
    event = DossierCheckpointed(signature=line["signature"],
                                **{k: v for k, v in body.items() if k != "format"})
    await checkpoints.execute(runtime.commits, CHECKPOINT_STREAM, announce, event, cause=f"checkpoint-{body['number']}")


# The stream of published checkpoints; its state is the number of the last one.
checkpoints = Aggregate("dossier-checkpoints", stream=lambda key: key, initial=0, source="filing", state_type=int,
                        subject=lambda key, state, event: f"checkpoint-{event.number}")


@checkpoints.evolves(DossierCheckpointed)
def _checkpointed(state: int, event: DossierCheckpointed, fact: Fact) -> int:
    return max(state, event.number)


def announce(last: int, event: DossierCheckpointed) -> Decision:
    """Each checkpoint once, in order (by its number, not only by its cause: the stream is long)."""
    return Decision([event] if event.number > last else [])


def no_checkpoint_yet() -> Problem:
    return Problem(404, "checkpoint-not-found", detail="No dossier checkpoint has been signed yet.")


def as_json_lines(lines: list[dict]) -> bytes:
    """Checkpoint lines as the log holds them: canonical JSON, one a line."""
    return b"".join(canonical_json(line) + b"\n" for line in lines)
