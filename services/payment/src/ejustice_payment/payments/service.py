"""Payment requests, from the payer's POST to the provider's signed callback.

Streams (all appends, read by `_id` point look-ups):
- `payment-<payment id>`: the request (`payment.requested`, with the fee code and version it
  pays), then its outcome (`payment.completed`, published, or `payment.failed`);
- `filing-payments-<filing id>`: the filing's money stream (ledger.service): `payment.opened`, where
  "no new request while one is pending or paid" is decided, so racing requests cannot both open;
  `payment.captured`, where each capture is judged towards the fee or beyond it (then refunded);
  `payment.expired`, decided there too, so a capture and an expiry cannot both win.
Claims (unique inserts): `idempotency_keys` {_id: hash of payer and key, body hash, payment id},
the receipt numbers (receipts.service), and `pending_payments` {_id: payment id, filing_id,
expires_at}, which the expiry sweep reads and deletes once a payment is settled or expired.
"""

import contextlib
import hashlib
import hmac
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta

import structlog
from prometheus_client import Counter
from pymongo.errors import DuplicateKeyError

from ejustice_payment.fees import service as fees
from ejustice_payment.fees.models import AssessmentRead
from ejustice_payment.ledger import service as ledger
from ejustice_payment.payments.models import (
    CallbackAnswer,
    PaymentCaptured,
    PaymentCreate,
    PaymentCreated,
    PaymentFailed,
    PaymentOpened,
    PaymentRead,
    PaymentRequested,
)
from ejustice_payment.providers.models import CallbackData, PaymentOrder
from ejustice_payment.providers.service import PaymentProvider, provider_of
from ejustice_payment.receipts import service as receipts
from ejustice_payment.receipts.models import ReceiptRead, ReceiptVerification
from ejustice_payment.refunds import service as refunds
from ejustice_shared import clock
from ejustice_shared.auth import Principal
from ejustice_shared.commits import Commit, CommitStore, canonical_json
from ejustice_shared.events import Envelope, EventData, Money, PaymentCompleted, PaymentExpired
from ejustice_shared.faults import crash_point
from ejustice_shared.people import only_digits
from ejustice_shared.problems import Problem
from ejustice_shared.runtime import ServiceRuntime

SOURCE = "payment"
IDEMPOTENCY_KEYS = "idempotency_keys"
PENDING_PAYMENTS = "pending_payments"
log = structlog.get_logger()

DOUBLE_COLLECTIONS = Counter("payment_double_collections", "Captures beyond the fee, flagged and refunded",
                             ["reason"])
EXPIRED = Counter("payment_expired", "Payment requests that expired unpaid")
# Who finishes a request that a crash interrupted between its index entry and its own first commit.
RECOVERY_ACTOR = {"service": SOURCE, "recovered": "an interrupted payment request"}


def stream_of(payment_id: str) -> str:
    return f"payment-{payment_id}"


index_of = ledger.index_of


def wrap(data: EventData, filing_id: str) -> Envelope:
    return Envelope.wrap(data, source=SOURCE, subject=filing_id)


def now() -> str:
    return clock.iso()


# --- state -----------------------------------------------------------------------------------------


def fold(history: list[Commit]) -> PaymentRead | None:
    payment: PaymentRead | None = None
    for commit in history:
        for envelope in commit.events:
            match envelope.parse():
                case PaymentRequested() as requested:
                    payment = PaymentRead(**requested.model_dump(), status="pending", requested_at=envelope.time)
                case PaymentFailed() as failed:
                    payment = payment.model_copy(update={"status": "failed", "failed_at": failed.failed_at,
                                                         "pay_url": None})
                case PaymentCompleted() as completed:
                    receipt = ReceiptRead(receipt_number=completed.receipt_number, paid_at=completed.paid_at,
                                          verification_code=completed.verification_code,
                                          provider_reference=completed.provider_reference)
                    payment = payment.model_copy(update={"status": "paid", "receipt": receipt, "pay_url": None})
    return payment


def requested_in(history: list[Commit]) -> PaymentRequested | None:
    first = history[0].events[0] if history else None
    return first.parse() if first is not None else None


