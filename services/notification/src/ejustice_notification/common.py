"""Small things every area of the notification service records the same way."""

from ejustice_shared.clock import iso, now

SOURCE = "notification"
LANGUAGE_OF: dict[str, str] = {"IR": "fa", "VN": "vi"}  # the language alerts are written in, per jurisdiction

__all__ = ["LANGUAGE_OF", "SOURCE", "iso", "now"]
