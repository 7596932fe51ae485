from typing import Literal

from pydantic import Field

from ejustice_gateway.proofing.models import EidRequest
from ejustice_shared.auth import Role
from ejustice_shared.models import RequestModel, ResponseModel
from ejustice_shared.people import NationalId, Text


class DevelopmentTokenCreate(RequestModel):
    subject: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")
    roles: list[Role] = Field(min_length=1)
    name: str | None = Field(None, max_length=200)
    national_id: str | None = Field(None, pattern=r"^\d{10}(\d{2})?$")
    jurisdiction: Literal["IR", "VN"] | None = None
    bar_number: str | None = Field(None, pattern=r"^\d{1,12}$")
    court_id: str | None = Field(None, max_length=64)
    office_id: str | None = Field(None, max_length=64)
    counter: str | None = Field(None, max_length=8)
    office_role: Literal["manager", "clerk"] | None = None
    on_behalf_of: str | None = Field(None, max_length=64)
    confirmed_filing: str | None = Field(None, max_length=64)


class TokenRead(ResponseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int


class RegistrationCreate(RequestModel):
    """Registration for e-service: who you are and the mobile the one-time code goes to."""

    jurisdiction: Literal["IR", "VN"]
    national_id: NationalId
    mobile: Text = Field(min_length=4, max_length=32)
    language: Literal["fa", "vi", "en"] | None = Field(None, description="Of the text message; by default the "
                                                                            "jurisdiction's language.")


class RegistrationRead(ResponseModel):
    registration_id: str
    mobile: str = Field(description="Where the code went (or will go), masked.")
    expires_at: str
    attempts_left: int
    code_sent: bool = Field(description="False while the person must still prove who they are (national e-ID).")
    proven_by: str | None = Field(description="How the person was proven: mobile-operator, in-person, national-eid "
                                              "or account-mobile (a mobile the account already holds).")
    national_eid: EidRequest | None = Field(None, description="Where to confirm the citizen ID with the national "
                                                              "e-ID, then POST its answer to .../national-eid.")


class VerificationCreate(RequestModel):
    code: Text = Field(min_length=1, max_length=12, description="The 6 digits received; Persian digits welcome.")


class SessionRead(TokenRead):
    account_id: str
    new_account: bool = False
    refresh_token: str = Field(description="Opaque; exchange it at POST /api/auth/refresh. Each use replaces it.")
    refresh_expires_in: int


class CourtTokenCreate(RequestModel):
    client_id: str = Field(min_length=1, max_length=100)
    client_secret: str = Field(min_length=1, max_length=200)
