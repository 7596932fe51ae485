from typing import Literal

from pydantic import BaseModel, Field

from ejustice_payment.receipts.models import ReceiptRead
from ejustice_shared.events import Money
from ejustice_shared.models import RequestModel
from ejustice_shared.people import Text

PaymentStatus = Literal["pending", "paid", "failed", "expired"]


class PaymentCreate(RequestModel):
    filing_id: Text = Field(min_length=1, max_length=200)


class PaymentCreated(BaseModel):
    """The answer to POST /payments: the request as it was made, identical on every replay of its key."""

    payment_id: str
    filing_id: str
    status: Literal["pending"] = "pending"
    amount: Money
    fee_code: str
    fee_version: int
    provider: str
    pay_url: str


class PaymentRead(BaseModel):
    payment_id: str
    filing_id: str
    payer_id: str
    status: PaymentStatus
    amount: Money
    fee_code: str
    fee_version: int
    provider: str
    pay_url: str | None = Field(None, description="Where to pay, while the payment is pending.")
    requested_at: str
    expires_at: str | None = Field(None, description="When a pending payment expires.")
    failed_at: str | None = None
    expired_at: str | None = None
    receipt: ReceiptRead | None = None
    refunds: list[str] = Field([], description="Refunds of money this payment took beyond the fee (their ids).")


class CallbackAnswer(BaseModel):
    status: Literal["processed", "already-processed"]
