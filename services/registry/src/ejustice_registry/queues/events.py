"""A queue day's entries: every ticket's life at one office on one local day. Not published."""

from typing import Literal

from pydantic import Field

from ejustice_shared.events import EventData

Service = Literal["e-service-registration", "filing", "payment", "follow-up"]
Channel = Literal["kiosk", "portal", "sms", "appointment", "handover"]
Outcome = Literal["served", "no-show", "referred"]


class TicketIssued(EventData):
    type = "ticket.issued"
    published = False

    ticket_id: str
    number: int = Field(ge=1)
    service: Service
    channel: Channel
    issued_at: str
    handed_from: str | None = Field(None, description="The ticket of a suspended office this one replaces.")


class TicketCalled(EventData):
    type = "ticket.called"
    published = False

    ticket_id: str
    counter: str
    clerk: str
    called_at: str


class TicketServing(EventData):
    """The visitor came to the counter: service starts."""

    type = "ticket.serving"
    published = False

    ticket_id: str
    counter: str
    clerk: str
    served_at: str


class TicketClosed(EventData):
    type = "ticket.closed"
    published = False

    ticket_id: str
    outcome: Outcome
    counter: str
    clerk: str
    closed_at: str
    note: str | None = None


class TicketHandedOver(EventData):
    """The office was suspended or dissolved; the waiting ticket continues at another office."""

    type = "ticket.handed_over"
    published = False

    ticket_id: str
    to_office_id: str
    to_ticket_id: str