def with_money(payment: PaymentRead | None, money: ledger.FilingMoney) -> PaymentRead | None:
    """The payment as the filing's money stream leaves it: expired, and what of it is refunded."""
    if payment is None:
        return None
    update: dict = {"refunds": money.refunds_of(payment.payment_id)}
    if payment.status == "pending" and (expired := money.expired.get(payment.payment_id)):
        update |= {"status": "expired", "expired_at": expired.expired_at, "pay_url": None}
    return payment.model_copy(update=update)


async def find(runtime: ServiceRuntime, payment_id: str) -> PaymentRead | None:
    payment = fold(await runtime.commits.load(stream_of(payment_id)))
    if payment is None:
        return None
    return with_money(payment, await ledger.load_money(runtime, payment.filing_id))


def filing_lookup(commits: CommitStore) -> Callable[[str], Awaitable[str | None]]:
    """Which filing a payment belongs to, by the payment's first commit; None for a payment unknown here."""

    async def filing_of(payment_id: str) -> str | None:
        requested = requested_in(await commits.load(stream_of(payment_id)))
        return requested.filing_id if requested else None

    return filing_of


async def get_payment(runtime: ServiceRuntime, *, principal: Principal, payment_id: str) -> PaymentRead:
    payment = await find(runtime, payment_id)
    if payment is None or not fees.pays(principal, payment.payer_id):
        raise Problem(404, "payment-not-found", detail="No such payment is visible to you.")
    return payment


# --- requesting a payment ---------------------------------------------------------------------------


async def request_payment(runtime: ServiceRuntime, *, principal: Principal, idempotency_key: str,
                          create: PaymentCreate, provider: PaymentProvider | None = None
                          ) -> tuple[PaymentCreated, bool]:
    """Open a payment request for a filing's assessed fee; True when this call made it, False on a replay.

    The key is claimed, with the payment id it stands for, before the payment is written, so a
    retry after a crash finishes that same payment instead of opening another.
    """
    payer = principal.acting_for or principal.subject
    claim_id = hashlib.sha256(canonical_json(["payment", payer, idempotency_key])).hexdigest()
    body_hash = hashlib.sha256(canonical_json(create.model_dump(mode="json"))).hexdigest()
    keys = runtime.db[IDEMPOTENCY_KEYS]
    if claim := await keys.find_one({"_id": claim_id}):
        refuse_another_body(claim, body_hash)
    assessment, due = await payable_assessment(runtime, principal=principal, filing_id=create.filing_id)
    made_here = False
    if claim is None:
        fresh = {"_id": claim_id, "payer_id": payer, "key": idempotency_key, "body_hash": body_hash,
                 "payment_id": uuid.uuid4().hex, "filing_id": create.filing_id, "claimed_at": now()}
        try:
            await keys.insert_one(fresh)
            claim, made_here = fresh, True
        except DuplicateKeyError:  # the same key raced in from another request: answer what it stands for
            claim = await keys.find_one({"_id": claim_id})
            refuse_another_body(claim, body_hash)
    requested = await open_request(runtime, payment_id=claim["payment_id"], assessment=assessment, amount=due,
                                   actor=principal.as_actor(), provider=provider)
    return PaymentCreated(**requested.model_dump(include=set(PaymentCreated.model_fields))), made_here


def refuse_another_body(claim: dict, body_hash: str) -> None:
    if claim["body_hash"] != body_hash:
        raise Problem(422, "idempotency-key-reused", detail="This Idempotency-Key was used with another request.",
                      errors=[{"field": "header.idempotency-key", "code": "idempotency-key-reused",
                               "reason": "Use a new key for a new request; resend the same body to repeat one."}])


async def payable_assessment(runtime: ServiceRuntime, *, principal: Principal,
                             filing_id: str) -> tuple[AssessmentRead, Money]:
    """The assessment in force and what is left to pay of it (all of it, or a reassessment's difference)."""
    assessment = await fees.find_assessment(runtime, filing_id)
    if assessment is None:
        raise Problem(409, "fee-not-assessed", detail="The fee is not assessed yet; try again shortly.",
                      headers={"Retry-After": "2"})
    if not fees.pays(principal, assessment.payer_id):
        raise Problem(404, "assessment-not-found", detail="No fee assessment for this filing is visible to you.")
    if assessment.amount.amount == 0:
        raise Problem(409, "no-fee-due", detail="No fee is due for this filing.")
    due = assessment.amount.amount - (await ledger.load_money(runtime, filing_id)).net_towards_fee()
    if due <= 0:
        raise Problem(409, "already-paid", detail="The fee for this filing is paid.")
    return assessment, Money(amount=due, currency=assessment.amount.currency)


