"""Given/when/then: the registry's office aggregates (office, staff, queue day, load, paper assignment) decide alone."""

import pytest

from ejustice_registry.appointments import service as appointments
from ejustice_registry.offices import flows as office_flows
from ejustice_registry.offices import service as offices
from ejustice_registry.offices.events import OfficeStaffAdded
from ejustice_registry.queues import service as queues
from ejustice_registry.queues import stats
from ejustice_registry.queues.events import TicketHandedOver, TicketIssued
from ejustice_registry.recommendations import service as recommendations
from ejustice_registry.recommendations.events import LoadReviewed
from ejustice_registry.staff import service as staff
from ejustice_registry.staff.events import StaffEnrolled, StaffSignedIn, StaffSignInFailed
from ejustice_shared.events import (
    OfficeApplied,
    OfficeLicensed,
    OfficeRecommendationMade,
    OfficeShift,
    OfficeSuspended,
    OfficeWorkHandedOver,
    PaperServiceAssigned,
)
from ejustice_shared.problems import Problem

pytestmark = pytest.mark.unit

AT = "2026-11-30T09:00:00+03:30"
DAY = "2026-11-30"
SHIFTS = [OfficeShift(name="morning", opens="07:30", closes="13:30"),
          OfficeShift(name="evening", opens="15:00", closes="19:00")]
APPLIED = OfficeApplied(office_id="IR-THR-101", code="IR-THR-101", kind="independent", name="Office 101",
                        city_id="IR-THR", province_id="IR-23", jurisdiction="IR", address="Valiasr St.",
                        latitude=35.7, longitude=51.4, time_zone="Asia/Tehran", shifts=SHIFTS, serves=["IR-THR"],
                        counters=["1", "2", "3"], decided_by="operator-1", reason="application")


def step(name: str, decided_at: str = AT) -> offices.TakeStep:
    return offices.TakeStep("IR-THR-101", name, "operator-1", "checked", decided_at)


# --- offices ------------------------------------------------------------------------------------------------


def test_an_office_code_is_taken_by_its_first_application():
    assert offices.apply_once(offices.aggregate.replay([]), APPLIED).events == [APPLIED]
    with pytest.raises(Problem) as taken:
        offices.apply_once(offices.aggregate.replay([APPLIED]), APPLIED)
    assert taken.value.status == 409


def test_licence_steps_follow_the_status_and_are_recorded_in_order():
    with pytest.raises(Problem) as missing:
        offices.take_licence_step(offices.aggregate.replay([]), step("license"))
    assert missing.value.status == 404
    [licensed] = offices.take_licence_step(offices.aggregate.replay([APPLIED]), step("license")).events
    assert isinstance(licensed, OfficeLicensed) and licensed.city_id == "IR-THR"
    office = offices.aggregate.replay([APPLIED, licensed])
    assert office.read.status == "licensed"
    with pytest.raises(Problem) as twice:  # licensed already
        offices.take_licence_step(office, step("license"))
    assert twice.value.status == 409
    with pytest.raises(Problem):  # only a suspended office is reinstated
        offices.take_licence_step(office, step("reinstate"))
    [suspended] = offices.take_licence_step(office, step("suspend")).events
    assert isinstance(suspended, OfficeSuspended)
    office = offices.aggregate.replay([APPLIED, licensed, suspended])
    assert office.read.status == "suspended"
    assert [s.step for s in office.read.licence] == ["applied", "licensed", "suspended"]


def test_handovers_and_staff_are_recorded_on_an_office_that_exists():
    handed = OfficeWorkHandedOver(from_office_id="IR-THR-101", to_office_id="IR-THR-102", distance_km=2.5,
                                  tickets=["IR-THR-101/2026-11-30-0001"], reason="suspended")
    added = OfficeStaffAdded(staff_id="s1", username="clerk.one", name="Clerk One", role="clerk")
    with pytest.raises(Problem):
        offices.record(offices.aggregate.replay([]), handed)
    assert offices.record(offices.aggregate.replay([APPLIED]), handed).events == [handed]
    office = offices.aggregate.replay([APPLIED, handed, added])
    assert [h.to_office_id for h in office.read.handovers] == ["IR-THR-102"]
    assert [s.username for s in office.staff] == ["clerk.one"]


# --- staff --------------------------------------------------------------------------------------------------

ENROLLED = StaffEnrolled(staff_id="s1", username="clerk.one", name="Clerk One", office_id="IR-THR-101", role="clerk",
                         password_hash="$argon2id$...", totp_secret="JBSWY3DPEHPK3PXP")


def test_a_username_is_enrolled_once():
    assert staff.enrol_once(staff.aggregate.replay([]), ENROLLED).events == [ENROLLED]
    with pytest.raises(Problem) as taken:
        staff.enrol_once(staff.aggregate.replay([ENROLLED]), ENROLLED)
    assert taken.value.status == 409


