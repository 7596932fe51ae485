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
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import timedelta

import structlog
from prometheus_client import Counter
from pymongo.errors import DuplicateKeyError

from ejustice_payment.fees import service as fees
from ejustice_payment.fees.models import AssessmentRead
from ejustice_payment.ledger import service as ledger
from ejustice_payment.payments.events import PaymentCaptured, PaymentFailed, PaymentOpened, PaymentRequested
from ejustice_payment.payments.models import CallbackAnswer, PaymentCreate, PaymentCreated, PaymentRead
from ejustice_payment.providers.models import CallbackData, PaymentOrder
from ejustice_payment.providers.service import PaymentProvider, provider_of
from ejustice_payment.receipts import service as receipts
from ejustice_payment.receipts.models import ReceiptRead, ReceiptVerification
from ejustice_payment.refunds import service as refunds
from ejustice_shared import clock
from ejustice_shared.aggregate import Aggregate, Decision, Fact, Missing
from ejustice_shared.auth import Principal
from ejustice_shared.commits import CommitStore, canonical_json
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


@dataclass(frozen=True)
class Payment:
    """A payment's stream folded: its request as made, and the payment as it stands."""

    requested: PaymentRequested
    read: PaymentRead

    def changed(self, **update) -> "Payment":
        return replace(self, read=self.read.model_copy(update=update))


aggregate = Aggregate("payment", stream=stream_of, initial=None, source=SOURCE, state_type=Payment | None,
                      subject=lambda key, state, event: state.read.filing_id if state else event.filing_id)


@aggregate.evolves(PaymentRequested)
def _requested(state: Payment | None, requested: PaymentRequested, fact: Fact) -> Payment:
    return Payment(requested, PaymentRead(**requested.model_dump(), status="pending", requested_at=fact.time))


@aggregate.evolves(PaymentFailed)
def _failed(state: Payment, failed: PaymentFailed, fact: Fact) -> Payment:
    return state.changed(status="failed", failed_at=failed.failed_at, pay_url=None)


@aggregate.evolves(PaymentCompleted)
def _completed(state: Payment, completed: PaymentCompleted, fact: Fact) -> Payment:
    receipt = ReceiptRead(receipt_number=completed.receipt_number, paid_at=completed.paid_at,
                          verification_code=completed.verification_code,
                          provider_reference=completed.provider_reference)
    return state.changed(status="paid", receipt=receipt, pay_url=None)


def requested_in(payment: Payment | None) -> PaymentRequested | None:
    return payment.requested if payment else None


async def load(runtime: ServiceRuntime, payment_id: str) -> Payment | None:
    return await aggregate.state(runtime.commits, payment_id)


def with_money(payment: PaymentRead | None, money: ledger.FilingMoney) -> PaymentRead | None:
    """The payment as the filing's money stream leaves it: expired, and what of it is refunded."""
    if payment is None:
        return None
    update: dict = {"refunds": money.refunds_of(payment.payment_id)}
    if payment.status == "pending" and (expired := money.expired.get(payment.payment_id)):
        update |= {"status": "expired", "expired_at": expired.expired_at, "pay_url": None}
    return payment.model_copy(update=update)


async def find(runtime: ServiceRuntime, payment_id: str) -> PaymentRead | None:
    found = await load(runtime, payment_id)
    if found is None:
        return None
    payment = found.read
    return with_money(payment, await ledger.load_money(runtime, payment.filing_id))


def filing_lookup(commits: CommitStore) -> Callable[[str], Awaitable[str | None]]:
    """Which filing a payment belongs to, by the payment's first commit; None for a payment unknown here."""

    async def filing_of(payment_id: str) -> str | None:
        payment = await aggregate.state(commits, payment_id)
        return payment.requested.filing_id if payment else None

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


def refuse_if_open_or_paid(money: ledger.FilingMoney, assessment_id: str,
                           payments: Mapping[str, Payment]) -> None:
    """409 when the assessment in force is paid or a request for it is pending: paying twice takes a deliberate step.

    `payments` holds the state of every payment opened in the filing's money stream; one missing
    is asked for (`Missing`)."""
    if missing := [p for p in money.opened if p not in payments]:
        raise Missing(*missing)
    for payment_id in money.opened:
        if payments[payment_id].requested.assessment_id != assessment_id:
            continue  # it paid an earlier assessment of the filing
        payment = with_money(payments[payment_id].read, money)
        if payment.status == "paid":
            raise Problem(409, "already-paid", detail="The fee for this filing is paid.", payment_id=payment_id)
        if payment.status == "pending":
            raise Problem(409, "payment-pending", detail="A payment for this filing is under way; finish it, "
                          "or wait for it to fail before starting another.", payment_id=payment_id,
                          pay_url=payment.pay_url)


