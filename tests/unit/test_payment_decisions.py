"""Given/when/then: the payment service's aggregates (assessment, payment, the filing's money) decide alone."""

import pytest

from ejustice_payment.fees import service as fees
from ejustice_payment.ledger import service as ledger
from ejustice_payment.payments import service as payments
from ejustice_payment.payments.events import PaymentCaptured, PaymentFailed, PaymentOpened, PaymentRequested
from ejustice_payment.providers.models import CallbackData
from ejustice_payment.receipts.service import ReceiptClaim
from ejustice_payment.reconciliation import service as reconciliation
from ejustice_payment.reconciliation.events import ReconciliationRun
from ejustice_payment.refunds import service as refunds
from ejustice_shared.aggregate import MemoryCommits, Missing
from ejustice_shared.events import (
    FeeAssessed,
    FeeReassessed,
    FilingResubmitted,
    Money,
    PaymentCompleted,
    PaymentExpired,
    PaymentRefunded,
    PaymentRefundRequested,
)
from ejustice_shared.problems import Problem

pytestmark = pytest.mark.unit

FEE = Money(amount=17_500_000, currency="IRR")
ASSESSED = FeeAssessed(assessment_id="asm-f1", filing_id="f1", payer_id="acc-1", fee_code="IR-1", fee_version=2,
                       basis="b", amount=FEE)
REQUESTED = PaymentRequested(payment_id="p1", filing_id="f1", payer_id="acc-1", assessment_id="asm-f1", amount=FEE,
                             fee_code="IR-1", fee_version=2, provider="sandbox", pay_url="https://pay/p1")
OPENED = PaymentOpened(filing_id="f1", payment_id="p1")
PAID = CallbackData(payment_id="p1", provider_reference="ref-1", status="paid", amount=FEE)
AT = "2026-11-30T12:00:00+00:00"


def capture(money, callback=PAID, claimed=frozenset()):
    return payments.judge_capture(money, payments.Capture(REQUESTED, callback, AT, claimed))


def test_a_fee_is_assessed_once():
    assert fees.assess_once([], ASSESSED).events == [ASSESSED]
    assert fees.assess_once(fees.aggregate.replay([ASSESSED]), ASSESSED).events == []


def test_a_reassessment_keeps_the_first_schedule_and_counts_what_was_collected():
    resubmitted = FilingResubmitted(filing_id="f1", subject_code="cheque-claim", jurisdiction="IR",
                                    claim=Money(amount=100_000_000, currency="IRR"), filer_id="acc-1",
                                    tracking_code="t")
    with pytest.raises(LookupError):
        fees.reassess_filing([], fees.Reassess(resubmitted, 0))
    [again] = fees.reassess_filing(fees.aggregate.replay([ASSESSED]),
                                   fees.Reassess(resubmitted, FEE.amount)).events
    assert isinstance(again, FeeReassessed) and again.revision == 2
    assert again.excess.amount == FEE.amount - again.amount.amount and again.due.amount == 0


def test_a_second_request_is_refused_while_one_is_pending_or_paid():
    money = ledger.filing_money.replay([OPENED])
    opened2 = PaymentOpened(filing_id="f1", payment_id="p2")
    with pytest.raises(Missing) as missing:
        payments.open_payment(money, payments.Open(opened2, "asm-f1", {}))
    assert missing.value.needed == ("p1",)
    pending = payments.aggregate.replay([REQUESTED])
    with pytest.raises(Problem) as refused:
        payments.open_payment(money, payments.Open(opened2, "asm-f1", {"p1": pending}))
    assert refused.value.status == 409 and refused.value.kind == "payment-pending"
    failed = payments.aggregate.replay([REQUESTED, PaymentFailed(payment_id="p1", provider_reference="r",
                                                                 failed_at=AT)])
    assert payments.open_payment(money, payments.Open(opened2, "asm-f1", {"p1": failed})).events == [opened2]


