import asyncio
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from fastapi.responses import PlainTextResponse

from ejustice_filing.dossier import service
from ejustice_filing.dossier.models import (
    CheckpointKey,
    DossierEntry,
    DossierExport,
    DossierVerification,
    SignedCheckpoint,
)
from ejustice_shared.auth import CurrentPrincipal
from ejustice_shared.runtime import Runtime

router = APIRouter(prefix="/filings/{filing_id}/dossier", tags=["dossier"])
# Public: anyone may fetch the key and the checkpoints, to verify a dossier someone shows them.
checkpoints_router = APIRouter(prefix="/dossier-checkpoints", tags=["dossier"])


@router.get("")
async def read_dossier(filing_id: str, runtime: Runtime, principal: CurrentPrincipal) -> list[DossierEntry]:
    return await service.entries(runtime, principal=principal, filing_id=filing_id)


@router.get("/verify")
async def verify_dossier(filing_id: str, runtime: Runtime, principal: CurrentPrincipal) -> DossierVerification:
    """Recompute the hash chain from the stored entries: any altered or missing entry shows."""
    return await service.verify(runtime, principal=principal, filing_id=filing_id)


@router.get("/export")
async def export_dossier(filing_id: str, runtime: Runtime, principal: CurrentPrincipal,
                         response: Response) -> DossierExport:
    """The dossier as a file anyone can verify offline with `python -m ejustice_dossier_verifier`."""
    response.headers["content-disposition"] = f'attachment; filename="dossier-{filing_id}.json"'
    return await service.export(runtime, principal=principal, filing_id=filing_id)


@checkpoints_router.get("", response_class=PlainTextResponse,
                        responses={200: {"content": {"application/x-ndjson": {}}}})
async def checkpoint_log(runtime: Runtime, after: Annotated[int, Query(ge=0, le=2**53)] = 0,
                         limit: Annotated[int, Query(ge=1, le=10_000)] = 10_000) -> Response:
    """The checkpoint log, one signed checkpoint a line (JSON lines), numbered above `after`."""
    lines = await asyncio.to_thread(service.checkpoint_log(runtime).lines, after=after, limit=limit)
    return Response(service.as_json_lines(lines), media_type="application/x-ndjson")


@checkpoints_router.get("/latest")
async def latest_checkpoint(runtime: Runtime) -> SignedCheckpoint:
    latest = await asyncio.to_thread(service.checkpoint_log(runtime).latest)
    if latest is None:
        raise service.no_checkpoint_yet()
    return latest


@checkpoints_router.get("/public-key", responses={200: {"content": {"application/x-pem-file": {}}}})
async def checkpoint_public_key(runtime: Runtime, format: Literal["json", "pem"] = "json") -> CheckpointKey:
    """The Ed25519 key every checkpoint is signed with; `?format=pem` for the bare PEM file."""
    store = service.checkpoint_log(runtime)
    if format == "pem":
        return Response(store.public_key_pem(), media_type="application/x-pem-file")
    return CheckpointKey(key_id=store.key_id, public_key_pem=store.public_key_pem())
