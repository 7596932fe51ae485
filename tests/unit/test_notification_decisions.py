"""Given/when/then: the notification aggregates' decisions (e-box, notice, paper task), on events alone."""

from datetime import UTC, datetime, timedelta

import pytest

from ejustice_notification.eboxes import service as eboxes
from ejustice_notification.eboxes.events import EboxOpened, NoticeFiled
from ejustice_notification.notices import service as notices
from ejustice_notification.notices.deemed import DaysAfterDelivery, OnDelivery
from ejustice_notification.notices.models import NoticeContent
from ejustice_notification.paper import service as paper
from ejustice_shared.auth import Principal, Role
from ejustice_shared.events import NoticeDelivered, NoticeServed, NoticeViewed, PaperServiceRecorded, Party
from ejustice_shared.problems import Problem

pytestmark = pytest.mark.unit

OPENED = EboxOpened(ebox_id="IR-1", jurisdiction="IR", national_id="0012424862", account_id="acc-1",
                    mobile="+989121234567", user_code="1234567897", registered_via="online")
CONTENT = NoticeContent(kind="case-accepted", jurisdiction="IR", filing_id="f1", court_id="c1", tracking_code="t",
                        case_number="n1", title={"fa": "t", "vi": "t", "en": "t"},
                        body={"fa": "b", "vi": "b", "en": "b"})
AT = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def test_an_ebox_opens_once_and_files_each_notice_once():
    assert eboxes.open_once(eboxes.aggregate.replay([]), OPENED).events == [OPENED]
    assert eboxes.open_once(eboxes.aggregate.replay([OPENED]), OPENED).events == []
    filed = NoticeFiled(ebox_id="IR-1", notice_id="n1", kind="case-accepted")
    state = eboxes.aggregate.replay([OPENED, filed])
    assert state.notice_ids == ("n1",) and eboxes.file(state, filed).events == []


def deposit(policy, moment=AT):
    ebox = eboxes.aggregate.replay([OPENED])
    return notices.deposit(None, notices.Deposit("n1", ebox, CONTENT, policy, moment)).events


def test_a_notice_served_on_delivery_is_served_in_its_first_commit():
    events = deposit(OnDelivery(rule="on_delivery"))
    assert [e.type for e in events] == ["notice.deposited", NoticeDelivered.type, NoticeServed.type]
    assert notices.deposit(notices.aggregate.replay(events), notices.Deposit(
        "n1", eboxes.aggregate.replay([OPENED]), CONTENT, OnDelivery(rule="on_delivery"), AT)).events == []


def test_a_notice_served_days_after_delivery_waits_and_its_first_view_is_recorded_once():
    policy = DaysAfterDelivery(rule="days_after_delivery", days=10)
    events = deposit(policy)
    assert [e.type for e in events] == ["notice.deposited", NoticeDelivered.type]
    state = notices.aggregate.replay(events)
    assert notices.serve_if_due(state, AT + timedelta(days=1)).events == []
    [served] = notices.serve_if_due(state, AT + timedelta(days=11)).events
    assert isinstance(served, NoticeServed)
    viewed = notices.first_view(state, AT + timedelta(hours=1)).events
    assert [type(e) for e in viewed][0] is NoticeViewed
    assert notices.first_view(notices.aggregate.replay([*events, *viewed]), AT).events == []


def test_a_paper_task_opens_once_and_takes_one_outcome():
    party = Party(role="respondent", national_id="0012504051", name="Reza Karimi", city_id="IR-THR")
    opened = paper.open_once(None, paper.OpenTask("t1", party, CONTENT)).events
    assert [e.type for e in opened] == ["paper_service.opened", "paper_service.requested"]
    state = paper.aggregate.replay(opened)
    assert paper.open_once(state, paper.OpenTask("t1", party, CONTENT)).events == []
    clerk = Principal(subject="clerk-1", roles=[Role.CLERK])
    [recorded] = paper.record(state, paper.RecordOutcome(clerk.subject, "served", None, AT, None)).events
    assert isinstance(recorded, PaperServiceRecorded) and recorded.served_at is not None
    with pytest.raises(Problem) as refused:
        paper.record(paper.aggregate.replay([*opened, recorded]),
                     paper.RecordOutcome("clerk-2", "refused", None, AT, None))
    assert refused.value.status == 409


def test_a_paper_task_goes_to_an_office_and_only_its_clerks_answer_it():
    party = Party(role="respondent", national_id="0012504051", name="Reza Karimi", city_id="IR-THR")
    opened = paper.open_once(None, paper.OpenTask("t1", party, CONTENT)).events
    with pytest.raises(LookupError):  # assigned before it is opened: redelivered until it is
        paper.assign_office(None, paper.Assign("IR-THR-101", None))
    [assigned] = paper.assign_office(paper.aggregate.replay(opened), paper.Assign("IR-THR-101", None)).events
    state = paper.aggregate.replay([*opened, assigned])
    assert state.office_id == "IR-THR-101"
    assert paper.assign_office(state, paper.Assign("IR-THR-101", None)).events == []
    [handed] = paper.assign_office(state, paper.Assign("IR-THR-102", "IR-THR-101")).events
    state = paper.aggregate.replay([*opened, assigned, handed])
    assert state.office_id == "IR-THR-102"
    with pytest.raises(Problem) as elsewhere:  # the first office's clerk, after the handover
        paper.record(state, paper.RecordOutcome("clerk-1", "served", None, AT, "IR-THR-101"))
    assert elsewhere.value.status == 404
    [recorded] = paper.record(state, paper.RecordOutcome("clerk-2", "served", None, AT, "IR-THR-102")).events
    answered = paper.aggregate.replay([*opened, assigned, handed, recorded])
    assert paper.assign_office(answered, paper.Assign("IR-THR-103", "IR-THR-102")).events == []
