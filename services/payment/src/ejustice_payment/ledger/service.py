"""The books: each filing's money stream, and the day's book that reconciliation checks.

`filing-payments-<filing id>` (commits) is where every decision about a filing's money is taken,
one at a time: a payment opened, money the provider took (towards the fee, or beyond it), a
pending payment expired, a refund asked for and confirmed. Whether a capture pays the fee or is
double collection is decided there, so two captures racing for one fee cannot both pay it.

`book-<day>-<hour>` (commits) lists what this service recorded as captured or refunded in that
hour (UTC), so a day is reconciled by 24 stream reads and no capture contends with the whole day's.
"""

from dataclasses import dataclass, field, replace

from ejustice_payment.fees import service as fees
from ejustice_payment.fees.models import AssessmentRead
from ejustice_payment.ledger.models import LedgerEntry, LedgerRead
from ejustice_payment.payments.events import PaymentCaptured, PaymentOpened
from ejustice_payment.reconciliation.events import PaymentBooked
from ejustice_payment.reconciliation.models import TransactionType
from ejustice_shared.aggregate import Aggregate, Decision, Fact
from ejustice_shared.auth import Principal, Role
from ejustice_shared.events import Envelope, Money, PaymentExpired, PaymentRefunded, PaymentRefundRequested
from ejustice_shared.problems import Problem
from ejustice_shared.runtime import ServiceRuntime

SOURCE = "payment"


def index_of(filing_id: str) -> str:
    return f"filing-payments-{filing_id}"


def book_of(day: str, hour: int) -> str:
    return f"book-{day}-{hour:02d}"


@dataclass
class Refund:
    requested: PaymentRefundRequested
    refunded: PaymentRefunded | None = None


@dataclass
class FilingMoney:
    """A filing's money stream, folded."""

    opened: list[str] = field(default_factory=list)
    captures: list[PaymentCaptured] = field(default_factory=list)
    expired: dict[str, PaymentExpired] = field(default_factory=dict)
    refunds: dict[str, Refund] = field(default_factory=dict)

    def capture(self, reference: str) -> PaymentCaptured | None:
        return next((c for c in self.captures if c.provider_reference == reference), None)

    def fee_captures(self, *, payment_id: str | None = None, assessment_id: str | None = None) -> list[PaymentCaptured]:
        return [c for c in self.captures if c.applied == "fee" and payment_id in (None, c.payment_id)
                and assessment_id in (None, c.assessment_id)]

    def refunds_of(self, payment_id: str) -> list[str]:
        return [r.requested.refund_id for r in self.refunds.values() if r.requested.payment_id == payment_id]

    def net_towards_fee(self) -> int:
        """What was collected towards the fee, less what is (being) given back because the fee was lowered."""
        lowered = sum(r.requested.amount.amount for r in self.refunds.values() if r.requested.reason == "fee-lowered")
        return sum(c.amount.amount for c in self.fee_captures()) - lowered

    def refundable(self) -> list[tuple[PaymentCaptured, int]]:
        """Each capture towards the fee with what of it has not been asked back yet, latest first."""
        asked: dict[str, int] = {}
        for refund in self.refunds.values():
            reference = refund.requested.provider_reference
            asked[reference] = asked.get(reference, 0) + refund.requested.amount.amount
        return [(c, c.amount.amount - asked.get(c.provider_reference, 0)) for c in reversed(self.fee_captures())
                if c.amount.amount > asked.get(c.provider_reference, 0)]


def _copy(money: FilingMoney) -> FilingMoney:
    return FilingMoney(list(money.opened), list(money.captures), dict(money.expired),
                       {refund_id: replace(refund) for refund_id, refund in money.refunds.items()})


# The filing's money stream: the copy is changed in place, once per fold (aggregate.py).
filing_money = Aggregate("filing-money", stream=index_of, initial=FilingMoney(), source=SOURCE, state_type=FilingMoney,
                  copy=_copy)


@filing_money.evolves(PaymentOpened)
def _opened(state: FilingMoney, event: PaymentOpened, fact: Fact) -> FilingMoney:
    state.opened.append(event.payment_id)
    return state


@filing_money.evolves(PaymentCaptured)
def _captured(state: FilingMoney, event: PaymentCaptured, fact: Fact) -> FilingMoney:
    state.captures.append(event)
    return state


@filing_money.evolves(PaymentExpired)
def _expired(state: FilingMoney, event: PaymentExpired, fact: Fact) -> FilingMoney:
    state.expired[event.payment_id] = event
    return state


@filing_money.evolves(PaymentRefundRequested)
def _refund_requested(state: FilingMoney, event: PaymentRefundRequested, fact: Fact) -> FilingMoney:
    state.refunds[event.refund_id] = Refund(event)
    return state


