from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from ejustice_shared.events import Money


class _Version(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int
    valid_from: date
    currency: Literal["IRR", "VND"]
    legal_basis: str


class FixedFee(_Version):
    method: Literal["fixed"]
    amount: int = Field(ge=0)


class PercentageFee(_Version):
    """A share of the claim in basis points (1/100 of a percent), kept between a minimum and a maximum."""

    method: Literal["percentage"]
    rate_basis_points: int = Field(ge=0, le=10_000)
    minimum: int = Field(ge=0)
    maximum: int = Field(ge=0)


FeeVersion = Annotated[FixedFee | PercentageFee, Field(discriminator="method")]


class FeeCodeRead(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    jurisdiction: Literal["IR", "VN"]
    description: dict[Literal["fa", "vi", "en"], str]
    versions: list[FeeVersion]


class FeeSchedule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    fee_codes: list[FeeCodeRead]
    subject_fees: dict[Literal["IR", "VN"], dict[str, str]]


class AssessmentRead(BaseModel):
    assessment_id: str
    filing_id: str
    payer_id: str
    fee_code: str
    fee_version: int
    basis: str
    amount: Money
    assessed_at: str
    revision: int = Field(1, description="1 at submission; more when a corrected filing's fee is assessed again.")


class FeeQuote(BaseModel):
    fee_code: str
    fee_version: int
    amount: Money
    basis: str
