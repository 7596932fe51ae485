"""One format for every stored time: UTC with microseconds, so stored times compare correctly as text."""

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime | None = None) -> str:
    return (moment or now()).astimezone(UTC).isoformat(timespec="microseconds")
