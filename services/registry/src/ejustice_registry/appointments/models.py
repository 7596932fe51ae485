from datetime import date
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from ejustice_registry.queues.events import Service
from ejustice_shared.models import RequestModel


class AppointmentCreate(RequestModel):
    day: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="The office's local date.")
    start: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="HH:MM, a slot's start (see the calendar).")
    service: Service
    counter: str | None = Field(None, max_length=8, description="By default the first counter free at that time.")

    @field_validator("day")
    @classmethod
    def _a_real_date(cls, value: str) -> str:
        date.fromisoformat(value)  # 2026-02-30 is refused here, not later
        return value


class AppointmentRead(BaseModel):
    appointment_id: str
    office_id: str
    day: str
    shift: Literal["morning", "evening"]
    counter: str
    start: str
    minutes: int
    service: Service


class SlotRead(BaseModel):
    start: str
    counter: str
    free: bool
    service: Service | None = Field(None, description="What it is booked for; shown to the office's staff only.")


class ShiftCalendar(BaseModel):
    shift: Literal["morning", "evening"]
    opens: str
    closes: str
    slots: list[SlotRead]


class CalendarRead(BaseModel):
    office_id: str
    day: str
    open: bool = Field(description="False on the office's days off.")
    minutes_per_slot: int
    shifts: list[ShiftCalendar]
