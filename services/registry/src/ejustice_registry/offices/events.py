"""The office's own entries that nothing outside the registry reads."""

from typing import Literal

from ejustice_shared.events import EventData


class OfficeStaffAdded(EventData):
    """A person works at the office; their credentials live in their own stream (`staff-<username>`)."""

    type = "office.staff_added"
    published = False

    staff_id: str
    username: str
    name: str
    role: Literal["manager", "clerk"]
