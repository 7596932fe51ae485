"""A staff member's credentials and sign-ins: the stream `staff-<username>`. Never published."""

from typing import Literal

from ejustice_shared.events import EventData


class StaffEnrolled(EventData):
    type = "staff.enrolled"
    published = False

    staff_id: str
    username: str
    name: str
    office_id: str
    role: Literal["manager", "clerk"]
    password_hash: str  # Argon2id
    totp_secret: str  # base32; the authenticator app holds the same


class StaffSignedIn(EventData):
    type = "staff.signed_in"
    published = False

    counter: str | None
    totp_step: int  # a code's time step is used once


class StaffSignInFailed(EventData):
    type = "staff.sign_in_failed"
    published = False

    reason: Literal["password", "totp", "totp-reused"]
