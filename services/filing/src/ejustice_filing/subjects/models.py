from typing import Literal

from pydantic import BaseModel, ConfigDict

Kind = Literal["petition", "complaint", "declaration", "brief"]


class SubjectRead(BaseModel):
    """A case subject a person can file under, with what it requires."""

    model_config = ConfigDict(frozen=True)

    code: str
    kind: Kind
    names: dict[Literal["fa", "vi", "en"], str]
    claim_required: bool
    documents_required: list[str]
