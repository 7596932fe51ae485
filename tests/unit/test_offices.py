"""The offices' pure logic: great-circle distance and the nearest-office index, opening hours in the office's
time zone, and the queue's load indicators and recommendations over a simulated day (seeded, repeatable)."""

import math
import random
from datetime import UTC, datetime, timedelta

import pytest

from ejustice_registry.offices import hours
from ejustice_registry.offices.geo import NearestIndex, great_circle_km
from ejustice_registry.offices.models import OfficeCreate, OfficeRead
from ejustice_registry.offices.service import application_errors
from ejustice_registry.queues import stats
from ejustice_registry.queues.models import TicketRead
from ejustice_registry.recommendations.service import days_due
from ejustice_shared.events import OfficeShift

SHIFTS = [OfficeShift(name="morning", opens="07:30", closes="13:30"),
          OfficeShift(name="evening", opens="15:00", closes="19:00")]
TEHRAN = (35.6892, 51.3890)


def test_great_circle_distances_match_known_ones():
    assert great_circle_km(*TEHRAN, *TEHRAN) == 0
    assert great_circle_km(*TEHRAN, 32.6546, 51.6680) == pytest.approx(338, abs=3)  # Tehran-Isfahan
    assert great_circle_km(0, 179.5, 0, -179.5) == pytest.approx(111.2, abs=0.5)  # across the date line


def test_the_index_finds_exactly_what_measuring_every_point_finds():
    rng = random.Random(20261130)
    points = [(f"o{n}", rng.uniform(25, 40), rng.uniform(44, 63)) for n in range(3000)]
    index = NearestIndex(points)
    for _ in range(50):
        lat, lon = rng.uniform(24, 41), rng.uniform(43, 64)
        brute = sorted((great_circle_km(lat, lon, plat, plon), key) for key, plat, plon in points)[:7]
        found = index.nearest(lat, lon, 7)
        assert [key for _, key in found] == [key for _, key in brute]
        assert [km for km, _ in found] == pytest.approx([km for km, _ in brute])


def test_far_north_a_degree_of_longitude_is_short_and_the_search_still_finds_the_nearest():
    # At 60 degrees north a degree of longitude is half a degree of latitude: the office a degree to the east
    # is nearer than the one half a degree to the north, though its cell is further out.
    far = [(f"far-{n}", 75.0 + n % 10, -30.0 + n) for n in range(60)]  # enough cells that rings are walked
    index = NearestIndex([("north", 60.64, 10.01), ("east", 60.10, 11.05), *far])
    assert great_circle_km(60.1, 10.01, 60.10, 11.05) < great_circle_km(60.1, 10.01, 60.64, 10.01)
    assert [key for _, key in index.nearest(60.1, 10.01, 1)] == ["east"]


def test_a_sparse_index_finds_what_measuring_every_point_finds_anywhere_on_earth():
    rng = random.Random(20261201)
    points = [(f"o{n}", rng.uniform(-80, 80), rng.uniform(-180, 180)) for n in range(12)]
    points += [("east", 0.0, 179.9), ("west", 0.0, -179.9)]  # neighbours across the date line
    index = NearestIndex(points)
    for lat, lon in [(0.0, 179.95), (0.0, -179.95), (89.9, 0.0), (-89.9, 10.0),
                     *((rng.uniform(-90, 90), rng.uniform(-180, 180)) for _ in range(50))]:
        brute = sorted((great_circle_km(lat, lon, plat, plon), key) for key, plat, plon in points)
        for k in (1, 3, 20):
            found = index.nearest(lat, lon, k)
            assert [key for _, key in found] == [key for _, key in brute[:k]]
            assert [km for km, _ in found] == pytest.approx([km for km, _ in brute[:k]])
    assert [key for _, key in index.nearest(0.0, 179.95, 2)] in (["east", "west"], ["west", "east"])


def test_the_index_skips_refused_points_and_honours_a_radius():
    index = NearestIndex([("near", 35.70, 51.40), ("next", 35.80, 51.40), ("far", 38.0, 48.0)])
    assert [key for _, key in index.nearest(35.70, 51.40, 1, accept=lambda key: key != "near")] == ["next"]
    assert [key for _, key in index.nearest(35.70, 51.40, 5, max_km=50)] == ["near", "next"]
    index.remove("near")
    assert [key for _, key in index.nearest(35.70, 51.40, 1)] == ["next"]


