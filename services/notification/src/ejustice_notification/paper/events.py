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


class PaperTaskAssigned(EventData):
    """The office whose clerks carry out the task: given by the registry, or taken over from a suspended office."""

    type = "paper_service.office_assigned"
    published = False

    task_id: str
    office_id: str
    from_office_id: str | None = None
