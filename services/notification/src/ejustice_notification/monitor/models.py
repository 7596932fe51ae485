from typing import Literal

from pydantic import BaseModel, Field

Reason = Literal["not-alerted", "alerts-failed", "paper-without-outcome"]


class StuckNoticeRead(BaseModel):
    notice_id: str = Field(description="The e-box notice, or the paper-service task.")
    reason: Reason
    since: str = Field(description="When it reached the step it is stuck at.")
    found_at: str = Field(description="When the monitor first found it stuck.")
