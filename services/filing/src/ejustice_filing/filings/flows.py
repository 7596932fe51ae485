"""What the filing service does when other services' events arrive: every one lands in the dossier."""

from ejustice_filing.access import service as access
from ejustice_filing.filings import service
from ejustice_filing.filings.models import FilingRead
from ejustice_shared.commits import Commit
from ejustice_shared.events import (
    Envelope,
    EventData,
    FeeAssessed,
    FeeReassessed,
    FilingFeeRecorded,
    FilingNoFeeDue,
    FilingNoted,
    FilingPaid,
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


async def on_fee_assessed(runtime: ServiceRuntime, envelope: Envelope, fee: FeeAssessed) -> None:
    """Record the fee; a filing with no fee due goes to its court at once, noted as "no fee due"."""
    no_fee = fee.amount.amount == 0
    if no_fee:
        await grant_court(runtime, fee.filing_id)

    def decide(history: list[Commit]) -> list[Envelope]:
        filing = known(history, fee.filing_id)
        if filing.fee is not None:
            return []
        events: list[EventData] = [FilingFeeRecorded(
            filing_id=fee.filing_id, assessment_id=fee.assessment_id, fee=fee.amount, fee_code=fee.fee_code,
            fee_version=fee.fee_version, cause_event_id=envelope.id)]
        if no_fee and filing.status == "submitted":
            events += [FilingNoFeeDue(filing_id=fee.filing_id, assessment_id=fee.assessment_id, reason="zero-fee",
                                      cause_event_id=envelope.id), forwarding(filing)]
        return [service.wrap(event, fee.filing_id) for event in events]

    await runtime.commits.execute(service.stream_of(fee.filing_id), decide, cause=envelope.id,
                                  actor={"service": envelope.source})


async def on_fee_reassessed(runtime: ServiceRuntime, envelope: Envelope, fee: FeeReassessed) -> None:
    """A corrected filing's new fee: the difference is to pay before it goes back; with none, it goes back now.

    A lowered fee sends it back at once too; the payment service refunds the excess (its events follow).
    """
    nothing_due = fee.due.amount == 0
    if nothing_due:
        await grant_court(runtime, fee.filing_id)

    def decide(history: list[Commit]) -> list[Envelope]:
        filing = known(history, fee.filing_id)
        if filing.fee is not None and filing.fee.assessment_id == fee.assessment_id:
            return []
        events: list[EventData] = [FilingFeeRecorded(
            filing_id=fee.filing_id, assessment_id=fee.assessment_id, fee=fee.amount, fee_code=fee.fee_code,
            fee_version=fee.fee_version, cause_event_id=envelope.id, due=fee.due)]
        if nothing_due and filing.status == "submitted":
            lowered = fee.excess.amount > 0
            events += [FilingNoFeeDue(filing_id=fee.filing_id, assessment_id=fee.assessment_id,
                                      reason="fee-lowered" if lowered else "no-difference",
                                      excess=fee.excess if lowered else None, cause_event_id=envelope.id),
                       forwarding(filing)]
        return [service.wrap(event, fee.filing_id) for event in events]

    await runtime.commits.execute(service.stream_of(fee.filing_id), decide, cause=envelope.id,
                                  actor={"service": envelope.source})


async def on_payment_completed(runtime: ServiceRuntime, envelope: Envelope, paid: PaymentCompleted) -> None:
    """Paid (the fee, or a reassessment's difference): record it and forward the filing, in one dossier entry."""
    await grant_court(runtime, paid.filing_id)

    def decide(history: list[Commit]) -> list[Envelope]:
        current = known(history, paid.filing_id)
        paid_entry = service.wrap(FilingPaid(filing_id=paid.filing_id, payment_id=paid.payment_id, amount=paid.amount,
                                             receipt_number=paid.receipt_number, cause_event_id=envelope.id),
                                  paid.filing_id)
        if current.payment is not None and current.payment.payment_id == paid.payment_id:
            return []
        if current.status != "submitted":  # a payment of an earlier assessment, arriving late: noted only
            return [paid_entry]
        return [paid_entry, service.wrap(forwarding(current), paid.filing_id)]

    await runtime.commits.execute(service.stream_of(paid.filing_id), decide, cause=envelope.id,
                                  actor={"service": envelope.source})


async def grant_court(runtime: ServiceRuntime, filing_id: str) -> None:
    """The court may read the filing from the moment it is forwarded: grant first, then commit."""
    filing = known(await runtime.commits.load(service.stream_of(filing_id)), filing_id)
    if filing.court is not None:
        await access.grant(runtime, filing_id=filing_id, keys=[access.court_key(filing.court.court_id)])


def forwarding(filing: FilingRead):
    return service.forwarding(filing, court_id=filing.court.court_id, court_reason=filing.court.reason)


async def on_noticed(runtime: ServiceRuntime, envelope: Envelope,
                     event: NoticeDelivered | NoticeViewed | NoticeServed | PaperServiceRequested
                     | PaperServiceRecorded | PaymentExpired | PaymentRefundRequested | PaymentRefunded
                     | ReconciliationMismatch) -> None:
    """Notices, paper service and the fee's refunds and expiries about a filing enter its dossier as they happen."""
    if not event.filing_id:
        return
    noted = FilingNoted(filing_id=event.filing_id, event_type=envelope.type, event_id=envelope.id,
                        source=envelope.source, summary=summary(event))

    def decide(history: list[Commit]) -> list[Envelope]:
        known(history, event.filing_id)
        return [service.wrap(noted, event.filing_id)]

    await runtime.commits.execute(service.stream_of(event.filing_id), decide, cause=envelope.id,
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


def known(history: list[Commit], filing_id: str) -> FilingRead:
    filing = service.fold(history)
    if filing is None:
        raise LookupError(f"event for unknown filing {filing_id}")
    return filing
