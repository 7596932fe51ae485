"""Given/when/then: the decisions of courts' notices (posting, alert, deadline, outage, monitor, batch, contact)."""

from datetime import UTC, datetime, timedelta

import pytest

from ejustice_notification.alerting import service as alerting
from ejustice_notification.batches import service as batches
from ejustice_notification.batches.events import NoticeBatchAccepted
from ejustice_notification.contacts import service as contacts
from ejustice_notification.contacts.events import EmailSet
from ejustice_notification.deadlines import service as deadlines
from ejustice_notification.monitor import service as monitor
from ejustice_notification.notices import service as notices
from ejustice_notification.notices.deemed import DaysAfterDelivery
from ejustice_notification.notices.models import NoticeContent
from ejustice_notification.outages import service as outages
from ejustice_notification.posting import flows as posting_flows
from ejustice_notification.posting import service as posting
from ejustice_notification.posting.events import Addressee, CourtNoticeTaken
from ejustice_shared.aggregate import MemoryCommits
from ejustice_shared.events import (
    CourtNotice,
    CourtNoticeRecorded,
    CourtNoticeRejected,
    NoticeAlerted,
    NoticeAlertFailed,
    NoticeBatchCompleted,
    NoticeDeadlineExtended,
    NoticeDeadlineSet,
    NoticeStuck,
    OutageConfirmed,
    OutageRecorded,
    Party,
)
from ejustice_shared.problems import Problem
from tests.unit.test_notification_decisions import OPENED

pytestmark = pytest.mark.unit

AT = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
RULE = {"margin": timedelta(hours=24), "extension": timedelta(hours=24)}
ORDER = NoticeContent(kind="documents-ordered", jurisdiction="IR", filing_id="f1", court_id="c1", tracking_code="t",
                      case_number="n1", title={"fa": "t", "vi": "t", "en": "t"}, body={"fa": "b", "vi": "b", "en": "b"},
                      reference="r1", deadline_days=10)
CASE = {"case_number": "n1", "tracking_code": "t", "jurisdiction": "IR",
        "parties": [{"role": "applicant", "national_id": "0012424862", "name": "A", "city_id": "THR"}]}


def take(state=None):
    notice = CourtNotice(reference="r1", kind="interim-order", filing_id="f1", text="Stop.")
    plan = (Addressee(party=Party(**CASE["parties"][0]), channel="ebox", notice_id="n1", ebox_id="IR-1"),)
    return posting.take_once(state, posting.Take("p1", "c1", notice, (), CASE, plan))


def test_a_court_s_notice_is_taken_once_and_answered_on_the_court_s_key():
    taken, recorded = take().events
    assert isinstance(recorded, CourtNoticeRecorded) and recorded.routing_key() == "court.c1.court_notice.recorded"
    assert [a.notice_id for a in recorded.addressees] == ["n1"]
    state = posting.aggregate.replay([taken, recorded])
    assert state.taken.posting_id == "p1" and state.cause.id == "p1"  # its notices are named after the posting
    assert take(state).events == []


def test_a_batch_s_line_is_taken_once_without_an_answer_of_its_own():
    notice = CourtNotice(reference="r1", kind="interim-order", filing_id="f1", text="Stop.")
    plan = (Addressee(party=Party(**CASE["parties"][0]), channel="paper", notice_id="t1"),)
    line = posting.Take("p1", "c1", notice, (), CASE, plan, answered=False)
    (taken,) = posting.take_once(None, line).events
    assert isinstance(taken, CourtNoticeTaken) and taken.addressees == list(plan)
    assert posting.take_once(posting.aggregate.replay([taken]), line).events == []


def test_a_notice_that_cannot_be_taken_is_rejected_once():
    rejected = CourtNoticeRejected(court_id="c1", reference="r1", errors=[])
    assert posting_flows.reject_once(None, rejected).events == [rejected]
    assert posting_flows.reject_once(posting_flows.rejections.replay([rejected]), rejected).events == []


def deposited_notice(content=ORDER):
    ebox = notices.Deposit("n1", _ebox(), content, DaysAfterDelivery(rule="days_after_delivery", days=10), AT)
    return notices.deposit(None, ebox).events


def _ebox():
    from ejustice_notification.eboxes import service as eboxes

    return eboxes.aggregate.replay([OPENED])


def test_a_notice_s_alert_is_recorded_once_whichever_way_it_ended():
    state = notices.aggregate.replay(deposited_notice())
    alerted = NoticeAlerted(notice_id="n1", channel="email", attempts=4, alerted_at="2026-11-30T12:05:00Z")
    failed = NoticeAlertFailed(notice_id="n1", channels=["sms", "email"], attempts=5, failed_at="2026-11-30T12:05:00Z")
    assert alerting.record_alert(state, alerted).events == [alerted]
    after = notices.aggregate.replay([*deposited_notice(), alerted])
    assert after.alerted == alerted and alerting.record_alert(after, failed).events == []
    assert alerting.record_alert(None, alerted).events == []  # no notice, nothing to say of it


