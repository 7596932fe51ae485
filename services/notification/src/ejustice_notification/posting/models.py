from typing import Literal

from pydantic import BaseModel, Field

from ejustice_shared.events import NoticeDocument
from ejustice_shared.events.catalog import NoticeKind


class Lifecycle(BaseModel):
    """Each step of one addressee's notice, timestamped; a step not reached is null."""

    created_at: str
    deposited_at: str | None = Field(None, description="In the e-box.")
    alerted_at: str | None = None
    alert_channel: Literal["sms", "email"] | None = None
    alert_failed_at: str | None = Field(None, description="Every alert channel failed.")
    viewed_at: str | None = None
    served_at: str | None = Field(None, description="Served by the jurisdiction's rule, or on paper.")
    paper_opened_at: str | None = None
    paper_outcome: Literal["served", "refused", "not-found"] | None = None
    deadline_ends_at: str | None = None


class AddresseeRead(BaseModel):
    national_id: str
    name: str
    channel: Literal["ebox", "paper"]
    notice_id: str = Field(description="The e-box notice, or the paper-service task.")
    lifecycle: Lifecycle


class CourtNoticeRead(BaseModel):
    posting_id: str
    reference: str
    court_id: str
    kind: NoticeKind
    filing_id: str
    case_number: str
    documents: list[NoticeDocument]
    addressees: list[AddresseeRead]
