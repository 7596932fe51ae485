from fastapi import APIRouter, status

from ejustice_filing.filings import service
from ejustice_filing.filings.models import FilingCreate, FilingRead
from ejustice_shared.auth import CurrentPrincipal, Role, require
from ejustice_shared.runtime import Runtime

router = APIRouter(prefix="/filings", tags=["filings"])


@router.post("", status_code=status.HTTP_201_CREATED,
             dependencies=[require(Role.CITIZEN, Role.LAWYER, Role.CLERK)])
async def submit_filing(create: FilingCreate, runtime: Runtime, principal: CurrentPrincipal) -> FilingRead:
    return await service.submit(runtime, principal=principal, create=create)


@router.get("/{filing_id}")
async def read_filing(filing_id: str, runtime: Runtime, principal: CurrentPrincipal) -> FilingRead:
    return await service.get(runtime, principal=principal, filing_id=filing_id)
