from typing import Annotated

from fastapi import APIRouter, Header
from fastapi.responses import PlainTextResponse

from ejustice_payment.payments import service as payments
from ejustice_payment.pos import service
from ejustice_payment.pos.models import PosPaymentCreate, PosPaymentRead
from ejustice_shared.auth import CurrentPrincipal, Principal, Role, require
from ejustice_shared.problems import Problem
from ejustice_shared.runtime import Runtime

router = APIRouter(prefix="/payments", tags=["pos"])
Clerk = Annotated[Principal, require(Role.CLERK)]
IdempotencyKey = Annotated[str, Header(min_length=1, max_length=100,
                                       description="Chosen by the console; resending it never charges twice.")]


@router.post("/pos")
async def take_fee_at_pos(create: PosPaymentCreate, idempotency_key: IdempotencyKey, runtime: Runtime,
                          principal: Clerk) -> PosPaymentRead:
    """The fee on the counter's POS terminal (a few seconds): paid, or declined / timed out with nothing taken."""
    return await service.take_fee(runtime, principal=principal, idempotency_key=idempotency_key, create=create)


@router.get("/{payment_id}/receipt", response_class=PlainTextResponse,
            responses={200: {"content": {"text/plain": {}}, "description": "The receipt slip, to print."}})
async def print_receipt(payment_id: str, runtime: Runtime, principal: CurrentPrincipal) -> PlainTextResponse:
    """The receipt of a paid payment, for the payer (or a clerk acting for them), to print at any time."""
    payment = await payments.get_payment(runtime, principal=principal, payment_id=payment_id)
    if payment.receipt is None:
        raise Problem(409, "not-paid", detail="This payment is not paid; there is no receipt.")
    return PlainTextResponse(service.receipt_slip(payment))
