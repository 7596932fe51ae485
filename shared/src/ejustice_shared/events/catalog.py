"""Every event ejustice publishes or records, one definition each, shared by publisher and consumers.

JSON Schema files under shared/schemas/ are generated from these classes
(`make schemas`); a test keeps them current.
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ejustice_shared.events.envelope import EventData

Currency = Literal["IRR", "VND"]


class Money(BaseModel):
    """An amount in integer minor units of its currency; never a float."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    amount: int = Field(ge=0, description="Integer minor units.")
    currency: Currency


# --- filing ---------------------------------------------------------------------------------------


Jurisdiction = Literal["IR", "VN"]
FilingKind = Literal["petition", "complaint", "declaration", "brief"]


class FilingOpened(EventData):
    """A filing's first dossier entry: what the filer wrote."""

    type = "filing.opened"
    published = False

    filing_id: str
    kind: FilingKind
    subject_code: str
    jurisdiction: Jurisdiction
    claim: Money | None = None
    statement: str
    filer_id: str


class FilingSubmitted(EventData):
    type = "filing.submitted"

    filing_id: str
    kind: FilingKind
    subject_code: str
    jurisdiction: Jurisdiction
    claim: Money | None = None
    filer_id: str = Field(description="Account id of the person who filed.")
    proxied_by: str | None = Field(None, description="The clerk or lawyer who filed on the filer's behalf.")


class FilingFeeRecorded(EventData):
    """The filing's dossier notes the fee payment assessed for it."""

    type = "filing.fee_recorded"
    published = False

    filing_id: str
    assessment_id: str
    fee: Money
    fee_code: str
    fee_version: int
    cause_event_id: str


# --- payment --------------------------------------------------------------------------------------


class FeeAssessed(EventData):
    type = "fee.assessed"

    assessment_id: str
    filing_id: str
    payer_id: str = Field(description="Who owes the fee: the filer.")
    fee_code: str
    fee_version: int
    basis: str = Field(description="How the amount follows from the schedule, in words.")
    amount: Money
