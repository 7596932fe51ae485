from fastapi import APIRouter

from ejustice_filing.dossier import service
from ejustice_filing.dossier.models import DossierEntry, DossierVerification
from ejustice_shared.auth import CurrentPrincipal
from ejustice_shared.runtime import Runtime

router = APIRouter(prefix="/filings/{filing_id}/dossier", tags=["dossier"])


@router.get("")
async def read_dossier(filing_id: str, runtime: Runtime, principal: CurrentPrincipal) -> list[DossierEntry]:
    return await service.entries(runtime, principal=principal, filing_id=filing_id)


@router.get("/verify")
async def verify_dossier(filing_id: str, runtime: Runtime, principal: CurrentPrincipal) -> DossierVerification:
    """Recompute the hash chain from the stored entries: any altered or missing entry shows."""
    return await service.verify(runtime, principal=principal, filing_id=filing_id)
