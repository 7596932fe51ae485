from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ejustice_shared.models import RequestModel, ResponseModel
from ejustice_shared.people import NationalId, Text

# How a person was proven to hold a national ID and a mobile.
ProofMethod = Literal["mobile-operator", "in-person", "national-eid", "account-mobile"]
# What a clerk may check at the counter: the national card or birth certificate (Iran), the citizen ID card
# (Vietnam), or a passport.
DocumentKind = Literal["national-card", "birth-certificate", "citizen-id-card", "passport"]


class Proof(BaseModel):
    model_config = ConfigDict(frozen=True)

    method: ProofMethod
    provider: str
    reference: str | None = None
    office_id: str | None = None
    clerk: str | None = None
    document_kind: str | None = None


class Ownership(StrEnum):
    """The operators' answer to "is this mobile registered to this national ID?"."""

    MATCH = "match"
    MISMATCH = "mismatch"
    UNKNOWN = "unknown"


class ProviderUnavailable(Exception):
    """The provider did not answer, or answered that it cannot now: nothing is decided, try later."""

    def __init__(self, provider: str, retry_after: int = 30):
        super().__init__(f"{provider} is unavailable")
        self.provider = provider
        self.retry_after = retry_after


class EidIdentity(BaseModel):
    """Who the national e-ID vouches for, read from its signed assertion."""

    model_config = ConfigDict(frozen=True)

    issuer: str
    subject: str
    citizen_id: str
    phone_number: str | None
    level: int
    nonce: str


class InPersonProofCreate(RequestModel):
    """What the clerk checked at the counter, ID document in hand."""

    jurisdiction: Literal["IR", "VN"]
    national_id: NationalId
    mobile: Text = Field(min_length=4, max_length=32, description="The mobile the person will register with.")
    document_kind: DocumentKind
    document_number: Text = Field(min_length=4, max_length=20, pattern=r"^[A-Za-z0-9]+$")


class InPersonProofRead(ResponseModel):
    proof_id: str
    jurisdiction: str
    office_id: str
    clerk: str
    document_kind: str
    mobile: str = Field(description="Masked.")
    proven_at: str
    registration_until: str = Field(description="Until when this proof lets the person register with the mobile.")
    counter_until: str = Field(description="Until when a clerk of this office may act for the person.")


class EidApprovalCreate(RequestModel):
    """Sandbox only: the citizen approving the sign-in request in their VNeID app."""

    citizen_id: NationalId
    mobile: Text = Field(min_length=4, max_length=32, description="The phone the VNeID app runs on.")
    nonce: str = Field(min_length=8, max_length=64)


class EidAssertionRead(ResponseModel):
    assertion: str


class EidConfirmationCreate(RequestModel):
    assertion: str = Field(min_length=1, max_length=8192,
                           description="What the e-ID provider gave back: the sandbox's signed assertion, or a real "
                                       "provider's authorization code.")


class EidRequest(ResponseModel):
    """Where to send the person to confirm their identity with the national e-ID, and the nonce to bind."""

    provider: str
    authorize_url: str
    nonce: str


class OnBehalfCreate(RequestModel):
    jurisdiction: Literal["IR", "VN"]
    national_id: NationalId
