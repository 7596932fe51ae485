from fastapi import APIRouter, status

from ejustice_filing.filings.models import FilingRead
from ejustice_filing.representation import service
from ejustice_filing.representation.models import AttorneyNamed, AttorneyRead
from ejustice_shared.auth import Principal, Role, require
from ejustice_shared.runtime import Runtime

router = APIRouter(prefix="/filings/{filing_id}/attorneys", tags=["representation"])
Filer = require(Role.CITIZEN, Role.LAWYER, Role.CLERK)


@router.post("", status_code=status.HTTP_201_CREATED)
async def grant_power_of_attorney(filing_id: str, named: AttorneyNamed, runtime: Runtime,
                                  principal: Principal = Filer) -> AttorneyRead:
    """The filer (or a clerk on their behalf) gives a lawyer, named by national ID or bar number, the filer's rights."""
    return await service.grant(runtime, principal=principal, filing_id=filing_id, named=named)


@router.post("/revoke")
async def revoke_power_of_attorney(filing_id: str, named: AttorneyNamed, runtime: Runtime,
                                   principal: Principal = Filer) -> FilingRead:
    """The filer takes the lawyer's rights back; the lawyer loses access at once."""
    return await service.revoke(runtime, principal=principal, filing_id=filing_id, named=named)
