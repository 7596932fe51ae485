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


class RefundOrder(BaseModel):
    """What a provider is asked to give back: (part of) one capture, named by its provider reference."""

    model_config = ConfigDict(frozen=True)

    refund_id: str
    payment_id: str
    provider_reference: str
    amount: Money


class RefundCallbackData(RequestModel):
    """The body of a provider's refund callback, once its signature is verified."""

    refund_id: str = Field(min_length=1, max_length=200)
    payment_id: str = Field(min_length=1, max_length=200)
    refund_reference: str = Field(min_length=1, max_length=200)
    status: Literal["refunded"]
    amount: Money


# The most a settlement file's amount may say; money is int64 minor units in the store.
MAX_AMOUNT = 10**15


class SandboxPay(RequestModel):
    """What the payer chose on the sandbox page, and, for tests, how the provider should misbehave."""

    outcome: Literal["paid", "failed"] = "paid"
    callback: Literal["send", "hold"] = Field(
        "send", description="hold: the provider keeps its callback until POST .../deliver (a late callback), "
                            "or for ever (a lost one).")
    settlement: Literal["as-paid", "omit"] = Field(
        "as-paid", description="omit: the provider leaves the capture out of its settlement file.")
    settled_amount: int | None = Field(None, ge=0, le=MAX_AMOUNT,
                                       description="An amount the settlement file states instead of the paid one.")
    return_to: str | None = Field(None, max_length=500,
                                  description="The page form: the payer's site path to go back to after paying.")


class SandboxPayAccepted(BaseModel):
    payment_id: str
    provider_reference: str
    outcome: Literal["paid", "failed"]
    callback_in_seconds: float | None = Field(description="None while the callback is held.")


class SandboxDelivered(BaseModel):
    payment_id: str
    delivered: list[str] = Field(description="Provider references whose held callbacks are now sent.")
