from typing import Literal

from pydantic import BaseModel, Field

from ejustice_shared.models import RequestModel
from ejustice_shared.people import NationalId, Text


class ConfirmationCreate(RequestModel):
    """The citizen the clerk acts for, and the filing they are to confirm before it is submitted."""

    jurisdiction: Literal["IR", "VN"]
    national_id: NationalId
    filing_id: str = Field(min_length=1, max_length=64)
    language: Literal["fa", "vi", "en"] | None = None


class ConfirmationRead(BaseModel):
    confirmation_id: str
    filing_id: str
    mobile: str = Field(description="Where the code went, masked.")
    expires_at: str


class ConfirmationCode(RequestModel):
    code: Text = Field(min_length=1, max_length=12, description="The six digits the citizen received.")