async def refuse_if_open_or_paid(runtime: ServiceRuntime, assessment: AssessmentRead, amount: Money,
                                 index: list[Commit]) -> None:
    """409 when the assessment in force is paid or a request for it is pending: paying twice takes a deliberate step."""
    money = ledger.fold_money(index)
    for payment_id in money.opened:
        history = await runtime.commits.load(stream_of(payment_id))
        if not history:  # its request was interrupted after the index entry: finish it, it is pending
            await ensure_requested(runtime, payment_id=payment_id, assessment=assessment, amount=amount,
                                   actor=RECOVERY_ACTOR)
            history = await runtime.commits.load(stream_of(payment_id))
        payment = with_money(fold(history), money)
        if requested_in(history).assessment_id != assessment.assessment_id:
            continue  # it paid an earlier assessment of the filing
        if payment.status == "paid":
            raise Problem(409, "already-paid", detail="The fee for this filing is paid.", payment_id=payment_id)
        if payment.status == "pending":
            raise Problem(409, "payment-pending", detail="A payment for this filing is under way; finish it, "
                          "or wait for it to fail before starting another.", payment_id=payment_id,
                          pay_url=payment.pay_url)


async def open_request(runtime: ServiceRuntime, *, payment_id: str, assessment: AssessmentRead, amount: Money,
                       actor: dict, provider: PaymentProvider | None = None) -> PaymentRequested:
    """Enter the payment in the filing's index (if no other is open or paid), then commit its request."""

    async def decide(index: list[Commit]) -> list[Envelope]:
        await refuse_if_open_or_paid(runtime, assessment, amount, index)
        return [wrap(PaymentOpened(filing_id=assessment.filing_id, payment_id=payment_id), assessment.filing_id)]

    await runtime.commits.execute(index_of(assessment.filing_id), decide, cause=f"open-{payment_id}", actor=actor)
    crash_point("payment.after_index_entry")
    return await ensure_requested(runtime, payment_id=payment_id, assessment=assessment, amount=amount, actor=actor,
                                  provider=provider)


async def ensure_requested(runtime: ServiceRuntime, *, payment_id: str, assessment: AssessmentRead, amount: Money,
                           actor: dict, provider: PaymentProvider | None = None) -> PaymentRequested:
    """The payment's first commit, made once whoever gets here first (the request, its retry, a recovery).

    The provider is the platform's online one unless another is named (a counter's POS terminal)."""
    stream = stream_of(payment_id)
    if requested := requested_in(await runtime.commits.load(stream)):
        return requested
    provider = provider or provider_of(runtime)
    pay_url = await provider.start(PaymentOrder(payment_id=payment_id, filing_id=assessment.filing_id,
                                                amount=amount))
    expires_at = clock.iso(clock.now() + timedelta(seconds=runtime.settings.pending_ttl_seconds))
    requested = PaymentRequested(payment_id=payment_id, filing_id=assessment.filing_id,
                                 payer_id=assessment.payer_id, assessment_id=assessment.assessment_id,
                                 amount=amount, fee_code=assessment.fee_code,
                                 fee_version=assessment.fee_version, provider=provider.name, pay_url=pay_url,
                                 expires_at=expires_at)
    with contextlib.suppress(DuplicateKeyError):  # written first, so the sweep finds it whatever happens next
        await runtime.db[PENDING_PAYMENTS].insert_one({"_id": payment_id, "filing_id": assessment.filing_id,
                                                       "expires_at": expires_at})
    await runtime.commits.execute(stream, lambda history: [] if history else [wrap(requested, assessment.filing_id)],
                                  cause=f"request-{payment_id}", actor=actor)
    return requested_in(await runtime.commits.load(stream))


def order_of(payment: PaymentRead) -> PaymentOrder:
    return PaymentOrder(payment_id=payment.payment_id, filing_id=payment.filing_id, amount=payment.amount)


# --- the provider's callback ------------------------------------------------------------------------


