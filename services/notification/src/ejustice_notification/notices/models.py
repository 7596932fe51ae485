from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ejustice_shared.events import Hearing, NoticeDocument, ReturnReason
from ejustice_shared.events.catalog import NoticeKind
from ejustice_shared.people import Jurisdiction

Language = Literal["fa", "vi", "en"]


class NoticeContent(BaseModel):
    """What a notice says, the same whether it goes to an e-box or on paper."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["case-accepted", "filing-returned"] | NoticeKind
    jurisdiction: Jurisdiction
    filing_id: str
    court_id: str
    tracking_code: str
    case_number: str | None = None
    reasons: tuple[ReturnReason, ...] = ()
    title: dict[Language, str]
    body: dict[Language, str]
    # A court's notice on a case (a summons, an order, a judgment): its own reference and what it carries.
    reference: str | None = None
    hearing: Hearing | None = None
    deadline_days: int | None = None
    documents: tuple[NoticeDocument, ...] = ()


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
    reference: str | None = None
    hearing: Hearing | None = None
    deadline_days: int | None = Field(None, description="Days from service; the deadline: /notices/{id}/deadline.")
    documents: list[NoticeDocument] = []
