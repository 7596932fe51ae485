from typing import Literal

from pydantic import BaseModel


class ReturnReasonRead(BaseModel):
    code: str
    names: dict[Literal["fa", "vi", "en"], str]