async def record_callback(runtime: ServiceRuntime, *, provider: PaymentProvider,
                          callback: CallbackData) -> CallbackAnswer:
    """Apply a verified callback once: a replay or a duplicate changes nothing and says so."""
    payment = await find(runtime, callback.payment_id)
    if payment is None or payment.provider != provider.name:
        raise Problem(404, "payment-not-found", detail="The callback names no payment of this provider.")
    errors = [{"field": f"amount.{part}", "code": "amount-mismatch",
               "reason": f"The payment is for {payment.amount.amount} {payment.amount.currency}."}
              for part in ("amount", "currency") if getattr(callback.amount, part) != getattr(payment.amount, part)]
    if errors:
        raise Problem(422, "callback-amount-mismatch", detail="The callback's amount is not the payment's.",
                      errors=errors)
    settle = capture if callback.status == "paid" else fail
    changed = await settle(runtime, provider=provider, callback=callback)
    return CallbackAnswer(status="processed" if changed else "already-processed")


async def capture(runtime: ServiceRuntime, *, provider: PaymentProvider, callback: CallbackData) -> bool:
    """The provider took money: judge it in the filing's money stream, then complete the payment or refund it.

    It pays the fee unless the payment had expired, or the assessment it pays is paid already (by this
    payment under another reference, or by another payment): then it is double collection, flagged and
    refunded. Every step is keyed by the provider's reference, so the provider's retries finish the work.
    """
    requested = requested_in(await runtime.commits.load(stream_of(callback.payment_id)))
    ours: set[str] = set()

    async def decide(index: list[Commit]) -> list[Envelope]:
        money = ledger.fold_money(index)
        if money.capture(callback.provider_reference):
            return []
        towards_fee = money.fee_captures(assessment_id=requested.assessment_id)
        if requested.payment_id in money.expired:
            reason = "paid-after-expiry"
        elif any(c.payment_id == requested.payment_id for c in towards_fee):
            reason = "paid-twice"
        elif towards_fee:
            reason = "paid-after-another-payment"
        else:
            reason = None
        events: list[EventData] = [PaymentCaptured(
            filing_id=requested.filing_id, payment_id=requested.payment_id, assessment_id=requested.assessment_id,
            provider_reference=callback.provider_reference, amount=callback.amount,
            applied="surplus" if reason else "fee", captured_at=now())]
        if reason:
            refund = refunds.refund_request(
                refund_id=refunds.refund_id_for(requested.payment_id, callback.provider_reference),
                filing_id=requested.filing_id, payer_id=requested.payer_id, payment_id=requested.payment_id,
                provider_reference=callback.provider_reference, amount=callback.amount, reason=reason)
            await refunds.claim(runtime, refund)
            events.append(refund)
        envelopes = [wrap(event, requested.filing_id) for event in events]
        ours.update(e.id for e in envelopes)
        return envelopes

    commit = await runtime.commits.execute(index_of(requested.filing_id), decide,
                                           cause=f"capture-{callback.provider_reference}",
                                           actor={"provider": provider.name})
    money = await ledger.load_money(runtime, requested.filing_id)
    taken = money.capture(callback.provider_reference)
    await ledger.book(runtime, transaction="purchase", reference=taken.provider_reference,
                      payment_id=taken.payment_id, filing_id=taken.filing_id, amount=taken.amount,
                      at=taken.captured_at)
    if taken.applied == "fee":
        changed = await complete(runtime, provider=provider, callback=callback)
        await runtime.db[PENDING_PAYMENTS].delete_one({"_id": callback.payment_id})
        return changed
    changed = commit is not None and commit.events[0].id in ours
    refund = next(r for r in money.refunds.values() if r.requested.provider_reference == taken.provider_reference)
    if changed:
        DOUBLE_COLLECTIONS.labels(refund.requested.reason).inc()
        log.warning("double collection flagged, refunding", payment_id=taken.payment_id,
                    reason=refund.requested.reason)
    if refund.refunded is None:
        await refunds.ask_provider(runtime, [refund.requested])
    return changed


