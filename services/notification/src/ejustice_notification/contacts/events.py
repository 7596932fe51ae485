"""The e-box owner's email address. Not in the shared catalog: nothing outside this service reads it."""

from ejustice_shared.events import EventData


class EmailSet(EventData):
    """The e-box's owner gave the address alerts fall back to when SMS fails."""

    type = "ebox.email_set"
    published = False

    ebox_id: str
    email: str
