from typing import Annotated

from fastapi import APIRouter, Query

from ejustice_payment.payments import service as payments
from ejustice_payment.receipts.models import ReceiptVerification
from ejustice_shared.runtime import Runtime

router = APIRouter(prefix="/receipts", tags=["receipts"])


@router.get("/verify", response_model_exclude_none=True)
async def verify_receipt(receipt_number: Annotated[str, Query(min_length=1, max_length=40)],
                         verification_code: Annotated[str, Query(min_length=1, max_length=40)],
                         runtime: Runtime) -> ReceiptVerification:
    """Anyone holding a receipt (a court clerk, the other party) can check that it is genuine."""
    return await payments.verify_receipt(runtime, receipt_number=receipt_number,
                                         verification_code=verification_code)