@filing_money.evolves(PaymentRefunded)
def _refunded(state: FilingMoney, event: PaymentRefunded, fact: Fact) -> FilingMoney:
    state.refunds[event.refund_id].refunded = event
    return state


async def load_money(runtime: ServiceRuntime, filing_id: str) -> FilingMoney:
    return await filing_money.state(runtime.commits, filing_id)


def wrap(data, filing_id: str) -> Envelope:
    return Envelope.wrap(data, source=SOURCE, subject=filing_id)


# The day's book, an hour a stream (key "<day>-<hour>"): what was recorded as captured or refunded.
book_stream = Aggregate("book", stream=lambda key: f"book-{key}", initial=[], source=SOURCE,
                        state_type=list[PaymentBooked], copy=list,
                        subject=lambda key, state, event: event.filing_id)


@book_stream.evolves(PaymentBooked)
def _booked(state: list[PaymentBooked], event: PaymentBooked, fact: Fact) -> list[PaymentBooked]:
    state.append(event)
    return state


def enter(state: list[PaymentBooked], booked: PaymentBooked) -> Decision:
    return Decision([booked])


async def book(runtime: ServiceRuntime, *, transaction: TransactionType, reference: str, payment_id: str,
               filing_id: str, amount: Money, at: str) -> None:
    """Enter a capture or refund in the day's book, once (keyed by the provider's reference)."""
    day, hour = at[:10], int(at[11:13])
    booked = PaymentBooked(day=day, transaction=transaction, reference=reference, payment_id=payment_id,
                           filing_id=filing_id, amount=amount)
    await book_stream.execute(runtime.commits, f"{day}-{hour:02d}", enter, booked, cause=f"{transaction}-{reference}",
                              actor={"service": SOURCE})


async def booked_on(commits, day: str) -> list[PaymentBooked]:
    return [entry for hour in range(24) for entry in await book_stream.state(commits, f"{day}-{hour:02d}")]


# --- the ledger -------------------------------------------------------------------------------------


def ledger(filing_id: str, assessments: list[AssessmentRead], money: FilingMoney) -> LedgerRead:
    currency = assessments[-1].amount.currency

    def money_of(amount: int) -> Money:
        return Money(amount=amount, currency=currency)

    entries = [LedgerEntry(at=a.assessed_at, kind="assessed" if a.revision == 1 else "reassessed", amount=a.amount,
                           assessment_id=a.assessment_id) for a in assessments]
    for capture in money.captures:
        entries.append(LedgerEntry(
            at=capture.captured_at, kind="collected" if capture.applied == "fee" else "collected-beyond-fee",
            amount=capture.amount, assessment_id=capture.assessment_id, payment_id=capture.payment_id,
            reference=capture.provider_reference))
    for expired in money.expired.values():
        entries.append(LedgerEntry(at=expired.expired_at, kind="expired", amount=expired.amount,
                                   payment_id=expired.payment_id))
    for refund in money.refunds.values():
        asked = refund.requested
        entries.append(LedgerEntry(at=asked.requested_at, kind="refund-requested", amount=asked.amount,
                                   payment_id=asked.payment_id, refund_id=asked.refund_id,
                                   reference=asked.provider_reference, reason=asked.reason))
        if done := refund.refunded:
            entries.append(LedgerEntry(at=done.refunded_at, kind="refunded", amount=done.amount,
                                       payment_id=done.payment_id, refund_id=done.refund_id,
                                       reference=done.refund_reference, reason=done.reason,
                                       receipt_number=done.receipt_number,
                                       verification_code=done.verification_code))
    assessed = assessments[-1].amount.amount
    collected = sum(c.amount.amount for c in money.captures)
    refunded = sum(r.refunded.amount.amount for r in money.refunds.values() if r.refunded)
    pending = sum(r.requested.amount.amount for r in money.refunds.values() if not r.refunded)
    return LedgerRead(
        filing_id=filing_id, assessment_id=assessments[-1].assessment_id, assessed=money_of(assessed),
        collected=money_of(collected), refunded=money_of(refunded), refund_pending=money_of(pending),
        due=money_of(max(assessed - (collected - refunded - pending), 0)),
        balanced=assessed == collected - refunded, entries=sorted(entries, key=lambda e: e.at))


async def get_ledger(runtime: ServiceRuntime, *, principal: Principal, filing_id: str) -> LedgerRead:
    """The payer (or a clerk on their behalf) and operators see a filing's ledger; 404 for anyone else."""
    assessments = await fees.aggregate.state(runtime.commits, filing_id)
    if not assessments or not (principal.has(Role.OPERATOR) or fees.pays(principal, assessments[0].payer_id)):
        raise Problem(404, "ledger-not-found", detail="No ledger for this filing is visible to you.")
    return ledger(filing_id, assessments, await load_money(runtime, filing_id))
