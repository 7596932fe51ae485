from typing import Literal

from fastapi import APIRouter, Query

from ejustice_payment.fees import service
from ejustice_payment.fees.models import AssessmentRead, FeeCodeRead, FeeQuote
from ejustice_shared import clock
from ejustice_shared.auth import CurrentPrincipal
from ejustice_shared.events import Money
from ejustice_shared.events.catalog import MAX_AMOUNT
from ejustice_shared.problems import Problem
from ejustice_shared.runtime import Runtime

router = APIRouter(tags=["fees"])


@router.get("/fees")
async def list_fee_codes() -> list[FeeCodeRead]:
    return service.schedule().fee_codes


@router.get("/fees/quote")
async def quote_fee(jurisdiction: Literal["IR", "VN"], subject_code: str = Query(min_length=1, max_length=64),
                    amount: int = Query(0, ge=0, le=MAX_AMOUNT),
                    currency: Literal["IRR", "VND"] = "IRR") -> FeeQuote:
    """What the fee would be today for this subject and claim, with its legal basis: shown before submitting."""
    try:
        return service.quote(jurisdiction=jurisdiction, subject_code=subject_code,
                             claim=Money(amount=amount, currency=currency), on=clock.now().date())
    except service.NoFeeCode as exc:
        raise Problem(404, "fee-code-not-found", detail=str(exc)) from None


@router.get("/assessments/{filing_id}")
async def read_assessment(filing_id: str, runtime: Runtime, principal: CurrentPrincipal) -> AssessmentRead:
    return await service.get_assessment(runtime, principal=principal, filing_id=filing_id)
