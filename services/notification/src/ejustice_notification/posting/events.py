"""The court's notice as the platform took it. Not in the shared catalog: nothing outside this service reads it."""

from pydantic import BaseModel, ConfigDict

from ejustice_shared.events import CourtNotice, EventData, NoticeDocument, Party


class Addressee(BaseModel):
    """One party the notice is for, and how it reaches them: the e-box notice or paper task it becomes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    party: Party
    channel: str
    notice_id: str
    ebox_id: str | None = None


class CourtNoticeTaken(EventData):
    """A court's notice on a case, its documents stored by hash, and the plan: an e-box or paper per addressee."""

    type = "court_notice.taken"
    published = False

    posting_id: str
    court_id: str
    notice: CourtNotice  # without the documents' bytes: those are in the blob store
    documents: list[NoticeDocument]
    case_number: str
    tracking_code: str
    jurisdiction: str
    addressees: list[Addressee]
