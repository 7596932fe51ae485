from fastapi import APIRouter, Response

from ejustice_filing.court import service
from ejustice_filing.court.models import ReturnReasonRead
from ejustice_filing.documents import service as documents
from ejustice_filing.documents.models import DOWNLOAD_RESPONSES
from ejustice_filing.filings import service as filings
from ejustice_filing.filings.models import Acceptance, FilingRead, Return, Status
from ejustice_shared.auth import Principal, Role, require
from ejustice_shared.runtime import Runtime

router = APIRouter(prefix="/court", tags=["court"])
Court = require(Role.COURT)


@router.get("/return-reasons")
async def list_return_reasons() -> list[ReturnReasonRead]:
    return list(service.return_reasons().values())


@router.get("/filings")
async def court_inbox(runtime: Runtime, principal: Principal = Court, status: Status | None = None) -> list[FilingRead]:
    return await service.inbox(runtime, principal=principal, status=status)


@router.get("/filings/{filing_id}")
async def court_filing(filing_id: str, runtime: Runtime, principal: Principal = Court) -> FilingRead:
    return await filings.read(runtime, principal=principal, filing_id=filing_id)


@router.get("/filings/{filing_id}/documents/{document_id}", response_class=Response, responses=DOWNLOAD_RESPONSES)
async def court_document(filing_id: str, document_id: str, runtime: Runtime, principal: Principal = Court) -> Response:
    filing = await filings.read(runtime, principal=principal, filing_id=filing_id)
    document, data = await documents.content(runtime, filing=filing, document_id=document_id)
    return Response(data, media_type=document.media_type, headers={"x-content-sha256": document.sha256})


@router.post("/filings/{filing_id}/accept")
async def accept_filing(filing_id: str, acceptance: Acceptance, runtime: Runtime,
                        principal: Principal = Court) -> FilingRead:
    return await service.accept(runtime, principal=principal, filing_id=filing_id, acceptance=acceptance)


@router.post("/filings/{filing_id}/return")
async def return_filing(filing_id: str, returned: Return, runtime: Runtime, principal: Principal = Court) -> FilingRead:
    return await service.return_for_correction(runtime, principal=principal, filing_id=filing_id, returned=returned)
