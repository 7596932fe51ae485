from fastapi import APIRouter, status

from ejustice_filing.filings import service
from ejustice_filing.filings.models import ClaimUpdate, FilingCreate, FilingRead, PartiesUpdate, StatementUpdate
from ejustice_shared.auth import CurrentPrincipal, Principal, Role, require
from ejustice_shared.runtime import Runtime

router = APIRouter(prefix="/filings", tags=["filings"])
Filer = require(Role.CITIZEN, Role.LAWYER, Role.CLERK)


@router.post("", status_code=status.HTTP_201_CREATED)
async def open_draft(create: FilingCreate, runtime: Runtime, principal: Principal = Filer) -> FilingRead:
    return await service.open_draft(runtime, principal=principal, create=create)


@router.get("")
async def my_filings(runtime: Runtime, principal: Principal = Filer) -> list[FilingRead]:
    """Filings the principal filed or acts for (clerk, attorney), and accepted ones naming them; newest first."""
    return await service.mine(runtime, principal=principal)


@router.get("/{filing_id}")
async def read_filing(filing_id: str, runtime: Runtime, principal: CurrentPrincipal) -> FilingRead:
    return await service.read(runtime, principal=principal, filing_id=filing_id)


@router.put("/{filing_id}/parties")
async def set_parties(filing_id: str, update: PartiesUpdate, runtime: Runtime,
                      principal: Principal = Filer) -> FilingRead:
    return await service.set_parties(runtime, principal=principal, filing_id=filing_id, update=update)


@router.put("/{filing_id}/claim")
async def set_claim(filing_id: str, update: ClaimUpdate, runtime: Runtime, principal: Principal = Filer) -> FilingRead:
    return await service.set_claim(runtime, principal=principal, filing_id=filing_id, update=update)


@router.put("/{filing_id}/statement")
async def set_statement(filing_id: str, update: StatementUpdate, runtime: Runtime,
                        principal: Principal = Filer) -> FilingRead:
    return await service.set_statement(runtime, principal=principal, filing_id=filing_id, update=update)


@router.post("/{filing_id}/submit")
async def submit(filing_id: str, runtime: Runtime, principal: Principal = Filer) -> FilingRead:
    """Validate everything at once, fix the competent court and ask payment for the fee."""
    return await service.submit(runtime, principal=principal, filing_id=filing_id)