@dataclass(frozen=True)
class Open:
    opened: PaymentOpened
    assessment_id: str
    payments: Mapping[str, Payment]


def open_payment(money: ledger.FilingMoney, command: Open) -> Decision:
    """Enter the payment in the filing's money stream, unless another is open or paid."""
    refuse_if_open_or_paid(money, command.assessment_id, command.payments)
    return Decision([command.opened])


async def open_request(runtime: ServiceRuntime, *, payment_id: str, assessment: AssessmentRead, amount: Money,
                       actor: dict, provider: PaymentProvider | None = None) -> PaymentRequested:
    """Enter the payment in the filing's index (if no other is open or paid), then commit its request."""
    opened = PaymentOpened(filing_id=assessment.filing_id, payment_id=payment_id)
    payments: dict[str, Payment] = {}
    while True:
        try:
            await ledger.filing_money.execute(runtime.commits, assessment.filing_id, open_payment,
                                              Open(opened, assessment.assessment_id, dict(payments)),
                                              cause=f"open-{payment_id}", actor=actor)
            break
        except Missing as missing:
            for other in missing.needed:
                found = await load(runtime, other)
                if found is None:  # its request was interrupted after the index entry: finish it, it is pending
                    await ensure_requested(runtime, payment_id=other, assessment=assessment, amount=amount,
                                           actor=RECOVERY_ACTOR)
                    found = await load(runtime, other)
                payments[other] = found
    crash_point("payment.after_index_entry")
    return await ensure_requested(runtime, payment_id=payment_id, assessment=assessment, amount=amount, actor=actor,
                                  provider=provider)


def request_once(payment: Payment | None, requested: PaymentRequested) -> Decision:
    return Decision([] if payment is not None else [requested])


async def ensure_requested(runtime: ServiceRuntime, *, payment_id: str, assessment: AssessmentRead, amount: Money,
                           actor: dict, provider: PaymentProvider | None = None) -> PaymentRequested:
    """The payment's first commit, made once whoever gets here first (the request, its retry, a recovery).

    The provider is the platform's online one unless another is named (a counter's POS terminal)."""
    if requested := requested_in(await load(runtime, payment_id)):
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
    outcome = await aggregate.execute(runtime.commits, payment_id, request_once, requested,
                                      cause=f"request-{payment_id}", actor=actor)
    return requested_in(outcome.state)


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


@dataclass(frozen=True)
class Capture:
    requested: PaymentRequested
    callback: CallbackData
    captured_at: str
    claimed: frozenset[str] = frozenset()  # refunds whose claims are written


def judge_capture(money: ledger.FilingMoney, command: Capture) -> Decision:
    """A capture pays the fee unless the payment had expired, or the assessment it pays is paid already (by this
    payment under another reference, or by another payment): then it is double collection, to be refunded."""
    requested, callback = command.requested, command.callback
    if money.capture(callback.provider_reference):
        return Decision([])
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
        applied="surplus" if reason else "fee", captured_at=command.captured_at)]
    if reason:
        refund = refunds.refund_request(
            refund_id=refunds.refund_id_for(requested.payment_id, callback.provider_reference),
            filing_id=requested.filing_id, payer_id=requested.payer_id, payment_id=requested.payment_id,
            provider_reference=callback.provider_reference, amount=callback.amount, reason=reason,
            requested_at=command.captured_at)
        if refund.refund_id not in command.claimed:  # its claims are written before its commit
            raise Missing(refund)
        events.append(refund)
    return Decision(events)


async def capture(runtime: ServiceRuntime, *, provider: PaymentProvider, callback: CallbackData) -> bool:
    """The provider took money: judge it in the filing's money stream, then complete the payment or refund it.

    Every step is keyed by the provider's reference, so the provider's retries finish the work.
    """
    requested = requested_in(await load(runtime, callback.payment_id))
    outcome = await refunds.claimed_first(runtime, lambda command: ledger.filing_money.execute(
        runtime.commits, requested.filing_id, judge_capture, command, cause=f"capture-{callback.provider_reference}",
        actor={"provider": provider.name}), Capture(requested, callback, now()))
    money = outcome.state
    taken = money.capture(callback.provider_reference)
    await ledger.book(runtime, transaction="purchase", reference=taken.provider_reference,
                      payment_id=taken.payment_id, filing_id=taken.filing_id, amount=taken.amount,
                      at=taken.captured_at)
    if taken.applied == "fee":
        changed = await complete(runtime, provider=provider, callback=callback)
        await runtime.db[PENDING_PAYMENTS].delete_one({"_id": callback.payment_id})
        return changed
    refund = next(r for r in money.refunds.values() if r.requested.provider_reference == taken.provider_reference)
    if outcome.stored:
        DOUBLE_COLLECTIONS.labels(refund.requested.reason).inc()
        log.warning("double collection flagged, refunding", payment_id=taken.payment_id,
                    reason=refund.requested.reason)
    if refund.refunded is None:
        await refunds.ask_provider(runtime, [refund.requested])
    return outcome.stored


