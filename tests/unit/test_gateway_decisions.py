"""Given/when/then: the gateway's aggregates (rate limits, registrations, accounts, sessions, proofs, citizens'
confirmations, printed papers) decide alone."""

from datetime import UTC, datetime, timedelta

import pytest

from ejustice_gateway.confirmations import service as confirmations
from ejustice_gateway.confirmations.events import ConfirmationGiven, ConfirmationRequested
from ejustice_gateway.identity import accounts, registration
from ejustice_gateway.identity.events import (
    AccountActedForByClerk,
    AccountMobileProven,
    AccountSignedIn,
    AccountSignedOutEverywhere,
    RateLimitTaken,
    RegistrationCodeFailed,
    RegistrationLocked,
    RegistrationProven,
    RegistrationStarted,
    RegistrationVerified,
)
from ejustice_gateway.proofing import providers
from ejustice_gateway.proofing.events import SandboxMobileOwnerClaimed
from ejustice_gateway.proofing.models import Proof
from ejustice_gateway.sessions import service as sessions
from ejustice_gateway.sessions.events import SessionOpened, SessionRefreshed, SessionRevoked
from ejustice_gateway.web.papers import service as papers
from ejustice_gateway.web.papers.events import PaperIssued
from ejustice_shared.auth import Principal, Role
from ejustice_shared.events import AccountRegistered
from ejustice_shared.problems import Problem

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
PROOF = Proof(method="account-mobile", provider="ejustice")
CODE_HASH = registration.hasher.hash("123456")
STARTED = RegistrationStarted(registration_id="r1", jurisdiction="IR", national_id="0012424862",
                              mobile="+989121234567", code_hash=CODE_HASH,
                              expires_at=(NOW + timedelta(minutes=5)).isoformat())
PROVEN = RegistrationProven(registration_id="r1", **PROOF.model_dump())
ACCOUNT_ID = accounts.account_id_for("IR", "0012424862")


def test_a_rate_limit_takes_slots_until_the_limit():
    command = registration.Take("mobile:+98912", 2, "for this number", 30)
    assert registration.take_slot(registration.limits.replay([RateLimitTaken(key="mobile:+98912")]),
                                  command).events == [RateLimitTaken(key="mobile:+98912")]
    with pytest.raises(Problem) as refused:
        registration.take_slot(registration.limits.replay([RateLimitTaken(key="k")] * 2), command)
    assert refused.value.status == 429


def verify(*events, code="123456", attempts=3, now=NOW):
    state = registration.aggregate.replay(list(events))
    return registration.check_code(state, registration.Verify("r1", code, attempts, now))


def test_the_right_code_verifies_once():
    decision = verify(STARTED, PROVEN)
    assert decision.events == [RegistrationVerified(registration_id="r1", account_id=ACCOUNT_ID)]
    with pytest.raises(Problem) as refused:
        verify(STARTED, PROVEN, *decision.events)
    assert refused.value.status == 409


def test_wrong_codes_count_down_and_lock():
    decision = verify(STARTED, PROVEN, code="000000")
    assert decision.events == [RegistrationCodeFailed(registration_id="r1")] and decision.result == 2
    failed = [RegistrationCodeFailed(registration_id="r1")] * 2
    last = verify(STARTED, PROVEN, *failed, code="000000")
    assert [type(e) for e in last.events] == [RegistrationCodeFailed, RegistrationLocked] and last.result == 0
    with pytest.raises(Problem) as refused:
        verify(STARTED, PROVEN, *failed, *last.events)
    assert refused.value.status == 429


def test_an_unproven_or_expired_registration_is_not_verified():
    with pytest.raises(Problem):
        verify(STARTED)
    with pytest.raises(Problem) as refused:
        verify(STARTED, PROVEN, now=NOW + timedelta(hours=1))
    assert refused.value.status == 410


def test_a_first_sign_in_opens_the_account_and_a_later_one_only_signs_in():
    command = registration.OpenAccount(STARTED, PROOF, "s1")
    first = registration.sign_in(accounts.aggregate.replay([]), command)
    assert [type(e) for e in first.events] == [AccountRegistered, AccountMobileProven, AccountSignedIn]
    assert first.result is True
    again = registration.sign_in(accounts.aggregate.replay(first.events), command)
    assert [type(e) for e in again.events] == [AccountSignedIn] and again.result is False


def test_signing_out_everywhere_is_the_holder_s_and_clerks_act_only_for_an_account():
    holder = Principal(subject=ACCOUNT_ID, roles=[Role.CITIZEN])
    opened = registration.sign_in(accounts.aggregate.replay([]), registration.OpenAccount(STARTED, PROOF, "s1")).events
    assert sessions.sign_out_all(accounts.aggregate.replay(opened), holder).events == [
        AccountSignedOutEverywhere(account_id=ACCOUNT_ID)]
    with pytest.raises(Problem):
        sessions.sign_out_all(accounts.aggregate.replay([]), holder)
    acted = AccountActedForByClerk(account_id=ACCOUNT_ID, office_id="o1", clerk="c1", proof_id="p1")
    with pytest.raises(Problem):
        sessions.note_clerk(accounts.aggregate.replay([]), acted)
    assert sessions.note_clerk(accounts.aggregate.replay(opened), acted).events == [acted]


