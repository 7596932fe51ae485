"""An office's daily load figures, as the review recorded them. Not published."""

from ejustice_shared.events import EventData


class LoadReviewed(EventData):
    type = "office.load_reviewed"
    published = False

    office_id: str
    day: str
    p90_wait_minutes: float
    utilisation: float
    idle_counters: int
