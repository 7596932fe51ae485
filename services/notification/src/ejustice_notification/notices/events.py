"""The notice's own dossier entry. Not in the shared catalog: nothing outside this service reads it."""

from ejustice_notification.notices.deemed import DeemedServicePolicy
from ejustice_notification.notices.models import NoticeContent
from ejustice_shared.events import EventData


class NoticeDeposited(EventData):
    """A notice's full text placed in an e-box, with the service rule in force when it arrived."""

    type = "notice.deposited"
    published = False

    notice_id: str
    ebox_id: str
    account_id: str
    content: NoticeContent
    policy: DeemedServicePolicy
    delivered_at: str