def test_a_deadline_starts_once_from_service_with_known_outages_applied():
    outage = deadlines.Window("o1", AT + timedelta(days=10, hours=-1), AT + timedelta(days=10, hours=2))
    [set_] = deadlines.start_once(None, deadlines.Start("n1", "2026-11-30T12:00:00+00:00", ORDER, (outage,),
                                                        **RULE)).events
    assert isinstance(set_, NoticeDeadlineSet) and set_.extended_by == ["o1"]
    assert datetime.fromisoformat(set_.ends_at) == outage.ended_at + timedelta(hours=24)
    state = deadlines.aggregate.replay([set_])
    assert deadlines.start_once(state, deadlines.Start("n1", "2026-11-30T12:00:00+00:00", ORDER, (), **RULE)) \
        .events == []
    no_deadline = ORDER.model_copy(update={"deadline_days": None})
    assert deadlines.start_once(None, deadlines.Start("n1", "2026-11-30T12:00:00+00:00", no_deadline, (),
                                                      **RULE)).events == []


def test_each_outage_extends_a_deadline_it_catches_once_and_others_not_at_all():
    set_ = NoticeDeadlineSet(notice_id="n1", filing_id="f1", court_id="c1", kind="documents-ordered",
                             served_at="2026-11-30T12:00:00+00:00", days=10, ends_at="2026-12-10T12:00:00+00:00")
    state = deadlines.aggregate.replay([set_])
    caught = deadlines.Window("o1", datetime(2026, 12, 10, 10, tzinfo=UTC), datetime(2026, 12, 10, 13, tzinfo=UTC))
    [extended] = deadlines.extend(state, deadlines.Extend(caught, **RULE)).events
    assert isinstance(extended, NoticeDeadlineExtended)
    assert datetime.fromisoformat(extended.ends_at) == caught.ended_at + timedelta(hours=24)
    after = deadlines.aggregate.replay([set_, extended])
    assert after.extended_by == ("o1",) and deadlines.extend(after, deadlines.Extend(caught, **RULE)).events == []
    early = deadlines.Window("o2", datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 1, 2, tzinfo=UTC))
    assert deadlines.extend(state, deadlines.Extend(early, **RULE)).events == []


def test_an_outage_is_recorded_once_and_a_detected_one_confirmed_once():
    recorded = OutageRecorded(outage_id="o1", started_at="2026-11-30T10:00:00Z", ended_at="2026-11-30T11:00:00Z",
                              scope="platform", source="detected", confirmed=False)
    assert outages.record_once(None, recorded).events == [recorded]
    state = outages.aggregate.replay([recorded])
    assert outages.record_once(state, recorded).events == [] and not state.confirmed
    confirmed = OutageConfirmed(outage_id="o1", confirmed_by="operator-1")
    assert outages.confirm_once(state, confirmed).events == [confirmed]
    after = outages.aggregate.replay([recorded, confirmed])
    assert after.confirmed and after.confirmed_by == "operator-1"
    assert outages.confirm_once(after, confirmed).events == []
    with pytest.raises(Problem) as refused:
        outages.confirm_once(None, confirmed)
    assert refused.value.status == 404


def test_an_operator_s_outage_is_confirmed_by_whoever_recorded_it():
    recorded = OutageRecorded(outage_id="o1", started_at="2026-11-30T10:00:00Z", ended_at="2026-11-30T11:00:00Z",
                              scope="platform", source="operator", confirmed=True)
    assert outages.aggregate.replay([recorded], actor={"subject": "operator-2"}).confirmed_by == "operator-2"


def test_a_notice_is_found_stuck_once_per_reason():
    found = NoticeStuck(notice_id="n1", reason="alerts-failed", since="2026-11-30T10:00:00Z",
                        found_at="2026-11-30T11:00:00Z")
    assert monitor.find_once(None, found).events == [found]
    state = monitor.aggregate.replay([found])
    later = found.model_copy(update={"found_at": "2026-11-30T12:00:00Z"})
    assert monitor.find_once(state, later).events == [] and state.found_at == found.found_at


def test_an_alert_waiting_its_turn_behind_a_moving_queue_is_not_stuck():
    # Given the alert worker last moved forward a minute ago, having dealt with every alert due before 11:58,
    progress = {"frontier": "2026-11-30T11:58:00.000000+00:00", "moved_at": "2026-11-30T11:59:00.000000+00:00"}
    # when the monitor looks at noon with a threshold of ten minutes,
    query = monitor.not_alerted_filter(progress, moment=AT, threshold=600)
    # then an alert queued before 11:50 is stuck only if the worker has passed it: due before its frontier.
    assert query == {"queued_at": {"$lte": "2026-11-30T11:50:00.000000+00:00"},
                     "due_at": {"$lt": "2026-11-30T11:58:00.000000+00:00"}}


