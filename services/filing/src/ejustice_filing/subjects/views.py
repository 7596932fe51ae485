from fastapi import APIRouter

from ejustice_filing.subjects import service
from ejustice_filing.subjects.models import SubjectRead

router = APIRouter(prefix="/subjects", tags=["subjects"])


@router.get("")
async def list_subjects() -> list[SubjectRead]:
    return list(service.catalog().values())
