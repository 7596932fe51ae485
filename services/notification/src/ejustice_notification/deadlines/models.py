from pydantic import BaseModel, Field


class DeadlineRead(BaseModel):
    notice_id: str
    filing_id: str
    kind: str
    served_at: str = Field(description="When the notice counted as served: the deadline runs from here.")
    days: int
    ends_at: str = Field(description="Served at + days, extended by any outage it ended in or just after.")
    extended_by: list[str] = Field(description="The outages (see /outages) that extended it.")


class NoticeDeadlineRead(BaseModel):
    notice_id: str
    deadline: DeadlineRead | None = Field(description="None while the notice is not served, or when it sets none.")
