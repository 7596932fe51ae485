"""A citizen's confirmation of a filing a clerk submits for them (stream `confirmation-<id>`). Not published."""

from ejustice_shared.events import EventData


class ConfirmationRequested(EventData):
    type = "confirmation.requested"
    published = False

    confirmation_id: str
    account_id: str
    filing_id: str
    office_id: str
    clerk: str
    code_hash: str
    expires_at: str


class ConfirmationFailed(EventData):
    type = "confirmation.failed"
    published = False

    confirmation_id: str


class ConfirmationGiven(EventData):
    type = "confirmation.given"
    published = False

    confirmation_id: str
