"""Given/when/then: the filing aggregate's decisions, on events alone (no server)."""

import pytest

from ejustice_filing.access import service as access
from ejustice_filing.access.events import FilingListed, FilingUnlisted
from ejustice_filing.court.service import answer_filing
from ejustice_filing.dossier.service import announce, checkpoints
from ejustice_filing.filings import flows
from ejustice_filing.filings.events import (
    FilingClaimSet,
    FilingFeeRecorded,
    FilingNoFeeDue,
    FilingNoted,
    FilingOpened,
    FilingPaid,
    FilingPartiesSet,
    FilingStatementSet,
)
from ejustice_filing.filings.service import Change, Submit, aggregate, change_draft, open_filing, submit_filing
from ejustice_filing.representation.events import FilingAttorneyGranted, FilingAttorneyRevoked
from ejustice_filing.representation.service import Appoint, Dismiss, appoint, dismiss
from ejustice_shared.aggregate import MemoryCommits
from ejustice_shared.auth import Principal, Role
from ejustice_shared.events import (
    DossierCheckpointed,
    FeeAssessed,
    FilingAccepted,
    FilingForwarded,
    FilingResubmitted,
    FilingReturned,
    FilingSubmitted,
    Money,
    Party,
    PaymentCompleted,
    ReturnReason,
)
from ejustice_shared.problems import Problem

pytestmark = pytest.mark.unit

F = "f1"
FILER = Principal(subject="acc-1", roles=[Role.CITIZEN], national_id="0012424862", jurisdiction="IR")
STRANGER = Principal(subject="acc-2", roles=[Role.CITIZEN], national_id="0012504051", jurisdiction="IR")
CLAIM = Money(amount=500_000_000, currency="IRR")
PARTIES = [Party(role="applicant", national_id="0012424862", name="Maryam Ahmadi", city_id="IR-ABK"),
           Party(role="respondent", national_id="0012504051", name="Reza Karimi", city_id="IR-THR")]
OPENED = FilingOpened(filing_id=F, kind="petition", subject_code="cheque-claim", jurisdiction="IR", filer_id="acc-1")
DRAFT = [OPENED, FilingPartiesSet(filing_id=F, parties=PARTIES), FilingClaimSet(filing_id=F, claim=CLAIM),
         FilingStatementSet(filing_id=F, statement="The cheque bounced.")]
SUBMITTED = [*DRAFT, FilingSubmitted(filing_id=F, kind="petition", subject_code="cheque-claim", jurisdiction="IR",
                                     claim=CLAIM, filer_id="acc-1", court_id="IR-THR-1", court_reason={"en": "r"},
                                     tracking_code="123456789012")]
FORWARDED = [*SUBMITTED, FilingForwarded(filing_id=F, tracking_code="123456789012", court_id="IR-THR-1",
                                         court_reason={"en": "r"}, kind="petition", subject_code="cheque-claim",
                                         jurisdiction="IR", parties=PARTIES, claim=CLAIM, statement="s",
                                         documents=[])]
RETURNED = [*FORWARDED, FilingReturned(filing_id=F, tracking_code="123456789012", court_id="IR-THR-1",
                                       reasons=[ReturnReason(code="missing-document")], jurisdiction="IR",
                                       parties=PARTIES, filer_id="acc-1", returned_by="court")]
FEE = FeeAssessed(assessment_id="asm-f1", filing_id=F, payer_id="acc-1", fee_code="IR-1", fee_version=2, basis="b",
                  amount=Money(amount=17_500_000, currency="IRR"))


def given(*events):
    return aggregate.replay(list(events))


def submit(version: int, principal: Principal = FILER) -> Submit:
    return Submit(principal, version, "IR-THR-1", {"en": "r"}, "123456789012")


def test_the_state_follows_the_dossier():
    state = given(*FORWARDED)
    assert (state.read.status, state.read.version, state.read.court.court_id) == ("forwarded", 6, "IR-THR-1")
    assert state.fee_basis == ("cheque-claim", CLAIM)


def test_a_draft_is_opened_once():
    assert open_filing(given(), OPENED).events == [OPENED]
    with pytest.raises(Problem):
        open_filing(given(OPENED), OPENED)


def test_the_filer_changes_a_draft_and_no_one_else_does():
    event = FilingStatementSet(filing_id=F, statement="x")
    assert change_draft(given(*DRAFT), Change(FILER, [event])).events == [event]
    with pytest.raises(Problem) as refused:
        change_draft(given(*DRAFT), Change(STRANGER, [event]))
    assert refused.value.status == 403


def test_a_submitted_filing_no_longer_changes():
    with pytest.raises(Problem) as refused:
        change_draft(given(*SUBMITTED), Change(FILER, [FilingStatementSet(filing_id=F, statement="x")]))
    assert refused.value.status == 409


def test_a_draft_is_submitted_to_its_court_with_its_tracking_code():
    [event] = submit_filing(given(*DRAFT), submit(version=4)).events
    assert isinstance(event, FilingSubmitted)
    assert (event.court_id, event.tracking_code, event.claim) == ("IR-THR-1", "123456789012", CLAIM)


def test_a_filing_changed_since_it_was_checked_is_not_submitted():
    with pytest.raises(Problem) as refused:
        submit_filing(given(*DRAFT), submit(version=3))
    assert refused.value.status == 409


