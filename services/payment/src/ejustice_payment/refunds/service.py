"""Refunds: money taken beyond the fee goes back through the provider, with a receipt.

A refund is decided in the filing's money stream (ledger.service) as `payment.refund_requested`
(double collection, or a fee lowered on reassessment); the provider is then asked, and its signed
refund callback records `payment.refunded` with a receipt. Two claims (unique inserts) keep track:
`refunds` {_id: refund id, filing_id, payment_id}, written before the decision, tells a callback
which filing it is about; `open_refunds` {_id: refund id, asked_at} lists refunds the provider has
not confirmed, so a periodic sweep asks again (providers key refunds by id: never twice).
"""

import contextlib
import hmac
import uuid
from dataclasses import dataclass, replace
from datetime import timedelta

import structlog
from pymongo.errors import DuplicateKeyError

from ejustice_payment.ledger import service as ledger
from ejustice_payment.payments.models import CallbackAnswer
from ejustice_payment.providers.models import RefundCallbackData, RefundOrder
from ejustice_payment.providers.service import PaymentProvider, provider_of
from ejustice_payment.receipts import service as receipts
from ejustice_payment.receipts.models import ReceiptVerification
from ejustice_shared import clock
from ejustice_shared.aggregate import Decision, Missing
from ejustice_shared.events import FeeReassessed, Money, PaymentRefunded, PaymentRefundRequested
from ejustice_shared.events.catalog import RefundReason
from ejustice_shared.problems import Problem
from ejustice_shared.runtime import ServiceRuntime

log = structlog.get_logger()

REFUNDS = "refunds"
OPEN_REFUNDS = "open_refunds"
# A claim whose decision never followed (the decision went another way, or a crash) is dropped after this.
ABANDONED_AFTER = timedelta(minutes=10)
REFUND_IDS = uuid.UUID("5d0c8f0e-7a51-4a8e-9d38-2f4c1b6e0a11")


def refund_id_for(*parts: str) -> str:
    """The same refund, however many times it is decided again: its id follows from what it returns."""
    return uuid.uuid5(REFUND_IDS, "/".join(parts)).hex


async def claim(runtime: ServiceRuntime, refund: PaymentRefundRequested) -> None:
    """Write the refund's claims before its decision is committed, so a crash leaves it findable."""
    for collection, doc in ((REFUNDS, {"filing_id": refund.filing_id, "payment_id": refund.payment_id}),
                            (OPEN_REFUNDS, {"filing_id": refund.filing_id, "asked_at": clock.iso()})):
        with contextlib.suppress(DuplicateKeyError):
            await runtime.db[collection].insert_one({"_id": refund.refund_id, **doc})


def refund_request(*, refund_id: str, filing_id: str, payer_id: str, payment_id: str, provider_reference: str,
                   amount: Money, reason: RefundReason, requested_at: str) -> PaymentRefundRequested:
    return PaymentRefundRequested(refund_id=refund_id, filing_id=filing_id, payer_id=payer_id, payment_id=payment_id,
                                  provider_reference=provider_reference, amount=amount, reason=reason,
                                  requested_at=requested_at)


async def ask_provider(runtime: ServiceRuntime, refunds: list[PaymentRefundRequested]) -> None:
    """Ask the provider for each refund; one that fails now is asked again by the sweep."""
    provider = provider_of(runtime)
    for refund in refunds:
        try:
            await provider.refund(RefundOrder(refund_id=refund.refund_id, payment_id=refund.payment_id,
                                              provider_reference=refund.provider_reference, amount=refund.amount))
        except Exception as exc:
            log.warning("refund request failed, the sweep asks again", refund_id=refund.refund_id, error=repr(exc))


@dataclass(frozen=True)
class RefundExcess:
    reassessed: FeeReassessed
    requested_at: str
    claimed: frozenset[str] = frozenset()  # refunds whose claims are written


def refund_excess_of(money: ledger.FilingMoney, command: RefundExcess) -> Decision:
    """Give back the excess from the latest captures towards the fee."""
    reassessed, asked = command.reassessed, []
    left = reassessed.excess.amount
    for capture, refundable in money.refundable():
        if left == 0:
            break
        share = min(left, refundable)
        left -= share
        asked.append(refund_request(
            refund_id=refund_id_for(reassessed.assessment_id, capture.provider_reference),
            filing_id=reassessed.filing_id, payer_id=reassessed.payer_id, payment_id=capture.payment_id,
            provider_reference=capture.provider_reference, amount=Money(amount=share, currency=capture.amount.currency),
            reason="fee-lowered", requested_at=command.requested_at))
    if unclaimed := [refund for refund in asked if refund.refund_id not in command.claimed]:
        raise Missing(*unclaimed)
    return Decision(asked)


async def claimed_first(runtime: ServiceRuntime, execute, command):
    """Execute; when the decision names refunds whose claims are not written yet, write them and decide again."""
    while True:
        try:
            return await execute(command)
        except Missing as missing:
            for refund in missing.needed:
                await claim(runtime, refund)
            command = replace(command, claimed=command.claimed | {r.refund_id for r in missing.needed})


