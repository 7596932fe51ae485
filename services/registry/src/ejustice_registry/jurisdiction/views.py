from typing import Annotated

from fastapi import APIRouter, Query, Request

from ejustice_registry.jurisdiction import service
from ejustice_registry.jurisdiction.models import CompetentCourtQuery, CompetentCourtRead
from ejustice_shared.problems import language

router = APIRouter(prefix="/jurisdiction", tags=["jurisdiction"])


@router.get("/competent-court")
async def competent_court(request: Request, query: Annotated[CompetentCourtQuery, Query()]) -> CompetentCourtRead:
    """The court competent for a subject and the parties' places, with the rule and the reason in words.

    Reference data, so no token is needed; the filing service calls it at submission.
    """
    return service.competent_court(query, language=language(request))
