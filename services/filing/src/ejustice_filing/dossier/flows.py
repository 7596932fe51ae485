"""The filing service witnesses its own published checkpoints.

Each `dossier.checkpointed` it receives back from the broker is compared with the line of
the same number in the checkpoint log and its signature checked: what others received
is what the log holds. (It also gives the event a queue, so publishing it never fails
for want of a consumer.)
"""

import asyncio

import structlog

from ejustice_dossier_verifier.checkpoints import CHECKPOINT_FORMAT, line_hash, signature_problem
from ejustice_filing.dossier.service import checkpoint_log
from ejustice_shared import metrics
from ejustice_shared.events import DossierCheckpointed, Envelope
from ejustice_shared.runtime import ServiceRuntime

log = structlog.get_logger()


async def on_checkpointed(runtime: ServiceRuntime, envelope: Envelope, event: DossierCheckpointed) -> None:
    store = checkpoint_log(runtime)
    received = {"checkpoint": {"format": CHECKPOINT_FORMAT, **event.model_dump(exclude={"signature"})},
                "signature": event.signature}
    logged = await asyncio.to_thread(store.lines, after=event.number - 1, limit=1)
    problem = signature_problem(received, store.public_key)
    if not problem and (not logged or line_hash(logged[0]) != line_hash(received)):
        problem = "differs from the checkpoint log's line of the same number"
    if problem:
        metrics.DOSSIER_CHECKPOINT_MISMATCHES.inc()
        log.error("a published dossier checkpoint does not match", number=event.number, problem=problem,
                  event_id=envelope.id)
