"""Entries of a payment's stream and of a filing's money stream: kept inside this service, never published."""

from typing import Literal

from ejustice_shared.events import EventData, Money


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
