"""A court's batch as the platform took it. Not in the shared catalog: nothing outside this service reads it."""

from ejustice_shared.events import EventData


class NoticeBatchAccepted(EventData):
    """A batch of notices taken whole: its lines wait in `batch_chunks`, `chunk_lines` to a chunk."""

    type = "notice_batch.accepted"
    published = False

    batch_id: str
    court_id: str
    notices: int
    chunks: int
    chunk_lines: int
