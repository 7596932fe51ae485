"""An office's appointments for one local day (stream `appointments-<office id>-<day>`). Not published."""

from ejustice_registry.queues.events import Service
from ejustice_shared.events import EventData


class AppointmentBooked(EventData):
    type = "appointment.booked"
    published = False

    appointment_id: str
    shift: str
    counter: str
    start: str  # HH:MM, the office's local time
    minutes: int
    service: Service
    booked_by: str  # the account or clerk that booked it
