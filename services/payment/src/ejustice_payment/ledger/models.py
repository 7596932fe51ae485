from typing import Literal

from pydantic import BaseModel, Field

from ejustice_shared.events import Money

EntryKind = Literal["assessed", "reassessed", "collected", "collected-beyond-fee", "expired", "refund-requested",
                    "refunded"]


class LedgerEntry(BaseModel):
    at: str
    kind: EntryKind
    amount: Money
    assessment_id: str | None = None
    payment_id: str | None = None
    refund_id: str | None = None
    reference: str | None = Field(None, description="The provider's reference of the capture or refund.")
    reason: str | None = None
    receipt_number: str | None = None
    verification_code: str | None = Field(None, description="A refund receipt's code, to verify it.")


class LedgerRead(BaseModel):
    """A filing's money: it balances when assessed = collected - refunded."""

    filing_id: str
    assessment_id: str = Field(description="The assessment in force (the latest revision).")
    assessed: Money
    collected: Money = Field(description="Everything the provider took for this filing.")
    refunded: Money = Field(description="Everything given back and confirmed by the provider.")
    refund_pending: Money = Field(description="Refunds asked for and not yet confirmed.")
    due: Money = Field(description="Still to pay: assessed - (collected - refunded - refund pending), if positive.")
    balanced: bool = Field(description="assessed == collected - refunded.")
    entries: list[LedgerEntry]
