from typing import Literal

from pydantic import BaseModel, Field

from ejustice_payment.receipts.models import ReceiptRead
from ejustice_shared.events import EventData, Money
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


# --- entries of the payment's streams that stay inside this service (not in the shared catalog) -------


class PaymentOpened(EventData):
    """A filing's payment index (`filing-payments-<filing id>`) notes a new payment request for it."""

    type = "payment.opened"
    published = False

    filing_id: str
    payment_id: str


class PaymentRequested(EventData):
    """The first entry of a payment's stream (`payment-<payment id>`): what it pays and where."""

    type = "payment.requested"
    published = False

    payment_id: str
    filing_id: str
    payer_id: str
    assessment_id: str
    amount: Money
    fee_code: str
    fee_version: int
    provider: str
    pay_url: str
    expires_at: str | None = None


class PaymentCaptured(EventData):
    """The filing's money stream notes money the provider took: towards the fee, or beyond it (refunded)."""

    type = "payment.captured"
    published = False

    filing_id: str
    payment_id: str
    assessment_id: str
    provider_reference: str
    amount: Money
    applied: Literal["fee", "surplus"]
    captured_at: str


class PaymentFailed(EventData):
    """The provider reported that the payer did not pay; the filing may be paid by a new request."""

    type = "payment.failed"
    published = False

    payment_id: str
    provider_reference: str
    failed_at: str
