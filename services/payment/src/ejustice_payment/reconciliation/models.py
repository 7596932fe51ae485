from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ejustice_payment.providers.models import MAX_AMOUNT
from ejustice_shared.events import ReconciliationMismatch
from ejustice_shared.models import RequestModel

TransactionType = Literal["purchase", "refund"]


class SettlementRow(BaseModel):
    """One line of a provider's settlement file: the provider's view of one capture or refund.

    The file is CSV with a header line and these columns, in this order (the layout of Iranian
    PSP and Vietnamese acquirer settlement files, reduced to what reconciliation needs):
    settlement_date, merchant_id, terminal_id, transaction_time, transaction_type (PURCHASE, REFUND),
    rrn (the provider's reference), order_id (our payment id), amount (integer minor units),
    currency, status (SETTLED, REVERSED).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    settlement_date: date
    merchant_id: str = Field(max_length=32)
    terminal_id: str = Field(max_length=32)
    transaction_time: str = Field(max_length=40)
    transaction_type: TransactionType
    rrn: str = Field(min_length=1, max_length=200)
    order_id: str = Field(max_length=200)
    amount: int = Field(ge=0, le=MAX_AMOUNT)
    currency: Literal["IRR", "VND"]
    status: Literal["SETTLED", "REVERSED"]


class ReconciliationCreate(RequestModel):
    day: date = Field(description="The settlement day to reconcile (UTC), YYYY-MM-DD; at most today.")


class ReconciliationRead(BaseModel):
    day: str
    provider: str
    reconciled_at: str
    rows_there: int = Field(description="Settled transactions in the provider's file.")
    entries_here: int = Field(description="Captures and refunds this service booked that day.")
    matched: int
    mismatches: list[ReconciliationMismatch]
    unreadable_rows: list[str] = Field([], description="Lines of the file that could not be read, and why.")
