"""Small things every area of the notification service records the same way."""

from datetime import UTC, datetime

SOURCE = "notification"
LANGUAGE_OF: dict[str, str] = {"IR": "fa", "VN": "vi"}  # the language alerts are written in, per jurisdiction


def now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """One format for every stored time (UTC, microseconds), so that stored times compare as text."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")
