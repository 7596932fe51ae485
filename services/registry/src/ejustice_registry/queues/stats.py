"""Load indicators and recommendations, as pure functions of ticket times (unit-tested without servers).

A wait is from issued to called. Percentiles use the nearest-rank method: p of n sorted values is
the value at rank ceil(p/100 * n), so every figure is one of the waits actually measured.
"""

import math
from dataclasses import dataclass
from datetime import datetime

from ejustice_registry.queues.models import CounterLoad, ShiftLoad, TicketRead
from ejustice_shared.events import OfficeShift


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def minutes_between(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds() / 60


def _hours(shift: OfficeShift) -> float:
    opens_h, opens_m = map(int, shift.opens.split(":"))
    closes_h, closes_m = map(int, shift.closes.split(":"))
    return ((closes_h * 60 + closes_m) - (opens_h * 60 + opens_m)) / 60


def shift_load(shift: OfficeShift, tickets: list[TicketRead], counters: list[str]) -> ShiftLoad:
    """One shift's indicators from the tickets issued in it (handed-over tickets count where they were issued)."""
    hours = _hours(shift)
    waits = [minutes_between(t.issued_at, t.called_at) for t in tickets if t.called_at]
    closed = [t for t in tickets if t.outcome]
    no_shows = sum(1 for t in closed if t.outcome == "no-show")
    per_counter = []
    for counter in counters:
        mine = [t for t in tickets if t.counter == counter and t.called_at and t.closed_at]
        busy = sum(minutes_between(t.called_at, t.closed_at) for t in mine)
        per_counter.append(CounterLoad(counter=counter, served=sum(1 for t in mine if t.outcome == "served"),
                                       busy_minutes=round(busy, 2),
                                       utilisation=round(min(1.0, busy / (hours * 60)), 4) if hours else 0.0))
    p50, p90 = percentile(waits, 50), percentile(waits, 90)
    return ShiftLoad(shift=shift.name, hours=hours, tickets=len(tickets),
                     tickets_per_hour=round(len(tickets) / hours, 2) if hours else 0.0, waits_measured=len(waits),
                     p50_wait_minutes=None if p50 is None else round(p50, 2),
                     p90_wait_minutes=None if p90 is None else round(p90, 2),
                     no_show_rate=round(no_shows / len(closed), 4) if closed else None, counters=per_counter)


@dataclass(frozen=True)
class Thresholds:
    p90_wait_minutes: float
    utilisation: float
    days: int  # how many days in a row an indicator must stay over its threshold
    idle_counter_utilisation: float  # a counter used less than this is taken to lack staff


@dataclass(frozen=True)
class DayFigures:
    """What the recommendation rule reads of one day: the worst shift's p90 wait and counter utilisation."""

    day: str
    p90_wait_minutes: float
    utilisation: float
    idle_counters: int


def day_figures(day: str, shifts: list[ShiftLoad], thresholds: Thresholds) -> DayFigures:
    idle = thresholds.idle_counter_utilisation
    return DayFigures(day=day, p90_wait_minutes=max((s.p90_wait_minutes or 0.0 for s in shifts), default=0.0),
                      utilisation=max((s.utilisation for s in shifts), default=0.0),
                      idle_counters=max((sum(1 for c in s.counters if c.utilisation < idle)
                                         for s in shifts if s.tickets), default=0))


@dataclass(frozen=True)
class Advice:
    action: str  # add-counter, add-staff
    indicator: str  # p90-wait, utilisation
    value: float
    threshold: float
    days: list[str]


def over(figures: DayFigures, thresholds: Thresholds) -> bool:
    """The day's p90 wait or a counter's utilisation was over its threshold."""
    return figures.p90_wait_minutes > thresholds.p90_wait_minutes or figures.utilisation > thresholds.utilisation


def advise(history: list[DayFigures], thresholds: Thresholds, *, can_add_counter: bool) -> Advice | None:
    """After `days` days in a row over a threshold (the latest days of the history): add staff when some
    counters stand idle while people wait, else add a counter, else (the kind allows no more) add staff."""
    recent = sorted(history, key=lambda d: d.day)[-thresholds.days:]
    if len(recent) < thresholds.days:
        return None
    days = [d.day for d in recent]
    if all(d.p90_wait_minutes > thresholds.p90_wait_minutes for d in recent):
        indicator, value, threshold = "p90-wait", min(d.p90_wait_minutes for d in recent), thresholds.p90_wait_minutes
    elif all(d.utilisation > thresholds.utilisation for d in recent):
        indicator, value, threshold = "utilisation", min(d.utilisation for d in recent), thresholds.utilisation
    else:
        return None
    if recent[-1].idle_counters and indicator == "p90-wait":
        action = "add-staff"
    else:
        action = "add-counter" if can_add_counter else "add-staff"
    return Advice(action=action, indicator=indicator, value=round(value, 2), threshold=threshold, days=days)