def test_a_capture_pays_the_fee_once_and_a_second_is_double_collection_refunded():
    money = ledger.filing_money.replay([OPENED])
    [captured] = capture(money).events
    assert isinstance(captured, PaymentCaptured) and captured.applied == "fee"
    after = ledger.filing_money.replay([OPENED, captured])
    assert capture(after).events == []  # the same reference again
    second = PAID.model_copy(update={"provider_reference": "ref-2"})
    with pytest.raises(Missing) as missing:  # the refund's claims first
        capture(after, second)
    [refund] = missing.value.needed
    surplus, asked = capture(after, second, frozenset({refund.refund_id})).events
    assert surplus.applied == "surplus" and isinstance(asked, PaymentRefundRequested)
    assert asked.reason == "paid-twice" and asked.refund_id == refund.refund_id


def test_a_capture_after_expiry_is_refunded():
    expired = PaymentExpired(payment_id="p1", filing_id="f1", payer_id="acc-1", amount=FEE, expired_at=AT)
    money = ledger.filing_money.replay([OPENED, expired])
    refund_id = refunds.refund_id_for("p1", "ref-1")
    assert capture(money, claimed=frozenset({refund_id})).events[1].reason == "paid-after-expiry"


def test_a_payment_completes_once_with_a_receipt_claimed_first():
    pending = payments.aggregate.replay([REQUESTED])
    command = payments.Complete("sandbox", PAID, AT)
    with pytest.raises(Missing):
        payments.complete_payment(pending, command)
    receipt = ReceiptClaim("123456789012", "12345678", "p1")
    [completed] = payments.complete_payment(pending, command.__class__(**{**command.__dict__, "receipt": receipt})
                                            ).events
    assert isinstance(completed, PaymentCompleted) and completed.receipt_number == "123456789012"
    paid = payments.aggregate.replay([REQUESTED, completed])
    assert paid.read.status == "paid" and payments.complete_payment(paid, command).events == []
    assert payments.fail_payment(paid, payments.Fail("r", AT)).events == []


def test_a_pending_payment_expires_unless_captured():
    pending = payments.aggregate.replay([REQUESTED])
    money = ledger.filing_money.replay([OPENED])
    [expired] = payments.expire_payment(money, payments.Expire(pending, AT)).events
    assert isinstance(expired, PaymentExpired)
    captured = capture(money).events
    assert payments.expire_payment(ledger.filing_money.replay([OPENED, *captured]),
                                   payments.Expire(pending, AT)).events == []


def test_a_lowered_fee_refunds_its_excess_from_the_latest_capture_and_a_refund_is_recorded_once():
    money = ledger.filing_money.replay([OPENED, *capture(ledger.filing_money.replay([OPENED])).events])
    lowered = FeeReassessed(assessment_id="asm-f1-r2", filing_id="f1", payer_id="acc-1", revision=2,
                            fee_code="IR-1", fee_version=2, basis="b", amount=Money(amount=10_000_000, currency="IRR"),
                            previous_amount=FEE, collected=FEE, due=Money(amount=0, currency="IRR"),
                            excess=Money(amount=7_500_000, currency="IRR"))
    command = refunds.RefundExcess(lowered, AT)
    with pytest.raises(Missing) as missing:
        refunds.refund_excess_of(money, command)
    claimed = frozenset(r.refund_id for r in missing.value.needed)
    [asked] = refunds.refund_excess_of(money, refunds.RefundExcess(lowered, AT, claimed)).events
    assert asked.amount.amount == 7_500_000 and asked.reason == "fee-lowered"
    money = ledger.filing_money.replay([OPENED, *capture(ledger.filing_money.replay([OPENED])).events, asked])
    receipt = ReceiptClaim("123456789012", "12345678", "p1", asked.refund_id)
    [done] = refunds.record_refund(money, refunds.Refunded(asked, "rr-1", AT, receipt)).events
    assert isinstance(done, PaymentRefunded)
    money = ledger.filing_money.replay([OPENED, *capture(ledger.filing_money.replay([OPENED])).events, asked, done])
    assert refunds.record_refund(money, refunds.Refunded(asked, "rr-1", AT)).events == []


async def test_the_day_keeps_its_latest_run():
    store = MemoryCommits()
    run = ReconciliationRun(day="2026-11-30", provider="sandbox", rows_there=1, entries_here=1, matched=1,
                            mismatches=[])
    outcome = await reconciliation.day_stream.execute(store, "2026-11-30", reconciliation.note, run)
    assert outcome.state.matched == 1 and outcome.state.reconciled_at == outcome.commit.committed_at