def test_a_dossier_note_arriving_after_the_check_does_not_stop_the_submission():
    noted = FilingNoted(filing_id=F, event_type="notice.delivered", event_id="e1", source="notification", summary={})
    state = given(*RETURNED, noted)
    assert state.read.version == 7  # as checked before the notice was noted
    assert submit_filing(state, submit(version=7)).events


def test_a_corrected_filing_with_the_same_claim_goes_straight_back_to_its_court():
    [event] = submit_filing(given(*RETURNED), submit(version=7)).events
    assert isinstance(event, FilingForwarded) and event.court_id == "IR-THR-1"


def test_a_corrected_filing_with_another_claim_is_resubmitted_for_a_new_fee():
    other = Money(amount=900_000_000, currency="IRR")
    [event] = submit_filing(given(*RETURNED, FilingClaimSet(filing_id=F, claim=other)), submit(version=8)).events
    assert isinstance(event, FilingResubmitted) and event.claim == other


def test_a_zero_fee_sends_the_filing_to_its_court_and_a_second_fee_is_ignored():
    zero = FEE.model_copy(update={"amount": Money(amount=0, currency="IRR")})
    events = flows.record_fee(given(*SUBMITTED), flows.RecordFee(zero, "e1")).events
    assert [type(e) for e in events] == [FilingFeeRecorded, FilingNoFeeDue, FilingForwarded]
    assert events[1].reason == "zero-fee"
    recorded = given(*SUBMITTED, events[0])
    assert flows.record_fee(recorded, flows.RecordFee(FEE, "e2")).events == []


def test_a_fee_to_pay_is_recorded_only():
    events = flows.record_fee(given(*SUBMITTED), flows.RecordFee(FEE, "e1")).events
    assert [type(e) for e in events] == [FilingFeeRecorded]


def test_a_payment_forwards_the_filing_and_a_late_one_is_noted_only():
    paid = PaymentCompleted(payment_id="p1", filing_id=F, payer_id="acc-1", amount=FEE.amount, fee_code="IR-1",
                            fee_version=2, receipt_number="1", verification_code="2", provider="sandbox",
                            provider_reference="r", paid_at="2026-01-01T00:00:00+00:00")
    events = flows.record_payment(given(*SUBMITTED), flows.RecordPayment(paid, "e1")).events
    assert [type(e) for e in events] == [FilingPaid, FilingForwarded]
    assert [type(e) for e in flows.record_payment(given(*FORWARDED), flows.RecordPayment(paid, "e1")).events] == \
        [FilingPaid]
    assert flows.record_payment(given(*SUBMITTED, events[0]), flows.RecordPayment(paid, "e1")).events == []


def test_an_event_about_an_unknown_filing_is_retried():
    noted = FilingNoted(filing_id=F, event_type="notice.delivered", event_id="e", source="notification", summary={})
    with pytest.raises(LookupError):
        flows.note(given(), noted)
    assert flows.note(given(OPENED), noted).events == [noted]


def test_the_court_answers_once():
    accept = lambda f: FilingAccepted(filing_id=F, tracking_code="t", court_id="IR-THR-1",  # noqa: E731
                                      case_number="c1", branch_id="b1", jurisdiction="IR", parties=[],
                                      accepted_by="court")
    [event] = answer_filing(given(*FORWARDED), accept).events
    with pytest.raises(Problem) as refused:
        answer_filing(given(*FORWARDED, event), accept)
    assert refused.value.status == 409


def test_the_filer_appoints_and_dismisses_an_attorney_but_a_stranger_does_not():
    granted = FilingAttorneyGranted(filing_id=F, grant_id="g1", national_id="0012504051")
    assert appoint(given(*DRAFT), Appoint(FILER, granted)).events == [granted]
    assert appoint(given(*DRAFT, granted), Appoint(FILER, granted)).events == []
    with pytest.raises(Problem):
        appoint(given(*DRAFT), Appoint(STRANGER, granted))
    decision = dismiss(given(*DRAFT, granted), Dismiss(FILER, "0012504051", None))
    assert isinstance(decision.events[0], FilingAttorneyRevoked) and decision.result == "g1"
    with pytest.raises(Problem) as refused:
        dismiss(given(*DRAFT), Dismiss(FILER, "0012504051", None))
    assert refused.value.status == 422


async def test_an_index_lists_and_unlists_and_a_cause_lists_once():
    store = MemoryCommits()
    await access.index.execute(store, "sub:a", access.enter, FilingListed(filing_id="f1"), cause="listed-f1")
    await access.index.execute(store, "sub:a", access.enter, FilingListed(filing_id="f2"), cause="listed-f2")
    again = await access.index.execute(store, "sub:a", access.enter, FilingListed(filing_id="f1"),
                                       cause="listed-f1")
    assert not again.stored and list(again.state) == ["f1", "f2"]
    gone = await access.index.execute(store, "sub:a", access.enter, FilingUnlisted(filing_id="f1"),
                                      cause="unlisted-f1-g")
    assert list(gone.state) == ["f2"]


def test_checkpoints_are_announced_once_in_order():
    line = DossierCheckpointed(number=2, origin="o", tree_size=1, root_hash="r", issued_at="t", key_id="k",
                               prev_line_hash="p", signature="s")
    assert announce(checkpoints.replay([]), line).events == [line]
    assert announce(checkpoints.replay([line]), line).events == []
