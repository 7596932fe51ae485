"""The facts statistics count, from events: the service's own (notices' steps and paper service), filings and
payments. E-box notices themselves are counted where they are delivered (notices/service.py)."""

from ejustice_notification.common import settled
from ejustice_notification.notices import service as notices
from ejustice_notification.paper import service as paper
from ejustice_notification.statistics import service
from ejustice_shared.events import (
    Envelope,
    FilingSubmitted,
    NoticeServed,
    NoticeViewed,
    PaperServiceRecorded,
    PaperServiceRequested,
    PaymentCompleted,
    PaymentRefunded,
)
from ejustice_shared.runtime import ServiceRuntime


async def on_paper_requested(runtime: ServiceRuntime, envelope: Envelope, event: PaperServiceRequested) -> None:
    opened = await paper.opened(runtime, event.task_id)
    if opened is not None:
        await service.count_notice(runtime, notice_id=event.task_id, content=opened.content, channel="paper",
                                   created_at=envelope.time)


async def on_notice_viewed(runtime: ServiceRuntime, envelope: Envelope, event: NoticeViewed) -> None:
    await _count_ebox_step(runtime, notice_id=event.notice_id, step="seen", at=event.viewed_at)


async def on_notice_served(runtime: ServiceRuntime, envelope: Envelope, event: NoticeServed) -> None:
    if settled(runtime).take(service.step_key(event.notice_id, "served")):  # counted by its batch
        return
    await _count_ebox_step(runtime, notice_id=event.notice_id, step="served", at=event.served_at)


async def _count_ebox_step(runtime: ServiceRuntime, *, notice_id: str, step: str, at: str) -> None:
    """An e-box notice's step. The notice is counted where it is delivered, which may be after its events
    arrive here (its delivery retried after a crash, or its handlers racing): then it is counted from its stream."""
    if await service.count_step(runtime, notice_id=notice_id, step=step, at=at):
        return
    notice = await notices.load(runtime, notice_id)
    if notice is not None:
        await notices.count(runtime, notice)
        await service.count_step(runtime, notice_id=notice_id, step=step, at=at)


async def on_paper_recorded(runtime: ServiceRuntime, envelope: Envelope, event: PaperServiceRecorded) -> None:
    """A paper notice served in hand is both seen and served; refused or not found is neither."""
    if event.outcome == "served" and event.served_at:
        for step in ("seen", "served"):
            await service.count_step(runtime, notice_id=event.task_id, step=step, at=event.served_at)


async def on_filing_submitted(runtime: ServiceRuntime, envelope: Envelope, event: FilingSubmitted) -> None:
    await service.count_filing(runtime, filing_id=event.filing_id, subject_code=event.subject_code,
                               court_id=event.court_id, at=envelope.time)


async def on_payment_completed(runtime: ServiceRuntime, envelope: Envelope, event: PaymentCompleted) -> None:
    await service.count_fee(runtime, key=f"payment-{event.payment_id}", fee_code=event.fee_code,
                            currency=event.amount.currency, amount=event.amount.amount, at=event.paid_at)


async def on_payment_refunded(runtime: ServiceRuntime, envelope: Envelope, event: PaymentRefunded) -> None:
    paid = await service.fee_of_payment(runtime, event.payment_id)
    if paid is not None:  # a refund of a payment counted here is taken off its fee code
        await service.count_fee(runtime, key=f"refund-{event.refund_id}", fee_code=paid["fee_code"],
                                currency=event.amount.currency, amount=-event.amount.amount, at=event.refunded_at)
