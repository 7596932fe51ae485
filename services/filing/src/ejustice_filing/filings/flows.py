"""What the filing service does when other services' events arrive."""

from ejustice_filing.filings import service
from ejustice_shared.events import Envelope, FeeAssessed
from ejustice_shared.runtime import ServiceRuntime


async def on_fee_assessed(runtime: ServiceRuntime, envelope: Envelope, event: FeeAssessed) -> None:
    await service.record_fee(runtime, cause=envelope, fee=event)
