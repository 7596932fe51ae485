from datetime import date

import pytest

from ejustice_payment.fees.service import NoFeeCode, quote
from ejustice_shared.events import Money


@pytest.mark.parametrize(
    ("claim", "on", "expected", "version"),
    [
        (500_000_000, date(2026, 11, 23), 17_500_000, 2),   # 3.5 %
        (500_000_000, date(2025, 6, 1), 12_500_000, 1),     # the earlier version, 2.5 %
        (1_000, date(2026, 11, 23), 1_000_000, 2),          # the minimum
        (10**12, date(2026, 11, 23), 3_000_000_000, 2),     # the maximum
    ],
)
def test_percentage_fee_follows_the_version_in_force(claim, on, expected, version):
    fee = quote(jurisdiction="IR", subject_code="cheque-claim", claim=Money(amount=claim, currency="IRR"), on=on)
    assert (fee.amount.amount, fee.fee_version, fee.amount.currency) == (expected, version, "IRR")


def test_fixed_fee_and_vietnamese_schedule():
    fee = quote(jurisdiction="VN", subject_code="divorce-husband-request", claim=None, on=date(2026, 1, 1))
    assert fee.amount == Money(amount=300_000, currency="VND") and fee.fee_code == "VN-CIVIL-UNVALUED"


def test_unknown_subject_or_date_before_the_schedule_has_no_fee():
    with pytest.raises(NoFeeCode):
        quote(jurisdiction="IR", subject_code="unknown", claim=None, on=date(2026, 1, 1))
    with pytest.raises(NoFeeCode):
        quote(jurisdiction="IR", subject_code="declaration", claim=None, on=date(2000, 1, 1))
