"""Small things every area of the notification service records the same way."""

from datetime import UTC, datetime

from ejustice_shared.auth import Principal

SOURCE = "notification"
LANGUAGE_OF: dict[str, str] = {"IR": "fa", "VN": "vi"}  # the language alerts are written in, per jurisdiction


def now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """One format for every stored time (UTC, microseconds), so that stored times compare as text."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def actor_of(principal: Principal) -> dict:
    return {"subject": principal.subject, "roles": [str(r) for r in principal.roles],
            "on_behalf_of": principal.on_behalf_of}