def test_every_old_alert_is_stuck_when_the_queue_has_not_moved_for_the_threshold_or_is_not_known_to():
    # Given a worker that last moved forward eleven minutes ago, or none known to have,
    stalled = {"frontier": "2026-11-30T11:48:00.000000+00:00", "moved_at": "2026-11-30T11:49:00.000000+00:00"}
    for progress in (stalled, None):
        # when the monitor looks at noon with a threshold of ten minutes,
        query = monitor.not_alerted_filter(progress, moment=AT, threshold=600)
        # then every alert queued before 11:50 is stuck, wherever it stands in the queue.
        assert query == {"queued_at": {"$lte": "2026-11-30T11:50:00.000000+00:00"}}


def test_a_round_removes_the_markers_it_sent_and_those_alerted_before_and_leaves_the_rest():
    # Given a round of three due alerts: one sent now, one recorded before a crash, one whose send failed,
    sent, before, failed = ({"_id": key, "notice_id": key} for key in ("n1", "n2", "n3"))
    done = alerting.Round(due=[sent, before, failed], sent=[(sent, "2026-11-30T12:00:01.000000+00:00")],
                          alerted_before=["n2"], size=200)
    # when it is recorded, then it removes (and the next round leaves out) the first two only.
    assert done.recorded_keys == ["n2", "n1"]


def test_a_round_holds_about_a_second_of_sends_at_the_pace_of_the_moment():
    # Given the alerts' pace: the limit of 200 a second, 5 a second while a batch is served, or a limit of 0.2,
    # then a round takes a second's worth, but never more than DUE_BATCH and always at least one.
    assert alerting.round_size(200.0) == 200 and alerting.round_size(5.0) == 5
    assert alerting.round_size(10_000.0) == alerting.DUE_BATCH and alerting.round_size(0.2) == 1


def test_an_alert_is_recorded_with_every_channel_s_attempts_and_the_moment_it_was_sent():
    # Given an alert sent by email on its second try, after three failed texts,
    marker = {"_id": "n1", "notice_id": "n1", "filing_id": "f1", "channel": "email", "attempts": 1,
              "tried": [{"channel": "sms", "attempts": 3}]}
    # when it is recorded with its round, then it counts five attempts and keeps when it went, not the round's end.
    alerted = alerting._alerted(marker, "2026-11-30T12:00:01.000000+00:00")
    assert (alerted.channel, alerted.attempts, alerted.alerted_at) == ("email", 5, "2026-11-30T12:00:01.000000+00:00")


def test_a_batch_is_accepted_once_and_completed_once():
    accepted = NoticeBatchAccepted(batch_id="b1", court_id="c1", notices=3, chunks=1, chunk_lines=500)
    completed = NoticeBatchCompleted(batch_id="b1", court_id="c1", notices=3, rejected=0,
                                     completed_at="2026-11-30T12:00:00Z")
    assert batches.complete_once(None, completed).events == []  # never accepted: nothing was promised
    assert batches.accept_once(None, accepted).events == [accepted]
    state = batches.aggregate.replay([accepted])
    assert batches.accept_once(state, accepted).events == []
    assert batches.complete_once(state, completed).events == [completed]
    assert batches.complete_once(batches.aggregate.replay([accepted, completed]), completed).events == []


def test_an_email_address_is_recorded_when_it_changes():
    first = EmailSet(ebox_id="IR-1", email="a@example.org")
    assert contacts.set_address(None, first).events == [first]
    state = contacts.aggregate.replay([first])
    assert state == "a@example.org" and contacts.set_address(state, first).events == []
    second = EmailSet(ebox_id="IR-1", email="b@example.org")
    assert contacts.set_address(state, second).events == [second]


async def test_a_stuck_notice_s_stream_is_written_once_even_when_two_monitors_race():
    store = MemoryCommits()
    found = NoticeStuck(notice_id="n1", reason="not-alerted", since="2026-11-30T10:00:00Z",
                        found_at="2026-11-30T11:00:00Z")
    first = await monitor.aggregate.execute(store, "not-alerted-n1", monitor.find_once, found, cause="x")
    other = MemoryCommits()
    other.streams = store.streams  # another process: holds nothing, shares the stored stream
    second = await monitor.aggregate.execute(other, "not-alerted-n1", monitor.find_once, found, cause="x")
    assert first.stored and not second.stored and len(store.streams["stuck-not-alerted-n1"]) == 1
