"""Whether an office is open now, from its two shifts in its own time zone."""

from datetime import UTC, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from ejustice_shared.events import OfficeShift

OpeningState = Literal["open", "closed"]


def _clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def local_now(time_zone: str, moment: datetime | None = None) -> datetime:
    return (moment or datetime.now(UTC)).astimezone(ZoneInfo(time_zone))


# Days offices are closed, by jurisdiction (Monday is 0): Friday in Iran, Saturday and Sunday in Vietnam.
CLOSED_WEEKDAYS = {"IR": frozenset({4}), "VN": frozenset({5, 6})}


def current_shift(shifts: list[OfficeShift], time_zone: str, jurisdiction: str,
                  moment: datetime | None = None) -> OfficeShift | None:
    """The shift running at the moment, by the office's local wall clock; None between shifts and on days off."""
    now = local_now(time_zone, moment)
    if now.weekday() in CLOSED_WEEKDAYS.get(jurisdiction, frozenset()):
        return None
    wall = now.time()
    return next((s for s in shifts if _clock(s.opens) <= wall < _clock(s.closes)), None)


def shift_of(shifts: list[OfficeShift], time_zone: str, moment: datetime) -> str:
    """The shift a moment falls in, or the one it is nearest to (a ticket issued just before opening)."""
    wall = local_now(time_zone, moment).time()
    for shift in shifts:
        if _clock(shift.opens) <= wall < _clock(shift.closes):
            return shift.name
    minutes = wall.hour * 60 + wall.minute

    def gap(shift: OfficeShift) -> int:
        opens, closes = _clock(shift.opens), _clock(shift.closes)
        return min(abs(minutes - (opens.hour * 60 + opens.minute)), abs(minutes - (closes.hour * 60 + closes.minute)))

    return min(shifts, key=gap).name


def shift_hours(shift: OfficeShift) -> float:
    opens, closes = _clock(shift.opens), _clock(shift.closes)
    return (timedelta(hours=closes.hour, minutes=closes.minute)
            - timedelta(hours=opens.hour, minutes=opens.minute)).total_seconds() / 3600


def local_day(time_zone: str, moment: datetime | None = None) -> str:
    return local_now(time_zone, moment).date().isoformat()