def test_a_code_s_time_step_signs_in_once_and_failures_count_until_a_sign_in():
    given = staff.aggregate.replay([ENROLLED])
    [signed_in] = staff.sign_in_once(given, staff.SignIn("1", 1000)).events
    assert signed_in == StaffSignedIn(counter="1", totp_step=1000)
    after = staff.aggregate.replay([ENROLLED, signed_in])
    for reused in (999, 1000):
        with pytest.raises(Problem) as refused:
            staff.sign_in_once(after, staff.SignIn("1", reused))
        assert refused.value.status == 401
    failed = [StaffSignInFailed(reason="password")] * 3
    assert staff.aggregate.replay([ENROLLED, signed_in, *failed]).failures == 3
    assert staff.aggregate.replay([ENROLLED, *failed, StaffSignedIn(counter="1", totp_step=1001)]).failures == 0


# --- queue days ---------------------------------------------------------------------------------------------

QUEUE = queues.queue_aggregate(offices.aggregate.replay([APPLIED]).read)


def issued(n: int) -> TicketIssued:
    return queues.issue_ticket(QUEUE.replay([issue(k) for k in range(1, n)]),
                               queues.Issue(DAY, "filing", "kiosk", AT)).events[0]


def issue(n: int) -> TicketIssued:
    return TicketIssued(ticket_id=queues.ticket_id_for(DAY, n), number=n, service="filing", channel="kiosk",
                        issued_at=AT)


def test_tickets_are_numbered_in_the_order_they_are_issued():
    decision = queues.issue_ticket(QUEUE.replay([]), queues.Issue(DAY, "filing", "kiosk", AT))
    assert decision.result == f"{DAY}-0001" and decision.events[0].number == 1
    assert issued(3).ticket_id == f"{DAY}-0003"
    tickets = QUEUE.replay([issue(1), issue(2)])
    assert [t.number for t in queues.waiting_in(tickets)] == [1, 2]
    assert tickets[f"{DAY}-0001"].shift == "morning" and tickets[f"{DAY}-0001"].office_id == "IR-THR-101"


def test_a_counter_calls_the_first_waiting_ticket_once_it_is_free():
    with pytest.raises(Problem) as empty:
        queues.call_next_ticket(QUEUE.replay([]), queues.CallNext("1", "clerk-1", AT))
    assert empty.value.status == 404
    given = [issue(1), issue(2)]
    called = queues.call_next_ticket(QUEUE.replay(given), queues.CallNext("1", "clerk-1", AT))
    assert called.result == f"{DAY}-0001"
    with pytest.raises(Problem) as busy:
        queues.call_next_ticket(QUEUE.replay([*given, *called.events]), queues.CallNext("1", "clerk-1", AT))
    assert busy.value.status == 409
    other = queues.call_next_ticket(QUEUE.replay([*given, *called.events]), queues.CallNext("2", "clerk-2", AT))
    assert other.result == f"{DAY}-0002"


def test_only_the_ticket_at_my_counter_is_served_and_closed():
    given = [issue(1), *queues.call_next_ticket(QUEUE.replay([issue(1)]), queues.CallNext("1", "clerk-1", AT)).events]
    ticket_id = f"{DAY}-0001"
    with pytest.raises(Problem) as not_mine:
        queues.serve_ticket(QUEUE.replay(given), queues.Serve(ticket_id, "2", "clerk-2", AT))
    assert not_mine.value.status == 409
    served = queues.serve_ticket(QUEUE.replay(given), queues.Serve(ticket_id, "1", "clerk-1", AT)).events
    with pytest.raises(Problem):  # served already
        queues.serve_ticket(QUEUE.replay([*given, *served]), queues.Serve(ticket_id, "1", "clerk-1", AT))
    closed = queues.close_ticket(QUEUE.replay([*given, *served]),
                                 queues.Close(ticket_id, "1", "clerk-1", "served", None, AT)).events
    tickets = QUEUE.replay([*given, *served, *closed])
    assert tickets[ticket_id].status == "closed" and tickets[ticket_id].outcome == "served"
    with pytest.raises(Problem):  # closed tickets are no longer at the counter
        queues.close_ticket(tickets, queues.Close(ticket_id, "1", "clerk-1", "served", None, AT))


def test_open_tickets_continue_at_the_end_of_the_other_office_s_queue():
    here = QUEUE.replay([issue(1), issue(2)])
    there = QUEUE.replay([issue(1)])  # the other office already had one ticket today
    moving = tuple(queues.waiting_in(here))
    received = queues.receive_tickets(there, queues.Receive(DAY, "IR-THR-101", moving)).events
    assert [(t.number, t.channel, t.handed_from) for t in received] == [
        (2, "handover", f"IR-THR-101/{DAY}-0001"), (3, "handover", f"IR-THR-101/{DAY}-0002")]
    moved = {f"{DAY}-0001": f"{DAY}-0002", f"{DAY}-0002": f"{DAY}-0003"}
    handed = queues.hand_over_tickets(here, queues.HandOver("IR-THR-102", moved)).events
    assert [type(e) for e in handed] == [TicketHandedOver, TicketHandedOver]
    after = QUEUE.replay([issue(1), issue(2), *handed])
    assert queues.waiting_in(after) == []
    assert queues.hand_over_tickets(after, queues.HandOver("IR-THR-102", moved)).events == []


