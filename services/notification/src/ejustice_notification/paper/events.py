"""The paper-service task's own dossier entry. Not in the shared catalog: nothing outside this service reads it."""

from ejustice_notification.notices.models import NoticeContent
from ejustice_shared.events import EventData


class PaperTaskOpened(EventData):
    """A party without an e-box is to be served this notice on paper: who, where, and what it says."""

    type = "paper_service.opened"
    published = False

    task_id: str
    national_id: str
    party_name: str
    city_id: str
    content: NoticeContent
