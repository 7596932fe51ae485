from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, BeforeValidator, Field

from ejustice_notification.notices.models import Language
from ejustice_shared.models import RequestModel
from ejustice_shared.people import normalize_text

Outcome = Literal["served", "refused", "not-found"]
# A time as typed, Persian or Arabic digits included, with its UTC offset.
TypedTime = Annotated[AwareDatetime, BeforeValidator(lambda v: normalize_text(v) if isinstance(v, str) else v)]


class PaperOutcomeCreate(RequestModel):
    outcome: Outcome
    served_at: TypedTime | None = Field(None, description="Only for 'served'; now when left out.")


class PaperTaskRead(BaseModel):
    task_id: str
    kind: str
    filing_id: str
    court_id: str
    tracking_code: str
    case_number: str | None
    party_name: str
    national_id: str
    city_id: str
    title: dict[Language, str]
    body: dict[Language, str]
    opened_at: str
    office_id: str | None = Field(None, description="The office whose clerks carry it out; none until assigned.")
    outcome: Outcome | None = None
    served_at: str | None = None
    recorded_by: str | None = None
    recorded_at: str | None = None
