"""The e-box's own dossier entries. Not in the shared catalog: nothing outside this service reads them."""

from ejustice_shared.events import EventData
from ejustice_shared.people import Jurisdiction


class EboxOpened(EventData):
    """A person's e-box opened, once, when they registered for e-service."""

    type = "ebox.opened"
    published = False

    ebox_id: str
    jurisdiction: Jurisdiction
    national_id: str
    account_id: str
    mobile: str
    user_code: str
    registered_via: str


class NoticeFiled(EventData):
    """A notice placed in the e-box: the e-box's stream is the index of its notices."""

    type = "ebox.notice_filed"
    published = False

    ebox_id: str
    notice_id: str
    kind: str
