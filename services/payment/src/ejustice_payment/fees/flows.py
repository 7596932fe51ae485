"""What the payment service does when other services' events arrive."""

from ejustice_payment.fees import service
from ejustice_shared.events import Envelope, FilingSubmitted
from ejustice_shared.runtime import ServiceRuntime


async def on_filing_submitted(runtime: ServiceRuntime, envelope: Envelope, event: FilingSubmitted) -> None:
    await service.assess(runtime, cause=envelope, filing=event)