def test_opening_hours_are_read_on_the_offices_own_clock():
    # 05:00 UTC on a Monday is 08:30 in Tehran (UTC+3:30): the morning shift.
    monday = datetime(2026, 11, 30, 5, 0, tzinfo=UTC)
    assert hours.current_shift(SHIFTS, "Asia/Tehran", "IR", monday).name == "morning"
    assert hours.current_shift(SHIFTS, "Asia/Tehran", "IR", monday + timedelta(hours=6)) is None  # 14:30
    assert hours.current_shift(SHIFTS, "Asia/Tehran", "IR", monday + timedelta(hours=8)).name == "evening"  # 16:30
    friday = datetime(2026, 12, 4, 5, 0, tzinfo=UTC)
    assert hours.current_shift(SHIFTS, "Asia/Tehran", "IR", friday) is None  # the weekend in Iran
    assert hours.local_day("Asia/Tehran", datetime(2026, 11, 30, 21, 0, tzinfo=UTC)) == "2026-12-01"


@pytest.mark.parametrize(("kind", "counters", "ok"), [
    ("independent", 1, False), ("independent", 2, True), ("single-counter", 2, False),
    ("single-counter", 1, True), ("notary-hosted", 3, False), ("e-government-hosted", 1, True)])
def test_each_kind_of_office_has_its_minimum_and_maximum_counters(kind, counters, ok):
    create = OfficeCreate(code="IR-THR-999", kind=kind, name="Test office", city_id="IR-THR",
                          address="1 Test St., Tehran", latitude=35.7, longitude=51.4, time_zone="Asia/Tehran",
                          shifts=SHIFTS, counters=counters)
    codes = {(e["field"], e["code"]) for e in application_errors(create)}
    assert (("counters", "office-counters") not in codes) == ok


def simulated_day(seed: int, *, counters: int, visitors: int) -> list[TicketRead]:
    """A morning at an office: visitors arrive at random, each counter serves the next in turn, some never come."""
    rng = random.Random(seed)
    opens = datetime(2026, 11, 29, 4, 0, tzinfo=UTC)  # 07:30 in Tehran
    arrivals = sorted(opens + timedelta(minutes=rng.uniform(0, 300)) for _ in range(visitors))
    free_at = [opens] * counters
    tickets = []
    for number, issued in enumerate(arrivals, start=1):
        counter = min(range(counters), key=lambda c: free_at[c])
        called = max(issued, free_at[counter])
        no_show = rng.random() < 0.1
        closed = called + timedelta(minutes=1 if no_show else rng.uniform(6, 14))
        free_at[counter] = closed
        tickets.append(TicketRead(
            ticket_id=f"2026-11-29-{number:04d}", office_id="IR-THR-999", day="2026-11-29", number=number,
            service="filing", channel="kiosk", status="closed", shift="morning", issued_at=issued.isoformat(),
            called_at=called.isoformat(), closed_at=closed.isoformat(), counter=str(counter + 1), clerk="c",
            outcome="no-show" if no_show else "served"))
    return tickets


def test_a_simulated_day_gives_its_p50_and_p90_and_calls_for_a_counter():
    tickets = simulated_day(7, counters=2, visitors=72)
    load = stats.shift_load(SHIFTS[0], tickets, ["1", "2"])
    waits = sorted((datetime.fromisoformat(t.called_at) - datetime.fromisoformat(t.issued_at)).total_seconds() / 60
                   for t in tickets)
    assert load.tickets == 72 and load.tickets_per_hour == 12.0 and load.waits_measured == 72
    assert load.p50_wait_minutes == round(waits[35], 2)  # nearest rank: ceil(0.5 * 72) = 36th
    assert load.p90_wait_minutes == round(waits[64], 2)  # ceil(0.9 * 72) = 65th
    assert (load.p50_wait_minutes, load.p90_wait_minutes) == (21.96, 41.36)  # seed 7's day, as measured once
    assert load.no_show_rate == round(sum(t.outcome == "no-show" for t in tickets) / 72, 4)
    assert all(0 < c.utilisation <= 1 for c in load.counters)
    # The same seed gives the same day, to the second.
    assert stats.shift_load(SHIFTS[0], simulated_day(7, counters=2, visitors=72), ["1", "2"]) == load
    assert load.p90_wait_minutes > 30  # 72 visitors in five hours are too many for two counters

    limits = stats.Thresholds(p90_wait_minutes=30, utilisation=0.85, days=1, idle_counter_utilisation=0.1)
    figures = stats.day_figures("2026-11-29", [load], limits)
    advice = stats.advise([figures], limits, can_add_counter=True)
    assert (advice.action, advice.indicator, advice.days) == ("add-counter", "p90-wait", ["2026-11-29"])
    assert advice.value == figures.p90_wait_minutes and advice.threshold == 30
    assert stats.advise([figures], limits, can_add_counter=False).action == "add-staff"


