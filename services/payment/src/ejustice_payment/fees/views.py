from fastapi import APIRouter

from ejustice_payment.fees import service
from ejustice_payment.fees.models import AssessmentRead, FeeCodeRead
from ejustice_shared.auth import CurrentPrincipal
from ejustice_shared.runtime import Runtime

router = APIRouter(tags=["fees"])


@router.get("/fees")
async def list_fee_codes() -> list[FeeCodeRead]:
    return service.schedule().fee_codes


@router.get("/assessments/{filing_id}")
async def read_assessment(filing_id: str, runtime: Runtime, principal: CurrentPrincipal) -> AssessmentRead:
    return await service.get_assessment(runtime, principal=principal, filing_id=filing_id)
