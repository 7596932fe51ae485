"""The settlement file's layout and the matching of a day's book against it (pure)."""

from datetime import UTC, date, datetime

from ejustice_payment.reconciliation.events import PaymentBooked
from ejustice_payment.reconciliation.flows import next_run
from ejustice_payment.reconciliation.models import SettlementRow
from ejustice_payment.reconciliation.service import compare
from ejustice_payment.reconciliation.settlement import read_settlement, write_settlement
from ejustice_shared.events import Money

DAY = "2026-11-30"


def row(rrn: str, amount: int, kind: str = "purchase", status: str = "SETTLED") -> SettlementRow:
    return SettlementRow(settlement_date=date(2026, 11, 30), merchant_id="000000140336964", terminal_id="24061991",
                         transaction_time=f"{DAY}T10:00:00.000000+00:00", transaction_type=kind, rrn=rrn,
                         order_id=f"pay-{rrn}", amount=amount, currency="IRR", status=status)


def booked(reference: str, amount: int, kind: str = "purchase") -> PaymentBooked:
    return PaymentBooked(day=DAY, transaction=kind, reference=reference, payment_id=f"pay-{reference}",
                         filing_id=f"filing-{reference}", amount=Money(amount=amount, currency="IRR"))


def test_the_file_reads_back_what_was_written_and_names_every_unreadable_line():
    rows = [row("a", 17_500_000), row("r", 5, kind="refund")]
    text = write_settlement(rows)
    assert text.splitlines()[0].startswith("settlement_date,merchant_id,terminal_id,transaction_time,")
    assert ",REFUND," in text
    assert read_settlement(text) == (rows, [])
    broken = text + "2026-11-30,m,t,x,PURCHASE,b,o,12.5,IRR,SETTLED\n2026-11-30,m,t,x,PURCHASE,c,o,-1,IRR,SETTLED\n"
    read, unreadable = read_settlement(broken)
    assert read == rows and [line.split(":")[0] for line in unreadable] == ["line 4", "line 5"]
    assert read_settlement("date,amount\n1,2\n")[1] == [
        "header: missing columns settlement_date, merchant_id, terminal_id, transaction_time, transaction_type, "
        "rrn, order_id, currency, status"]


def test_each_kind_of_mismatch_is_found_and_matches_are_counted():
    book = [booked("same", 100), booked("only-here", 100), booked("differs", 100), booked("r", 7, "refund")]
    rows = [row("same", 100), row("differs", 99), row("only-there", 100), row("r", 7, "refund"),
            row("reversed", 100, status="REVERSED")]
    matched, found = compare(DAY, book, rows)
    assert matched == 2
    assert {(m.kind, m.reference) for m in found} == {
        ("missing-at-provider", "only-here"), ("amount-differs", "differs"), ("missing-here", "only-there")}
    differs = next(m for m in found if m.kind == "amount-differs")
    assert (differs.amount_here.amount, differs.amount_there.amount) == (100, 99)
    assert next(m for m in found if m.kind == "missing-here").payment_id == "pay-only-there"
    # A refund and a purchase with one reference are different transactions.
    assert compare(DAY, [booked("x", 5, "refund")], [row("x", 5)])[0] == 0


def test_the_daily_run_is_the_next_occurrence_of_its_time():
    now = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    assert next_run(now, "02:30") == datetime(2026, 11, 30, 2, 30, tzinfo=UTC)
    assert next_run(now, "01:00") == datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    assert next_run(now, "02:00") == datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
