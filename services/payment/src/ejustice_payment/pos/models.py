from typing import Literal

from pydantic import BaseModel, Field

from ejustice_payment.payments.models import PaymentRead
from ejustice_shared.models import RequestModel
from ejustice_shared.people import Text


class PosPaymentCreate(RequestModel):
    filing_id: Text = Field(min_length=1, max_length=200)
    sandbox_outcome: Literal["approved", "declined", "timeout"] | None = Field(
        None, description="Sandbox terminal only (422 elsewhere): how the card payment goes.")


class TerminalRead(BaseModel):
    terminal_id: str
    outcome: Literal["approved", "declined", "timed-out"]
    rrn: str | None = None
    card: str | None = None
    answered_at: str | None = None


class PosPaymentRead(BaseModel):
    payment: PaymentRead
    terminal: TerminalRead
    taken: bool = Field(description="True only when the fee is paid; a declined or timed-out card took nothing.")
