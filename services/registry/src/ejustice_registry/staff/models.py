from typing import Literal

from pydantic import BaseModel, Field

from ejustice_shared.models import RequestModel


class StaffCreate(RequestModel):
    username: str = Field(min_length=3, max_length=40, pattern=r"^[a-z0-9][a-z0-9._-]+$")
    name: str = Field(min_length=2, max_length=200)
    role: Literal["manager", "clerk"]
    password: str = Field(min_length=12, max_length=200, description="At least 12 characters.")


class StaffEnrolledRead(BaseModel):
    staff_id: str
    username: str
    office_id: str
    role: Literal["manager", "clerk"]
    totp_secret: str = Field(description="Shown once: put it in the authenticator app (or scan totp_uri).")
    totp_uri: str


class StaffSignInCreate(RequestModel):
    username: str = Field(min_length=3, max_length=40)
    password: str = Field(min_length=1, max_length=200)
    totp_code: str = Field(pattern=r"^\d{6}$", description="The six digits the authenticator app shows now.")
    counter: str | None = Field(None, max_length=8, description="The counter the clerk sits at today.")


class StaffSignedInRead(BaseModel):
    staff_id: str
    username: str
    name: str
    office_id: str
    role: Literal["manager", "clerk"]
    counter: str | None
