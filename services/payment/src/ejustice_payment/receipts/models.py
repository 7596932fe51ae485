from typing import Literal

from pydantic import BaseModel, Field

from ejustice_shared.events import Money


class ReceiptRead(BaseModel):
    receipt_number: str
    verification_code: str
    paid_at: str
    provider_reference: str


class ReceiptVerification(BaseModel):
    """Whether a receipt is genuine; nothing more than that is told about an invalid one."""

    valid: bool
    kind: Literal["refund"] | None = Field(None, description="Set for a refund's receipt; absent for a payment's.")
    filing_id: str | None = None
    amount: Money | None = None
    paid_at: str | None = None
