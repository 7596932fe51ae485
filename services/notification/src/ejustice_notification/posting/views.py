from typing import Annotated

from fastapi import APIRouter, Response, status

from ejustice_notification.posting import service
from ejustice_notification.posting.models import CourtNoticeRead
from ejustice_shared.auth import CurrentPrincipal, Principal, Role, require
from ejustice_shared.events import CourtNotice
from ejustice_shared.runtime import Runtime

router = APIRouter(prefix="/court-notices", tags=["court notices"])
documents_router = APIRouter(prefix="/notices", tags=["notices"])
Court = Annotated[Principal, require(Role.COURT)]


@router.post("", status_code=status.HTTP_201_CREATED)
async def post_notice(notice: CourtNotice, runtime: Runtime, principal: Court) -> CourtNoticeRead:
    """Serve a notice on one of the court's cases; the same reference posted again changes nothing."""
    return await service.post(runtime, court_id=principal.court_id, notice=notice, actor=principal.as_actor())


@router.get("/{reference}")
async def court_notice(reference: str, runtime: Runtime, principal: Court) -> CourtNoticeRead:
    """The court's own notice and each addressee's lifecycle, every step timestamped."""
    return await service.read(runtime, court_id=principal.court_id, reference=reference)


@documents_router.get("/{notice_id}/documents/{sha256}", response_class=Response,
                      responses={200: {"content": {"application/pdf": {}}, "description": "The document."}})
async def notice_document(notice_id: str, sha256: str, runtime: Runtime, principal: CurrentPrincipal) -> Response:
    """A document attached to the notice (a judgment, say), for its addressee."""
    listed, data = await service.document(runtime, principal=principal, notice_id=notice_id, sha256=sha256)
    return Response(data, media_type=listed.media_type, headers={"x-content-sha256": listed.sha256})
