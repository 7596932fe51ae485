"""What the payment service does when other services' events arrive."""

from ejustice_payment.fees import service
from ejustice_payment.ledger import service as ledger
from ejustice_payment.refunds import service as refunds
from ejustice_shared.events import Envelope, FilingResubmitted, FilingSubmitted
from ejustice_shared.runtime import ServiceRuntime


async def on_filing_submitted(runtime: ServiceRuntime, envelope: Envelope, event: FilingSubmitted) -> None:
    await service.assess(runtime, cause=envelope, filing=event)


async def on_filing_resubmitted(runtime: ServiceRuntime, envelope: Envelope, event: FilingResubmitted) -> None:
    """A corrected filing with another claim or subject: assess again; a lowered fee's excess is refunded."""
    money = await ledger.load_money(runtime, event.filing_id)
    reassessed = await service.reassess(runtime, cause=envelope, filing=event, collected=money.net_towards_fee())
    await refunds.refund_excess(runtime, reassessed)
