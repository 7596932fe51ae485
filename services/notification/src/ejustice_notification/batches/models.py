from typing import Literal

from pydantic import BaseModel, Field


class BatchRejection(BaseModel):
    line: int = Field(description="1-based line of the batch.")
    reference: str
    errors: list[dict[str, str]]


class BatchRead(BaseModel):
    batch_id: str
    court_id: str
    status: Literal["serving", "completed"]
    notices: int = Field(description="Lines in the batch.")
    processed: int = Field(description="Lines served or rejected so far.")
    rejected: int
    rejections: list[BatchRejection] = Field(description="The first hundred rejected lines and why.")
    accepted_at: str
    completed_at: str | None = None
