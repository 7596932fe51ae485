"""Sign-in sessions (stream `session-<id>`): the refresh token's hash, each rotation, the revocation."""

from ejustice_shared.events import EventData


class SessionOpened(EventData):
    type = "session.opened"
    published = False

    session_id: str
    account_id: str
    jurisdiction: str
    national_id: str
    # The account's entry that recorded this sign-in: a later "signed out everywhere" entry revokes the session.
    account_seq: int
    token_hash: str
    expires_at: str


class SessionRefreshed(EventData):
    """The refresh token was used and replaced: the old one may never be used again."""

    type = "session.refreshed"
    published = False

    session_id: str
    replaced_hash: str
    token_hash: str
    expires_at: str


class SessionRevoked(EventData):
    type = "session.revoked"
    published = False

    session_id: str
    reason: str