@dataclass(frozen=True)
class Complete:
    provider: str
    callback: CallbackData
    paid_at: str
    receipt: receipts.ReceiptClaim | None = None


def complete_payment(payment: Payment, command: Complete) -> Decision:
    """The completion with a fresh receipt, once per payment. A failed payment that the provider later
    reports paid is completed too: the money was taken."""
    if payment.read.status == "paid":
        return Decision([])
    if (receipt := command.receipt) is None:
        raise Missing("receipt")
    read = payment.read
    return Decision([PaymentCompleted(
        payment_id=read.payment_id, filing_id=read.filing_id, payer_id=read.payer_id, amount=read.amount,
        fee_code=read.fee_code, fee_version=read.fee_version, receipt_number=receipt.receipt_number,
        verification_code=receipt.verification_code, provider=command.provider,
        provider_reference=command.callback.provider_reference, paid_at=command.paid_at)])


async def complete(runtime: ServiceRuntime, *, provider: PaymentProvider, callback: CallbackData) -> bool:
    """Commit the completion; True when this call committed it."""
    command = Complete(provider.name, callback, now())
    while True:
        try:
            outcome = await aggregate.execute(runtime.commits, callback.payment_id, complete_payment, command,
                                              cause=callback.provider_reference, actor={"provider": provider.name})
            break
        except Missing:
            payment = (await load(runtime, callback.payment_id)).read
            command = replace(command, receipt=await receipts.claim(runtime, payment_id=payment.payment_id,
                                                                     filing_id=payment.filing_id))
    if command.receipt is not None and not outcome.stored:  # a rival callback settled it first: never used
        await receipts.release(runtime, command.receipt)
    return outcome.stored


@dataclass(frozen=True)
class Fail:
    provider_reference: str
    failed_at: str


def fail_payment(payment: Payment, command: Fail) -> Decision:
    """A pending payment fails; a paid or already failed one stays as it is."""
    if payment.read.status != "pending":
        return Decision([])
    return Decision([PaymentFailed(payment_id=payment.read.payment_id, provider_reference=command.provider_reference,
                                   failed_at=command.failed_at)])


async def fail(runtime: ServiceRuntime, *, provider: PaymentProvider, callback: CallbackData) -> bool:
    # The cause names the outcome too, so a later "paid" for the same provider reference still counts.
    outcome = await aggregate.execute(runtime.commits, callback.payment_id, fail_payment,
                                      Fail(callback.provider_reference, now()),
                                      cause=f"{callback.provider_reference}:failed", actor={"provider": provider.name})
    await runtime.db[PENDING_PAYMENTS].delete_one({"_id": callback.payment_id})
    return outcome.stored


# --- expiry -----------------------------------------------------------------------------------------


async def expire_due(runtime: ServiceRuntime) -> int:
    """Expire the pending payments whose time is up; returns how many expired now."""
    expired = 0
    # Read first, then act: the sweep deletes from the collection it reads.
    for due in await runtime.db[PENDING_PAYMENTS].find({"expires_at": {"$lte": now()}}).to_list(None):
        expired += await expire(runtime, payment_id=due["_id"], filing_id=due["filing_id"])
        await runtime.db[PENDING_PAYMENTS].delete_one({"_id": due["_id"]})
    return expired


@dataclass(frozen=True)
class Expire:
    payment: Payment | None  # the payment's own stream, read before
    expired_at: str


def expire_payment(money: ledger.FilingMoney, command: Expire) -> Decision:
    """Decided in the filing's money stream, so that no capture of the payment is there first."""
    payment = command.payment.read if command.payment else None
    if payment is None or payment.status != "pending" or payment.payment_id in money.expired or \
            any(c.payment_id == payment.payment_id for c in money.captures):
        return Decision([])
    return Decision([PaymentExpired(payment_id=payment.payment_id, filing_id=payment.filing_id,
                                    payer_id=payment.payer_id, amount=payment.amount,
                                    expired_at=command.expired_at)])


async def expire(runtime: ServiceRuntime, *, payment_id: str, filing_id: str) -> int:
    """Expire one payment; 1 when this call expired it."""
    outcome = await ledger.filing_money.execute(runtime.commits, filing_id, expire_payment,
                                                Expire(await load(runtime, payment_id), now()),
                                                cause=f"expire-{payment_id}", actor={"service": SOURCE})
    if outcome.stored:
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
