from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ejustice_shared.events import ReturnReason
from ejustice_shared.people import Jurisdiction

Language = Literal["fa", "vi", "en"]


class NoticeContent(BaseModel):
    """What a notice says, the same whether it goes to an e-box or on paper."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["case-accepted", "filing-returned"]
    jurisdiction: Jurisdiction
    filing_id: str
    court_id: str
    tracking_code: str
    case_number: str | None = None
    reasons: tuple[ReturnReason, ...] = ()
    title: dict[Language, str]
    body: dict[Language, str]


class NoticeRead(BaseModel):
    notice_id: str
    kind: str
    filing_id: str
    court_id: str
    tracking_code: str
    case_number: str | None
    reasons: list[ReturnReason]
    title: dict[Language, str]
    body: dict[Language, str]
    delivered_at: str
    viewed_at: str | None = Field(description="The addressee's first view.")
    served_at: str | None = Field(description="When it counts as served under the jurisdiction's rule.")
    service_rule: str