# --- load reviews -------------------------------------------------------------------------------------------

LIMITS = stats.Thresholds(p90_wait_minutes=30, utilisation=0.85, days=2, idle_counter_utilisation=0.1)


def review(day: str, p90: float, recommendation_id: str = "rec-1") -> recommendations.Review:
    reviewed = LoadReviewed(office_id="IR-THR-101", day=day, p90_wait_minutes=p90, utilisation=0.5, idle_counters=0)
    return recommendations.Review(reviewed, stats.DayFigures(day, p90, 0.5, 0), LIMITS, True, "IR-THR",
                                  recommendation_id)


def test_a_busy_streak_makes_one_recommendation():
    first = recommendations.review_day(recommendations.aggregate.replay([]), review("2026-11-28", 45)).events
    assert [type(e) for e in first] == [LoadReviewed]  # one day is not a streak
    second = recommendations.review_day(recommendations.aggregate.replay(first), review("2026-11-29", 50)).events
    assert [type(e) for e in second] == [LoadReviewed, OfficeRecommendationMade]
    assert (second[1].action, second[1].days) == ("add-counter", ["2026-11-28", "2026-11-29"])
    load = recommendations.aggregate.replay([*first, *second])
    assert [m.recommendation_id for m in load.made] == ["rec-1"] and set(load.days) == {"2026-11-28", "2026-11-29"}
    again = recommendations.review_day(load, review("2026-11-30", 55, "rec-2")).events
    assert [type(e) for e in again] == [LoadReviewed]  # the same streak: no second recommendation


def reviewed_days(*days: tuple[str, float]) -> tuple[list, list[OfficeRecommendationMade]]:
    """Review the days in turn; every event recorded, and the recommendations among them."""
    events: list = []
    for n, (day, p90) in enumerate(days):
        events += recommendations.review_day(recommendations.aggregate.replay(events),
                                             review(day, p90, f"rec-{n}")).events
    return events, [e for e in events if isinstance(e, OfficeRecommendationMade)]


def test_a_streak_that_goes_on_for_days_is_still_one_recommendation_and_a_break_starts_another():
    busy_week = [(f"2026-11-{d}", 45) for d in range(20, 27)]
    _, made = reviewed_days(*busy_week)
    assert [m.days for m in made] == [["2026-11-20", "2026-11-21"]]
    _, made = reviewed_days(*busy_week, ("2026-11-27", 10), ("2026-11-28", 40), ("2026-11-29", 50))
    assert [m.days for m in made] == [["2026-11-20", "2026-11-21"], ["2026-11-28", "2026-11-29"]]


def test_a_quiet_day_breaks_the_streak():
    quiet = [*recommendations.review_day(recommendations.aggregate.replay([]), review("2026-11-28", 45)).events]
    load = recommendations.aggregate.replay(quiet)
    assert [type(e) for e in recommendations.review_day(load, review("2026-11-29", 10)).events] == [LoadReviewed]


# --- paper assignment ---------------------------------------------------------------------------------------


def test_a_paper_task_is_assigned_once():
    assigned = PaperServiceAssigned(task_id="t1", office_id="IR-THR-101", reason="serves-city")
    assert office_flows.assign_once(office_flows.assignment.replay([]), assigned).events == [assigned]
    later = PaperServiceAssigned(task_id="t1", office_id="IR-THR-102", reason="serves-city")
    assert office_flows.assign_once(office_flows.assignment.replay([assigned]), later).events == []


# --- appointments -------------------------------------------------------------------------------------------


def book(appointment_id: str, counter: str | None = None) -> appointments.Book:
    return appointments.Book(appointment_id, "08:00", "morning", ("1", "2"), counter, 15, "filing", "acc-1")


def test_a_slot_takes_each_counter_once():
    [first] = appointments.book_slot(appointments.aggregate.replay([]), book("a1")).events
    assert (first.counter, first.start, first.shift) == ("1", "08:00", "morning")
    [second] = appointments.book_slot(appointments.aggregate.replay([first]), book("a2")).events
    assert second.counter == "2"
    with pytest.raises(Problem) as gone:
        appointments.book_slot(appointments.aggregate.replay([first, second]), book("a3"))
    assert gone.value.status == 409
    with pytest.raises(Problem):  # the counter asked for is taken, though another is free
        appointments.book_slot(appointments.aggregate.replay([first]), book("a4", counter="1"))
    assert appointments.aggregate.stream(appointments.day_key("IR-THR-101", DAY)) == f"appointments-IR-THR-101-{DAY}"
