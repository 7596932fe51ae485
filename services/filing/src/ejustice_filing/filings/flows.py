"""What the filing service does when other services' events arrive: every one lands in the dossier."""

from ejustice_filing.access import service as access
from ejustice_filing.filings import service
from ejustice_shared.commits import Commit
from ejustice_shared.events import (
    Envelope,
    FeeAssessed,
    FilingFeeRecorded,
    FilingNoted,
    FilingPaid,
    NoticeDelivered,
    NoticeServed,
    NoticeViewed,
    PaperServiceRecorded,
    PaperServiceRequested,
    PaymentCompleted,
)
from ejustice_shared.runtime import ServiceRuntime


async def on_fee_assessed(runtime: ServiceRuntime, envelope: Envelope, fee: FeeAssessed) -> None:
    def decide(history: list[Commit]) -> list[Envelope]:
        filing = known(history, fee.filing_id)
        if filing.fee is not None:
            return []
        return [service.wrap(FilingFeeRecorded(
            filing_id=fee.filing_id, assessment_id=fee.assessment_id, fee=fee.amount, fee_code=fee.fee_code,
            fee_version=fee.fee_version, cause_event_id=envelope.id), fee.filing_id)]

    await runtime.commits.execute(service.stream_of(fee.filing_id), decide, cause=envelope.id,
                                  actor={"service": envelope.source})


async def on_payment_completed(runtime: ServiceRuntime, envelope: Envelope, paid: PaymentCompleted) -> None:
    """Paid: record it and forward the filing to its court, in one dossier entry."""
    filing = known(await runtime.commits.load(service.stream_of(paid.filing_id)), paid.filing_id)
    await access.grant(runtime, filing_id=paid.filing_id, keys=[access.court_key(filing.court.court_id)])

    def decide(history: list[Commit]) -> list[Envelope]:
        current = known(history, paid.filing_id)
        if current.payment is not None:
            return []
        return [service.wrap(FilingPaid(filing_id=paid.filing_id, payment_id=paid.payment_id, amount=paid.amount,
                                        receipt_number=paid.receipt_number, cause_event_id=envelope.id),
                             paid.filing_id),
                service.wrap(service.forwarding(current, court_id=current.court.court_id,
                                                court_reason=current.court.reason), paid.filing_id)]

    await runtime.commits.execute(service.stream_of(paid.filing_id), decide, cause=envelope.id,
                                  actor={"service": envelope.source})


async def on_noticed(runtime: ServiceRuntime, envelope: Envelope,
                     event: NoticeDelivered | NoticeViewed | NoticeServed | PaperServiceRequested
                     | PaperServiceRecorded) -> None:
    """Notices and paper service about a filing enter its dossier as they happen."""
    if not event.filing_id:
        return
    summary = {k: v for k, v in event.model_dump().items()
               if k != "filing_id" and (v is None or isinstance(v, str | int))}
    noted = FilingNoted(filing_id=event.filing_id, event_type=envelope.type, event_id=envelope.id,
                        source=envelope.source, summary=summary)

    def decide(history: list[Commit]) -> list[Envelope]:
        known(history, event.filing_id)
        return [service.wrap(noted, event.filing_id)]

    await runtime.commits.execute(service.stream_of(event.filing_id), decide, cause=envelope.id,
                                  actor={"service": envelope.source})


def known(history: list[Commit], filing_id: str):
    filing = service.fold(history)
    if filing is None:
        raise LookupError(f"event for unknown filing {filing_id}")
    return filing