async def complete(runtime: ServiceRuntime, *, provider: PaymentProvider, callback: CallbackData) -> bool:
    """Commit the completion with a fresh receipt, once per payment; True when this call committed it.

    A failed payment that the provider later reports paid is completed too: the money was taken.
    """
    receipt: receipts.ReceiptClaim | None = None
    ours: set[str] = set()

    async def decide(history: list[Commit]) -> list[Envelope]:
        nonlocal receipt
        payment = fold(history)
        if payment.status == "paid":
            return []
        receipt = receipt or await receipts.claim(runtime, payment_id=payment.payment_id, filing_id=payment.filing_id)
        completed = PaymentCompleted(
            payment_id=payment.payment_id, filing_id=payment.filing_id, payer_id=payment.payer_id,
            amount=payment.amount, fee_code=payment.fee_code, fee_version=payment.fee_version,
            receipt_number=receipt.receipt_number, verification_code=receipt.verification_code,
            provider=provider.name, provider_reference=callback.provider_reference, paid_at=now())
        envelope = wrap(completed, payment.filing_id)
        ours.add(envelope.id)
        return [envelope]

    commit = await runtime.commits.execute(stream_of(callback.payment_id), decide,
                                           cause=callback.provider_reference, actor={"provider": provider.name})
    changed = commit is not None and commit.events[0].id in ours
    if receipt is not None and not changed:  # a rival callback settled it first: this number was never used
        await receipts.release(runtime, receipt)
    return changed


async def fail(runtime: ServiceRuntime, *, provider: PaymentProvider, callback: CallbackData) -> bool:
    """Mark a pending payment failed; a paid or already failed one stays as it is."""
    ours: set[str] = set()

    def decide(history: list[Commit]) -> list[Envelope]:
        payment = fold(history)
        if payment.status != "pending":
            return []
        envelope = wrap(PaymentFailed(payment_id=payment.payment_id, provider_reference=callback.provider_reference,
                                      failed_at=now()), payment.filing_id)
        ours.add(envelope.id)
        return [envelope]

    # The cause names the outcome too, so a later "paid" for the same provider reference still counts.
    commit = await runtime.commits.execute(stream_of(callback.payment_id), decide,
                                           cause=f"{callback.provider_reference}:failed",
                                           actor={"provider": provider.name})
    await runtime.db[PENDING_PAYMENTS].delete_one({"_id": callback.payment_id})
    return commit is not None and commit.events[0].id in ours


# --- expiry -----------------------------------------------------------------------------------------


async def expire_due(runtime: ServiceRuntime) -> int:
    """Expire the pending payments whose time is up; returns how many expired now."""
    expired = 0
    # Read first, then act: the sweep deletes from the collection it reads.
    for due in await runtime.db[PENDING_PAYMENTS].find({"expires_at": {"$lte": now()}}).to_list(None):
        expired += await expire(runtime, payment_id=due["_id"], filing_id=due["filing_id"])
        await runtime.db[PENDING_PAYMENTS].delete_one({"_id": due["_id"]})
    return expired


async def expire(runtime: ServiceRuntime, *, payment_id: str, filing_id: str) -> int:
    """Expire one payment, decided in the filing's money stream so that no capture of it is there first."""
    ours: set[str] = set()

    async def decide(index: list[Commit]) -> list[Envelope]:
        money = ledger.fold_money(index)
        payment = fold(await runtime.commits.load(stream_of(payment_id)))
        if payment is None or payment.status != "pending" or payment_id in money.expired or \
                any(c.payment_id == payment_id for c in money.captures):
            return []
        envelope = wrap(PaymentExpired(payment_id=payment_id, filing_id=filing_id, payer_id=payment.payer_id,
                                       amount=payment.amount, expired_at=now()), filing_id)
        ours.add(envelope.id)
        return [envelope]

    commit = await runtime.commits.execute(index_of(filing_id), decide, cause=f"expire-{payment_id}",
                                           actor={"service": SOURCE})
    if commit is not None and commit.events[0].id in ours:
        EXPIRED.inc()
        return 1
    return 0


# --- receipts ---------------------------------------------------------------------------------------


async def verify_receipt(runtime: ServiceRuntime, *, receipt_number: str,
                         verification_code: str) -> ReceiptVerification:
    """A receipt is genuine when its number's payment is paid with that very number and code."""
    number, code = only_digits(receipt_number), only_digits(verification_code)
    claim = await receipts.find(runtime, number) if receipts.valid_receipt_number(number) else None
    if claim is not None and claim.refund_id is not None:
        return await refunds.verify_receipt(runtime, claim, code)
    payment = await find(runtime, claim.payment_id) if claim else None
    receipt = payment.receipt if payment else None
    if receipt is None or receipt.receipt_number != number or \
            not hmac.compare_digest(receipt.verification_code.encode(), code.encode()):
        return ReceiptVerification(valid=False)
    return ReceiptVerification(valid=True, filing_id=payment.filing_id, amount=payment.amount,
                               paid_at=receipt.paid_at)
