from typing import Literal

from pydantic import Field

from ejustice_shared.auth import Role
from ejustice_shared.models import RequestModel, ResponseModel


class DevelopmentTokenCreate(RequestModel):
    subject: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")
    roles: list[Role] = Field(min_length=1)
    name: str | None = Field(None, max_length=200)
    national_id: str | None = Field(None, pattern=r"^\d{10}(\d{2})?$")
    jurisdiction: Literal["IR", "VN"] | None = None
    court_id: str | None = Field(None, max_length=64)
    office_id: str | None = Field(None, max_length=64)
    on_behalf_of: str | None = Field(None, max_length=64)


class TokenRead(ResponseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int
