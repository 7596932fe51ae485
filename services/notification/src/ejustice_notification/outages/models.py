from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field

from ejustice_shared.models import RequestModel

Scope = Literal["platform", "filing", "payment", "notification", "registry", "gateway"]


class OutageCreate(RequestModel):
    started_at: AwareDatetime
    ended_at: AwareDatetime
    scope: Scope = Field("platform", description="What was down.")


class OutageRead(BaseModel):
    outage_id: str
    started_at: str
    ended_at: str
    scope: str
    source: Literal["operator", "detected"]
    confirmed: bool = Field(description="Only confirmed outages extend deadlines; a detected one awaits an operator.")
    confirmed_by: str | None = None
    recorded_at: str
