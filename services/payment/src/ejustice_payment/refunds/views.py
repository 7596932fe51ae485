import time

from fastapi import APIRouter, Request

from ejustice_payment.payments.models import CallbackAnswer
from ejustice_payment.providers.service import CallbackRejected, provider_of
from ejustice_payment.refunds import service
from ejustice_shared.problems import language
from ejustice_shared.runtime import Runtime

router = APIRouter(prefix="/payments/refunds", tags=["refunds"])


@router.post("/callback")
async def refund_callback(request: Request, runtime: Runtime) -> CallbackAnswer:
    """The provider's signed refund callback: no user token, the signature over the raw body authenticates it."""
    provider = provider_of(runtime)
    try:
        callback = provider.verify_refund_callback(request.headers, await request.body(), time.time())
    except CallbackRejected as rejected:
        raise rejected.problem(language(request)) from None
    return await service.record_callback(runtime, provider=provider, callback=callback)
