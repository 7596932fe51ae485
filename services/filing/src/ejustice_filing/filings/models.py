from typing import Literal

from pydantic import BaseModel, Field

from ejustice_shared.events import Money
from ejustice_shared.models import RequestModel


class FilingCreate(RequestModel):
    subject_code: str = Field(min_length=1, max_length=64, description="A code from GET /subjects.")
    jurisdiction: Literal["IR", "VN"] = "IR"
    claim: Money | None = Field(None, description="Required when the subject says so.")
    statement: str = Field(min_length=1, max_length=20_000)


class FeeRead(BaseModel):
    assessment_id: str
    amount: Money
    fee_code: str
    fee_version: int


class FilingRead(BaseModel):
    id: str
    status: Literal["submitted"]
    kind: str
    subject_code: str
    jurisdiction: str
    claim: Money | None
    statement: str
    filer_id: str
    fee: FeeRead | None = None
    submitted_at: str
    version: int = Field(description="Number of dossier entries so far.")