def test_a_quiet_day_or_too_few_days_make_no_recommendation():
    quiet = stats.shift_load(SHIFTS[0], simulated_day(7, counters=4, visitors=20), ["1", "2", "3", "4"])
    limits = stats.Thresholds(p90_wait_minutes=30, utilisation=0.85, days=3, idle_counter_utilisation=0.1)
    assert quiet.p90_wait_minutes < 30
    assert stats.advise([stats.day_figures("d1", [quiet], limits)], limits, can_add_counter=True) is None
    busy = stats.day_figures("2026-11-29", [stats.shift_load(SHIFTS[0], simulated_day(7, counters=2, visitors=72),
                                                             ["1", "2"])], limits)
    two_days = [busy, stats.DayFigures("2026-11-28", busy.p90_wait_minutes, busy.utilisation, 0)]
    assert stats.advise(two_days, limits, can_add_counter=True) is None  # three days are needed
    three = [*two_days, stats.DayFigures("2026-11-27", busy.p90_wait_minutes, busy.utilisation, 0)]
    assert stats.advise(three, limits, can_add_counter=True).days == ["2026-11-27", "2026-11-28", "2026-11-29"]


def test_percentiles_are_nearest_rank():
    assert stats.percentile([], 50) is None
    assert stats.percentile([5.0], 90) == 5.0
    assert stats.percentile([float(n) for n in range(1, 11)], 90) == 9.0
    assert stats.percentile([float(n) for n in range(1, 11)], 50) == 5.0
    assert math.isclose(stats.percentile([3.0, 1.0, 2.0], 100), 3.0)


def office_in(time_zone: str, status: str = "licensed", jurisdiction: str = "IR") -> OfficeRead:
    return OfficeRead(office_id="IR-THR-999", code="IR-THR-999", kind="independent", name="n", city_id="IR-THR",
                      province_id="IR-PROV-THR", jurisdiction=jurisdiction, address="a", latitude=35.7,
                      longitude=51.4, time_zone=time_zone, shifts=SHIFTS, serves=["IR-THR"], counters=["1", "2"],
                      sample=False, status=status, licence=[])


def test_the_daily_review_is_due_once_the_day_has_ended_on_the_offices_own_clock():
    tehran, hanoi = office_in("Asia/Tehran"), office_in("Asia/Ho_Chi_Minh", jurisdiction="VN")
    after = timedelta(minutes=30)
    # 20:20 UTC is 23:50 in Tehran (Monday 30 November still runs) and 03:20 on 1 December in Hanoi.
    evening = datetime(2026, 11, 30, 20, 20, tzinfo=UTC)
    assert days_due(tehran, evening, after=after, catch_up=1) == ["2026-11-29"]
    assert days_due(hanoi, evening, after=after, catch_up=1) == ["2026-11-30"]
    # Tehran's midnight (20:30 UTC) passes; the day is due `after` it, not before.
    assert days_due(tehran, datetime(2026, 11, 30, 20, 59, tzinfo=UTC), after=after, catch_up=1) == ["2026-11-29"]
    assert days_due(tehran, datetime(2026, 11, 30, 21, 0, tzinfo=UTC), after=after, catch_up=1) == ["2026-11-30"]
    assert days_due(tehran, datetime(2026, 11, 30, 20, 30, tzinfo=UTC), after=timedelta(0),
                    catch_up=1) == ["2026-11-30"]


def test_the_daily_review_catches_up_a_pause_and_skips_offices_not_working():
    moment = datetime(2026, 11, 30, 21, 0, tzinfo=UTC)
    assert days_due(office_in("Asia/Tehran"), moment, after=timedelta(minutes=30), catch_up=3) == [
        "2026-11-28", "2026-11-29", "2026-11-30"]
    for status in ("applied", "suspended", "dissolved"):
        assert days_due(office_in("Asia/Tehran", status), moment, after=timedelta(0), catch_up=3) == []
    assert days_due(office_in("Asia/Tehran", "reinstated"), moment, after=timedelta(0), catch_up=1) == ["2026-11-30"]
