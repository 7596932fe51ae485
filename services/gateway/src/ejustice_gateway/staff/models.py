from pydantic import Field

from ejustice_shared.models import RequestModel


class StaffSignInCreate(RequestModel):
    username: str = Field(min_length=3, max_length=40)
    password: str = Field(min_length=1, max_length=200)
    totp_code: str = Field(pattern=r"^\d{6}$", description="The six digits the authenticator app shows now.")
    counter: str | None = Field(None, max_length=8, description="The counter the clerk sits at (a clerk must say).")
