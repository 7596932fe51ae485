"""What the filing service does when other services' events arrive: every one lands in the dossier."""

from dataclasses import dataclass

from ejustice_filing.access import service as access
from ejustice_filing.filings import service
from ejustice_filing.filings.events import FilingFeeRecorded, FilingNoFeeDue, FilingNoted, FilingPaid
from ejustice_filing.filings.models import FilingRead
from ejustice_shared.aggregate import Decision
from ejustice_shared.events import (
    Envelope,
    EventData,
    FeeAssessed,
    FeeReassessed,
    Money,
    NoticeDelivered,
    NoticeServed,
    NoticeViewed,
    PaperServiceRecorded,
    PaperServiceRequested,
    PaymentCompleted,
    PaymentExpired,
    PaymentRefunded,
    PaymentRefundRequested,
    ReconciliationMismatch,
)
from ejustice_shared.runtime import ServiceRuntime


@dataclass(frozen=True)
class RecordFee:
    fee: FeeAssessed | FeeReassessed
    cause_event_id: str


def record_fee(state: service.Filing, command: RecordFee) -> Decision:
    """Record the fee once per assessment; with nothing to pay, the filing goes to its court now."""
    filing, fee = known(state), command.fee
    reassessed = isinstance(fee, FeeReassessed)
    if filing.fee is not None and (not reassessed or filing.fee.assessment_id == fee.assessment_id):
        return Decision([])
    events: list[EventData] = [FilingFeeRecorded(
        filing_id=fee.filing_id, assessment_id=fee.assessment_id, fee=fee.amount, fee_code=fee.fee_code,
        fee_version=fee.fee_version, cause_event_id=command.cause_event_id, due=fee.due if reassessed else None)]
    if nothing_due(fee) and filing.status == "submitted":
        if not reassessed:
            reason, excess = "zero-fee", None
        elif fee.excess.amount > 0:
            reason, excess = "fee-lowered", fee.excess
        else:
            reason, excess = "no-difference", None
        events += [FilingNoFeeDue(filing_id=fee.filing_id, assessment_id=fee.assessment_id, reason=reason,
                                  excess=excess, cause_event_id=command.cause_event_id), forwarding(filing)]
    return Decision(events)


def nothing_due(fee: FeeAssessed | FeeReassessed) -> bool:
    return (fee.due if isinstance(fee, FeeReassessed) else fee.amount).amount == 0


async def on_fee_assessed(runtime: ServiceRuntime, envelope: Envelope, fee: FeeAssessed | FeeReassessed) -> None:
    """Record the fee; a filing with no fee due goes to its court at once, noted as "no fee due".

    A corrected filing's new fee (`fee.reassessed`): the difference is to pay before it goes back;
    with none, it goes back now. A lowered fee sends it back at once too; the payment service
    refunds the excess (its events follow).
    """
    if nothing_due(fee):
        await grant_court(runtime, fee.filing_id)
    await service.aggregate.execute(runtime.commits, fee.filing_id, record_fee, RecordFee(fee, envelope.id),
                                    cause=envelope.id, actor={"service": envelope.source})


@dataclass(frozen=True)
class RecordPayment:
    paid: PaymentCompleted
    cause_event_id: str


def record_payment(state: service.Filing, command: RecordPayment) -> Decision:
    """Paid (the fee, or a reassessment's difference): record it and forward the filing, in one dossier entry."""
    current, paid = known(state), command.paid
    if current.payment is not None and current.payment.payment_id == paid.payment_id:
        return Decision([])
    paid_entry = FilingPaid(filing_id=paid.filing_id, payment_id=paid.payment_id, amount=paid.amount,
                            receipt_number=paid.receipt_number, cause_event_id=command.cause_event_id)
    if current.status != "submitted":  # a payment of an earlier assessment, arriving late: noted only
        return Decision([paid_entry])
    return Decision([paid_entry, forwarding(current)])


async def on_payment_completed(runtime: ServiceRuntime, envelope: Envelope, paid: PaymentCompleted) -> None:
    await grant_court(runtime, paid.filing_id)
    await service.aggregate.execute(runtime.commits, paid.filing_id, record_payment, RecordPayment(paid, envelope.id),
                                    cause=envelope.id, actor={"service": envelope.source})


async def grant_court(runtime: ServiceRuntime, filing_id: str) -> None:
    """The court may read the filing from the moment it is forwarded: grant first, then commit."""
    filing = known(await service.aggregate.state(runtime.commits, filing_id))
    if filing.court is not None:
        await access.grant(runtime, filing_id=filing_id, keys=[access.court_key(filing.court.court_id)])


def forwarding(filing: FilingRead):
    return service.forwarding(filing, court_id=filing.court.court_id, court_reason=filing.court.reason)


def note(state: service.Filing, noted: FilingNoted) -> Decision:
    known(state)
    return Decision([noted])


async def on_noticed(runtime: ServiceRuntime, envelope: Envelope,
                     event: NoticeDelivered | NoticeViewed | NoticeServed | PaperServiceRequested
                     | PaperServiceRecorded | PaymentExpired | PaymentRefundRequested | PaymentRefunded
                     | ReconciliationMismatch) -> None:
    """Notices, paper service and the fee's refunds and expiries about a filing enter its dossier as they happen."""
    if not event.filing_id:
        return
    noted = FilingNoted(filing_id=event.filing_id, event_type=envelope.type, event_id=envelope.id,
                        source=envelope.source, summary=summary(event))
    await service.aggregate.execute(runtime.commits, event.filing_id, note, noted, cause=envelope.id,
                                    actor={"service": envelope.source})


# Kept out of the dossier, which other parties read: a receipt's code is for its payer (their ledger).
NOT_NOTED = {"filing_id", "verification_code"}


def summary(event: EventData) -> dict[str, str | int | None]:
    """The event's plain fields, an amount as "<minor units> <currency>"."""
    out: dict[str, str | int | None] = {}
    for name in event.model_fields:
        if name in NOT_NOTED:
            continue
        value = getattr(event, name)
        if isinstance(value, Money):
            out[name] = f"{value.amount} {value.currency}"
        elif value is None or isinstance(value, str | int):
            out[name] = value
    return out


def known(state: service.Filing) -> FilingRead:
    """The filing an event is about; an event for a filing unknown here is retried (it may be on its way)."""
    if state.read is None:
        raise LookupError("event for an unknown filing")
    return state.read
