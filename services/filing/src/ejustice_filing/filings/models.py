from typing import Literal

from pydantic import BaseModel, Field, model_validator

from ejustice_filing.representation.models import AttorneyRead
from ejustice_shared.events import DocumentRef, Money, Party, ReturnReason
from ejustice_shared.models import RequestModel
from ejustice_shared.people import NationalId, PartyId, Text

Status = Literal["draft", "submitted", "forwarded", "accepted", "returned"]


class FilingCreate(RequestModel):
    """A new draft: what it is about and where."""

    subject_code: str = Field(min_length=1, max_length=64, description="A code from GET /subjects.")
    jurisdiction: Literal["IR", "VN"] = "IR"
    case_number: Text | None = Field(None, max_length=64, description="For a brief: the existing case.")
    case_court_id: str | None = Field(None, max_length=64, description="For a brief: the court of that case.")
    event_city_id: str | None = Field(None, max_length=32,
                                      description="Where the facts happened (the bank of a cheque), if it matters.")


class RepresentativeCreate(RequestModel):
    national_id: NationalId
    name: Text = Field(min_length=2, max_length=200)
    position: Text | None = Field(None, max_length=200, description="Director, legal officer, ...")


class PartyCreate(RequestModel):
    role: Literal["applicant", "respondent"]
    kind: Literal["person", "organisation"] = "person"
    national_id: PartyId = Field(description="A person's national ID; an organisation's legal-entity ID (Iran, 11 "
                                             "digits) or enterprise/tax code (Vietnam, 10 digits, 13 for a branch).")
    name: Text = Field(min_length=2, max_length=200)
    city_id: str = Field(min_length=2, max_length=32, description="A city id from GET /cities.")
    representative: RepresentativeCreate | None = Field(
        None, description="Required for an organisation that files: the person acting for it.")


class PartiesUpdate(RequestModel):
    parties: list[PartyCreate] = Field(min_length=1, max_length=50)


class ClaimUpdate(RequestModel):
    claim: Money | None = Field(description="Integer minor units and a currency; null to remove.")


class StatementUpdate(RequestModel):
    statement: Text = Field(min_length=1, max_length=20_000)


class CourtDecision(BaseModel):
    court_id: str
    reason: dict[str, str] = Field(description="Why this court is competent, in fa, vi and en.")


class FeeRead(BaseModel):
    assessment_id: str
    amount: Money
    fee_code: str
    fee_version: int
    due: Money | None = Field(None, description="What is to pay: the whole fee, or a reassessment's difference.")


class PaymentRead(BaseModel):
    payment_id: str
    amount: Money
    receipt_number: str


class FilingRead(BaseModel):
    id: str
    status: Status
    kind: str
    subject_code: str
    jurisdiction: str
    filer_id: str
    proxied_by: str | None = None
    office_id: str | None = Field(None, description="The office whose clerk began the draft for the filer: it holds "
                                                    "the draft until submission (another office's after a handover).")
    case_number: str | None = None
    case_court_id: str | None = None
    event_city_id: str | None = None
    parties: list[Party] = []
    claim: Money | None = None
    statement: str | None = None
    documents: list[DocumentRef] = []
    attorneys: list[AttorneyRead] = Field([], description="Lawyers holding the filer's power of attorney now.")
    tracking_code: str | None = None
    court: CourtDecision | None = None
    fee: FeeRead | None = None
    payment: PaymentRead | None = None
    branch_id: str | None = None
    return_reasons: list[ReturnReason] = []
    opened_at: str
    submitted_at: str | None = None
    forwarded_at: str | None = None
    version: int = Field(description="Number of dossier entries so far.")


class Acceptance(RequestModel):
    case_number: Text = Field(min_length=1, max_length=64)
    branch_id: str = Field(min_length=1, max_length=64)


class Return(RequestModel):
    reasons: list[ReturnReason] = Field(min_length=1, max_length=20)

    @model_validator(mode="after")
    def _distinct(self):
        codes = [r.code for r in self.reasons]
        if len(codes) != len(set(codes)):
            raise ValueError("Each reason code once.")
        return self
