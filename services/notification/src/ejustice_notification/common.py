"""Small things every area of the notification service records the same way."""

from ejustice_shared.clock import iso, now

SOURCE = "notification"
LANGUAGE_OF: dict[str, str] = {"IR": "fa", "VN": "vi"}  # the language alerts are written in, per jurisdiction

__all__ = ["LANGUAGE_OF", "SOURCE", "chain", "iso", "now"]


def chain(*handlers):
    """One subscription that runs several areas' handlers for an event type, in order (each is idempotent)."""

    async def handle(runtime, envelope, event) -> None:
        for handler in handlers:
            await handler(runtime, envelope, event)

    return handle