async def refund_excess(runtime: ServiceRuntime, reassessed: FeeReassessed) -> None:
    """A lowered fee: give back the excess, once per reassessment."""
    if reassessed.excess.amount == 0:
        return
    outcome = await claimed_first(runtime, lambda command: ledger.filing_money.execute(
        runtime.commits, reassessed.filing_id, refund_excess_of, command, cause=f"excess-{reassessed.assessment_id}",
        actor={"service": ledger.SOURCE}), RefundExcess(reassessed, clock.iso()))
    await ask_provider(runtime, [r.requested for r in outcome.state.refunds.values()
                                 if r.refunded is None and r.requested.reason == "fee-lowered"])


# --- the provider's refund callback -----------------------------------------------------------------


@dataclass(frozen=True)
class Refunded:
    asked: PaymentRefundRequested
    refund_reference: str
    refunded_at: str
    receipt: receipts.ReceiptClaim | None = None


def record_refund(money: ledger.FilingMoney, command: Refunded) -> Decision:
    asked = command.asked
    if money.refunds[asked.refund_id].refunded is not None:
        return Decision([])
    if (receipt := command.receipt) is None:
        raise Missing("receipt")
    return Decision([PaymentRefunded(
        refund_id=asked.refund_id, filing_id=asked.filing_id, payer_id=asked.payer_id, payment_id=asked.payment_id,
        amount=asked.amount, reason=asked.reason, receipt_number=receipt.receipt_number,
        verification_code=receipt.verification_code, refund_reference=command.refund_reference,
        refunded_at=command.refunded_at)])


async def record_callback(runtime: ServiceRuntime, *, provider: PaymentProvider,
                          callback: RefundCallbackData) -> CallbackAnswer:
    """Record a confirmed refund once, with its receipt; a replay changes nothing and says so."""
    doc = await runtime.db[REFUNDS].find_one({"_id": callback.refund_id})
    money = await ledger.load_money(runtime, doc["filing_id"]) if doc else None
    refund = money.refunds.get(callback.refund_id) if money else None
    if refund is None or refund.requested.payment_id != callback.payment_id:
        raise Problem(404, "refund-not-found", detail="The callback names no refund of this service.")
    asked = refund.requested
    errors = [{"field": f"amount.{part}", "code": "amount-mismatch",
               "reason": f"The refund is for {asked.amount.amount} {asked.amount.currency}."}
              for part in ("amount", "currency") if getattr(callback.amount, part) != getattr(asked.amount, part)]
    if errors:
        raise Problem(422, "callback-amount-mismatch", detail="The callback's amount is not the refund's.",
                      errors=errors)
    command = Refunded(asked, callback.refund_reference, clock.iso())
    while True:
        try:
            outcome = await ledger.filing_money.execute(runtime.commits, asked.filing_id, record_refund, command,
                                                        cause=f"refunded-{asked.refund_id}",
                                                        actor={"provider": provider.name})
            break
        except Missing:
            command = replace(command, receipt=await receipts.claim(
                runtime, payment_id=asked.payment_id, filing_id=asked.filing_id, refund_id=asked.refund_id))
    if command.receipt is not None and not outcome.stored:
        await receipts.release(runtime, command.receipt)
    done = outcome.state.refunds[asked.refund_id].refunded
    await ledger.book(runtime, transaction="refund", reference=done.refund_reference, payment_id=asked.payment_id,
                      filing_id=asked.filing_id, amount=done.amount, at=done.refunded_at)
    await runtime.db[OPEN_REFUNDS].delete_one({"_id": asked.refund_id})
    return CallbackAnswer(status="processed" if outcome.stored else "already-processed")


async def sweep(runtime: ServiceRuntime) -> int:
    """Ask again for refunds the provider has not confirmed in time; drop claims no decision followed."""
    now = clock.now()
    retry_before = clock.iso(now - timedelta(seconds=runtime.settings.refund_retry_seconds))
    asked_again = 0
    for doc in await runtime.db[OPEN_REFUNDS].find({"asked_at": {"$lt": retry_before}}).to_list(None):
        refund = (await ledger.load_money(runtime, doc["filing_id"])).refunds.get(doc["_id"])
        if refund is None:
            if doc["asked_at"] < clock.iso(now - ABANDONED_AFTER):
                await runtime.db[OPEN_REFUNDS].delete_one({"_id": doc["_id"]})
            continue
        if refund.refunded is not None:
            await runtime.db[OPEN_REFUNDS].delete_one({"_id": doc["_id"]})
            continue
        await runtime.db[OPEN_REFUNDS].update_one({"_id": doc["_id"]}, {"$set": {"asked_at": clock.iso()}})
        await ask_provider(runtime, [refund.requested])
        asked_again += 1
    return asked_again


async def verify_receipt(runtime: ServiceRuntime, claim_: receipts.ReceiptClaim, code: str) -> ReceiptVerification:
    """A refund's receipt is genuine when its refund was confirmed with that very number and code."""
    doc = await runtime.db[REFUNDS].find_one({"_id": claim_.refund_id})
    refund = (await ledger.load_money(runtime, doc["filing_id"])).refunds.get(claim_.refund_id) if doc else None
    done = refund.refunded if refund else None
    if done is None or done.receipt_number != claim_.receipt_number or \
            not hmac.compare_digest(done.verification_code.encode(), code.encode()):
        return ReceiptVerification(valid=False)
    return ReceiptVerification(valid=True, kind="refund", filing_id=done.filing_id, amount=done.amount,
                               paid_at=done.refunded_at)
