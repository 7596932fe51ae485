"""Entries of the day's book and of the day's reconciliation stream: kept inside this service, never published."""

from ejustice_payment.reconciliation.models import TransactionType
from ejustice_shared.events import EventData, Money, ReconciliationMismatch


class PaymentBooked(EventData):
    """The day's book (`book-<day>`): a capture or a refund as this service recorded it, to reconcile."""

    type = "payment.booked"
    published = False

    day: str
    transaction: TransactionType
    reference: str
    payment_id: str
    filing_id: str
    amount: Money


class ReconciliationRun(EventData):
    """One reconciliation of a day (`reconciliation-<day>`), with what it found."""

    type = "payment.reconciled"
    published = False

    day: str
    provider: str
    rows_there: int
    entries_here: int
    matched: int
    mismatches: list[ReconciliationMismatch]
    unreadable_rows: list[str] = []
