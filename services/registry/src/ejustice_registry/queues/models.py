from typing import Literal

from pydantic import BaseModel, Field

from ejustice_registry.queues.events import Channel, Outcome, Service
from ejustice_shared.models import RequestModel

TicketStatus = Literal["waiting", "called", "serving", "closed", "handed-over"]


class TicketCreate(RequestModel):
    service: Service
    channel: Literal["kiosk", "portal", "sms"] = "kiosk"


class TicketClose(RequestModel):
    outcome: Outcome
    note: str | None = Field(None, max_length=500)


class TicketRead(BaseModel):
    ticket_id: str
    office_id: str
    day: str = Field(description="The office's local date.")
    number: int
    service: Service
    channel: Channel
    status: TicketStatus
    shift: Literal["morning", "evening"]
    issued_at: str
    called_at: str | None = None
    served_at: str | None = None
    closed_at: str | None = None
    counter: str | None = None
    clerk: str | None = None
    outcome: Outcome | None = None
    handed_to: str | None = Field(None, description="office/ticket, when the office's work was handed over.")
    handed_from: str | None = None
    ahead: int | None = Field(None, description="Waiting tickets before this one (while it waits).")
    waiting_minutes: int | None = Field(None, description="Expected wait from now, computed from today's times.")


class QueueRead(BaseModel):
    office_id: str
    day: str
    waiting: list[TicketRead]
    at_counters: list[TicketRead]
    closed: int
    waiting_minutes: int


class CounterLoad(BaseModel):
    counter: str
    served: int
    busy_minutes: float
    utilisation: float = Field(description="Share of the shift the counter spent with visitors (called to closed).")


class ShiftLoad(BaseModel):
    shift: Literal["morning", "evening"]
    hours: float
    tickets: int
    tickets_per_hour: float
    waits_measured: int
    p50_wait_minutes: float | None
    p90_wait_minutes: float | None
    no_show_rate: float | None
    counters: list[CounterLoad]

    @property
    def utilisation(self) -> float:
        return max((c.utilisation for c in self.counters), default=0.0)


class DayLoad(BaseModel):
    office_id: str
    day: str
    shifts: list[ShiftLoad]


class RecommendationRead(BaseModel):
    recommendation_id: str
    action: Literal["add-counter", "add-staff", "new-office"]
    office_id: str | None
    city_id: str
    indicator: Literal["p90-wait", "utilisation"]
    value: float
    threshold: float
    days: list[str]
    made_at: str
