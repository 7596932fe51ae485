from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ejustice_shared.events import Money
from ejustice_shared.models import RequestModel


class PaymentOrder(BaseModel):
    """What a provider is asked to collect."""

    model_config = ConfigDict(frozen=True)

    payment_id: str
    filing_id: str
    amount: Money


class CallbackData(RequestModel):
    """The body of a provider's callback, once its signature is verified."""

    payment_id: str = Field(min_length=1, max_length=200)
    provider_reference: str = Field(min_length=1, max_length=200)
    status: Literal["paid", "failed"]
    amount: Money


class SandboxPay(RequestModel):
    """What the payer chose on the sandbox page."""

    outcome: Literal["paid", "failed"] = "paid"


class SandboxPayAccepted(BaseModel):
    payment_id: str
    provider_reference: str
    outcome: Literal["paid", "failed"]
    callback_in_seconds: float
