"""The e-box as pages: listing never counts as viewing; opening a notice does, and the page says so first."""

DEADLINE_FIELDS = ("deadline", "deadline_at", "respond_by", "due_at")


def deadlines(notice: dict) -> list[str]:
    """Dates by which the person must act, whatever the notice kind calls them."""
    found = [notice[k] for k in DEADLINE_FIELDS if notice.get(k)]
    found += [d.get("due_at") or d.get("date") for d in notice.get("deadlines") or [] if isinstance(d, dict)]
    return [d for d in found if d]


def find(notices: list[dict], notice_id: str) -> dict | None:
    return next((n for n in notices if n["notice_id"] == notice_id), None)