OPENED = SessionOpened(session_id="s1", account_id=ACCOUNT_ID, jurisdiction="IR", national_id="0012424862",
                       account_seq=1, token_hash="h1", expires_at="2099-01-01T00:00:00+00:00")


HOLDER = accounts.Account(account_id=ACCOUNT_ID)


def refresh(*events, presented="h1", account=HOLDER):
    return sessions.refresh_session(sessions.aggregate.replay(list(events)), sessions.Refresh(
        presented, "h2", "2099-01-02T00:00:00+00:00", "2026-11-30T12:00:00+00:00", account))


def test_a_refresh_rotates_the_token_and_a_replaced_one_revokes_the_session():
    [rotated] = refresh(OPENED).events
    assert isinstance(rotated, SessionRefreshed) and rotated.token_hash == "h2"
    reused = refresh(OPENED, rotated)
    assert reused.result == "reused" and isinstance(reused.events[0], SessionRevoked)
    with pytest.raises(Problem):
        refresh(OPENED, presented="unknown")
    with pytest.raises(Problem):
        refresh(OPENED, account=accounts.Account(account_id=ACCOUNT_ID, signed_out_at_seq=5))


def test_signing_out_ends_a_session_once():
    [revoked] = sessions.end_session(sessions.aggregate.replay([OPENED]), "h1").events
    assert revoked.reason == "signed-out"
    assert sessions.end_session(sessions.aggregate.replay([OPENED, revoked]), "h1").events == []
    assert sessions.end_session(sessions.aggregate.replay([OPENED]), "other").events == []


def test_the_sandbox_directory_s_first_mobile_owns_the_national_id():
    first = SandboxMobileOwnerClaimed(jurisdiction="IR", national_id="1", mobile="+98911")
    assert providers.claim_owner(None, first).events == [first]
    assert providers.sandbox_owners.replay([first]) == "+98911"
    assert providers.claim_owner("+98911", first).events == []


# --- a citizen's confirmation of a clerk's submission -----------------------------------------------------------

REQUESTED = ConfirmationRequested(confirmation_id="c1", account_id=ACCOUNT_ID, filing_id="f1",
                                  office_id="IR-THR-101", clerk="clerk-1", code_hash=CODE_HASH,
                                  expires_at=(NOW + timedelta(minutes=5)).isoformat())


def confirm(code_right: bool, *, account_id: str = ACCOUNT_ID, office_id: str = "IR-THR-101",
            now: datetime = NOW) -> confirmations.Confirm:
    return confirmations.Confirm("c1", account_id, office_id, code_right, 3, now.isoformat())


def test_a_confirmation_is_requested_once():
    assert confirmations.request_once(confirmations.aggregate.replay([]), REQUESTED).events == [REQUESTED]
    assert confirmations.request_once(confirmations.aggregate.replay([REQUESTED]), REQUESTED).events == []


def test_the_right_code_confirms_the_filing_once_for_the_clerk_of_that_office():
    given = confirmations.aggregate.replay([REQUESTED])
    for stranger in (confirm(True, account_id="someone-else"), confirm(True, office_id="IR-THR-102")):
        with pytest.raises(Problem) as unknown:
            confirmations.confirm_code(given, stranger)
        assert unknown.value.status == 404
    decision = confirmations.confirm_code(given, confirm(True))
    assert decision.events == [ConfirmationGiven(confirmation_id="c1")] and decision.result == "f1"
    with pytest.raises(Problem) as used:
        confirmations.confirm_code(confirmations.aggregate.replay([REQUESTED, *decision.events]), confirm(True))
    assert used.value.status == 409
    with pytest.raises(Problem) as expired:
        confirmations.confirm_code(given, confirm(True, now=NOW + timedelta(minutes=6)))
    assert expired.value.status == 410


def test_wrong_codes_count_down_and_lock_the_confirmation():
    failed = []
    for left in (2, 1, 0):
        decision = confirmations.confirm_code(confirmations.aggregate.replay([REQUESTED, *failed]), confirm(False))
        assert decision.result == confirmations.Wrong(left)
        failed += decision.events
    with pytest.raises(Problem) as locked:
        confirmations.confirm_code(confirmations.aggregate.replay([REQUESTED, *failed]), confirm(True))
    assert locked.value.status == 429


def test_a_paper_s_code_is_issued_once():
    issued = PaperIssued(code="123456789012", kind="receipt", reference="p1", title={"en": "Receipt"},
                         facts={"amount": "10"}, issued_at=NOW.isoformat())
    assert papers.issue_once(papers.aggregate.replay([]), issued).events == [issued]
    again = issued.model_copy(update={"issued_at": (NOW + timedelta(days=1)).isoformat()})
    assert papers.issue_once(papers.aggregate.replay([issued]), again).events == []
    assert papers.aggregate.replay([issued, again]) == issued  # what was issued first is what is shown
