from fastapi import APIRouter, Request, Response, status

from ejustice_filing.documents import service
from ejustice_filing.documents.models import DOWNLOAD_RESPONSES
from ejustice_filing.filings import service as filings
from ejustice_shared.auth import CurrentPrincipal
from ejustice_shared.events import DocumentRef
from ejustice_shared.problems import Problem, field_error
from ejustice_shared.runtime import Runtime

router = APIRouter(prefix="/filings/{filing_id}/documents", tags=["documents"])


@router.post("", status_code=status.HTTP_201_CREATED)
async def upload_document(filing_id: str, request: Request, runtime: Runtime,
                          principal: CurrentPrincipal) -> DocumentRef:
    """multipart/form-data with `document_type` and `file`; the type is judged by the content."""
    limit = runtime.settings.max_document_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + 64 * 1024:
        raise _too_large(limit)
    form = await request.form(max_files=1, max_fields=4)
    upload, document_type = form.get("file"), form.get("document_type")
    errors = []
    if upload is None or isinstance(upload, str):
        errors.append(field_error("file", "missing", variant="file"))
    if not isinstance(document_type, str) or not document_type:
        errors.append(field_error("document_type", "missing", variant="document_type"))
    if errors:
        raise Problem(422, "validation", errors=errors)
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise _too_large(limit)
    return await service.add(runtime, principal=principal, filing_id=filing_id, document_type=document_type,
                             filename=upload.filename or "", data=data)


@router.get("/{document_id}", response_class=Response, responses=DOWNLOAD_RESPONSES)
async def download_document(filing_id: str, document_id: str, runtime: Runtime,
                            principal: CurrentPrincipal) -> Response:
    filing = await filings.read(runtime, principal=principal, filing_id=filing_id)
    document, data = await service.content(runtime, filing=filing, document_id=document_id)
    return Response(data, media_type=document.media_type, headers={"x-content-sha256": document.sha256})


def _too_large(limit: int) -> Problem:
    detail = f"A document may be at most {limit // (1024 * 1024)} MiB."
    return Problem(413, "document-too-large", detail=detail,
                   errors=[field_error("file", "too-large", mib=limit // (1024 * 1024))])
