import uuid

from ejustice_filing.documents.models import ACCEPTED_SIGNATURES, EXECUTABLE_SIGNATURES, OTHER_DOCUMENT
from ejustice_filing.documents.storage import ChunkedBlobStore
from ejustice_filing.filings import service as filings
from ejustice_filing.filings.events import FilingDocumentAdded
from ejustice_filing.filings.models import FilingRead
from ejustice_filing.subjects import service as subjects
from ejustice_shared.auth import Principal
from ejustice_shared.events import DocumentRef
from ejustice_shared.people import normalize_text
from ejustice_shared.problems import Problem, field_error
from ejustice_shared.runtime import ServiceRuntime


def media_type_of(data: bytes) -> str:
    """The document's type from its first bytes; a refusal says what it looks like instead."""
    for media_type, signatures in ACCEPTED_SIGNATURES.items():
        if data.startswith(signatures):
            return media_type
    looks_like = next((what for sig, what in EXECUTABLE_SIGNATURES.items() if data.startswith(sig)), None)
    detail = "Upload a PDF, PNG or JPEG file."
    if looks_like:
        detail += f" This file is {looks_like}, whatever its name says."
    raise Problem(415, "unsupported-document", detail=detail,
                  errors=[field_error("file", "unsupported-type", variant="program" if looks_like else None)])


def blobs(runtime: ServiceRuntime) -> ChunkedBlobStore:
    return ChunkedBlobStore(runtime.db)


async def add(runtime: ServiceRuntime, *, principal: Principal, filing_id: str, document_type: str,
              filename: str, data: bytes) -> DocumentRef:
    filing = await filings.editable(runtime, principal=principal, filing_id=filing_id)
    allowed = {*subjects.find(filing.subject_code).documents_required, OTHER_DOCUMENT}
    if document_type not in allowed:
        raise Problem(422, "validation", errors=[field_error("document_type", "unknown-document-type",
                                                             allowed=", ".join(sorted(allowed)))])
    if not data:
        raise Problem(422, "validation", errors=[field_error("file", "empty")])
    media_type = media_type_of(data)
    digest = await blobs(runtime).put(data)
    document = DocumentRef(document_id=uuid.uuid4().hex, document_type=document_type,
                           filename=normalize_text(filename)[:200] or "document", media_type=media_type,
                           size=len(data), sha256=digest)
    await filings.change(runtime, principal=principal, filing_id=filing_id, checked=filing,
                         events=[FilingDocumentAdded(filing_id=filing_id, document=document)])
    return document


async def content(runtime: ServiceRuntime, *, filing: FilingRead, document_id: str) -> tuple[DocumentRef, bytes]:
    document = next((d for d in filing.documents if d.document_id == document_id), None)
    data = await blobs(runtime).get(document.sha256) if document else None
    if document is None or data is None:
        raise Problem(404, "document-not-found", detail="No such document in this filing.")
    return document, data
