"""The gateway's own records of registrations and accounts: stored in their streams, never published."""

from pydantic import BaseModel

from ejustice_shared.events import EventData


class ProofRecorded(BaseModel):
    """How a person was proven, as the registration's and the account's logs keep it."""

    method: str
    provider: str
    reference: str | None = None
    office_id: str | None = None
    clerk: str | None = None
    document_kind: str | None = None


class RegistrationStarted(EventData):
    type = "registration.started"
    published = False

    registration_id: str
    jurisdiction: str
    national_id: str
    mobile: str
    # None until the person is proven: a Vietnamese registration waits for the national e-ID first.
    code_hash: str | None = None
    expires_at: str
    eid_nonce: str | None = None
    language: str | None = None


class RegistrationProven(EventData, ProofRecorded):
    """The registration's person is proven to hold the national ID and the mobile: how, by whom."""

    type = "registration.proven"
    published = False

    registration_id: str


class RegistrationCodeIssued(EventData):
    """A code sent once the person was proven by a later step (the national e-ID)."""

    type = "registration.code_issued"
    published = False

    registration_id: str
    code_hash: str
    expires_at: str


class RegistrationCodeFailed(EventData):
    type = "registration.code_failed"
    published = False

    registration_id: str


class RegistrationLocked(EventData):
    type = "registration.locked"
    published = False

    registration_id: str


class RegistrationVerified(EventData):
    type = "registration.verified"
    published = False

    registration_id: str
    account_id: str


class RateLimitTaken(EventData):
    type = "gateway.rate_limit_taken"
    published = False

    key: str


class AccountMobileProven(EventData, ProofRecorded):
    """The account's log of how its holder was proven to own a mobile: method, provider, office and clerk."""

    type = "account.mobile_proven"
    published = False

    account_id: str
    mobile: str
    registration_id: str


class AccountSignedIn(EventData):
    type = "account.signed_in"
    published = False

    account_id: str
    registration_id: str
    mobile: str
    session_id: str


class AccountSignedOutEverywhere(EventData):
    """Every session opened before this entry is revoked: its refresh tokens are refused."""

    type = "account.signed_out_everywhere"
    published = False

    account_id: str


class AccountActedForByClerk(EventData):
    """A clerk took a token to act for the account holder, after checking their ID at the counter."""

    type = "account.acted_for_by_clerk"
    published = False

    account_id: str
    office_id: str
    clerk: str
    proof_id: str
