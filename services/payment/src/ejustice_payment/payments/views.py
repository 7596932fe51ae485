import time
from typing import Annotated

from fastapi import APIRouter, Header, Request, Response, status

from ejustice_payment.payments import service
from ejustice_payment.payments.models import CallbackAnswer, PaymentCreate, PaymentCreated, PaymentRead
from ejustice_payment.providers.service import CallbackRejected, provider_of
from ejustice_shared.auth import CurrentPrincipal
from ejustice_shared.problems import language
from ejustice_shared.runtime import Runtime

router = APIRouter(prefix="/payments", tags=["payments"])

IdempotencyKey = Annotated[str, Header(min_length=1, max_length=100,
                                       description="Chosen by the client; resending it repeats the request.")]


@router.post("", status_code=status.HTTP_201_CREATED, responses={200: {"description": "A replay of the same key"}})
async def request_payment(create: PaymentCreate, idempotency_key: IdempotencyKey, runtime: Runtime,
                          principal: CurrentPrincipal, response: Response) -> PaymentCreated:
    created, made_here = await service.request_payment(runtime, principal=principal,
                                                       idempotency_key=idempotency_key, create=create)
    if not made_here:
        response.status_code = status.HTTP_200_OK
        response.headers["Idempotent-Replayed"] = "true"
    return created


@router.post("/callback")
async def provider_callback(request: Request, runtime: Runtime) -> CallbackAnswer:
    """The provider's signed callback: no user token, the signature over the raw body authenticates it."""
    provider = provider_of(runtime)
    try:
        callback = provider.verify_callback(request.headers, await request.body(), time.time())
    except CallbackRejected as rejected:
        raise rejected.problem(language(request)) from None
    return await service.record_callback(runtime, provider=provider, callback=callback)


@router.get("/{payment_id}")
async def read_payment(payment_id: str, runtime: Runtime, principal: CurrentPrincipal) -> PaymentRead:
    return await service.get_payment(runtime, principal=principal, payment_id=payment_id)
