"""Who may read and who may change a filing, decided on the folded filing (the rules behind every grant)."""

import pytest

from ejustice_filing.access import service as access
from ejustice_filing.filings.models import CourtDecision, FilingRead
from ejustice_filing.representation.models import AttorneyRead, normalize_bar_number
from ejustice_shared.auth import Principal, Role
from ejustice_shared.events import Party
from ejustice_shared.problems import Problem

RESPONDENT = "0012504051"
LAWYER = "0499370899"


def filing(status: str = "draft", **changes) -> FilingRead:
    base = FilingRead(id="f1", status=status, kind="petition", subject_code="cheque-claim", jurisdiction="IR",
                      filer_id="acct-filer", opened_at="2026-11-30T10:00:00Z", version=1,
                      parties=[Party(role="applicant", national_id="0012424862", name="M", city_id="IR-ABK"),
                               Party(role="respondent", national_id=RESPONDENT, name="R", city_id="IR-THR")],
                      attorneys=[AttorneyRead(grant_id="g1", bar_number="1234", granted_at="2026-11-30T10:01:00Z"),
                                 AttorneyRead(grant_id="g2", national_id=LAWYER, granted_at="2026-11-30T10:02:00Z")])
    if status in ("forwarded", "accepted", "returned"):
        changes = {"forwarded_at": "2026-11-30T11:00:00Z",
                   "court": CourtDecision(court_id="IR-THR-CIVIL", reason={}), **changes}
    return base.model_copy(update=changes)


def who(*roles: Role, subject: str = "someone", **claims) -> Principal:
    return Principal(subject=subject, roles=list(roles), **claims)


FILER = who(Role.CITIZEN, subject="acct-filer", national_id="0012424862", jurisdiction="IR")
CLERK_FOR_FILER = who(Role.CLERK, subject="clerk-1", office_id="o-1", on_behalf_of="acct-filer")
ATTORNEY_BY_BAR = who(Role.LAWYER, subject="lawyer-1", bar_number="۰۱۲۳۴", jurisdiction="IR")
ATTORNEY_BY_ID = who(Role.LAWYER, subject="lawyer-2", national_id=LAWYER, jurisdiction="IR")
RESPONDENT_CITIZEN = who(Role.CITIZEN, subject="acct-resp", national_id=RESPONDENT, jurisdiction="IR")


@pytest.mark.parametrize("principal,capacity", [
    (FILER, "filer"), (CLERK_FOR_FILER, "clerk"), (ATTORNEY_BY_BAR, "attorney"), (ATTORNEY_BY_ID, "attorney"),
    (RESPONDENT_CITIZEN, None),
    # on_behalf_of counts only for a clerk; a clerk acting for someone else has no rights here.
    (who(Role.CITIZEN, on_behalf_of="acct-filer"), None),
    (who(Role.CLERK, subject="acct-filer", on_behalf_of="acct-other"), None),
    # A lawyer's claims must match a grant, in the filing's jurisdiction, with the lawyer role.
    (who(Role.LAWYER, bar_number="1234", jurisdiction="VN"), None),
    (who(Role.LAWYER, bar_number="1234"), None),
    (who(Role.CITIZEN, bar_number="1234", jurisdiction="IR"), None),
    (who(Role.LAWYER, bar_number="12345", jurisdiction="IR"), None),
    (who(Role.COURT, subject="acct-filer", court_id="IR-THR-CIVIL"), None),
])
def test_who_acts_as_the_filer(principal, capacity):
    assert access.capacity(filing(), principal) == capacity


@pytest.mark.parametrize("status", ["draft", "submitted", "forwarded", "returned"])
def test_other_parties_never_see_a_filing_before_the_court_accepts_it(status):
    assert not access.may_read(filing(status), RESPONDENT_CITIZEN)
    assert access.may_read(filing(status), FILER) and access.may_read(filing(status), ATTORNEY_BY_ID)


def test_parties_see_an_accepted_filing_but_may_not_change_it():
    accepted = filing("accepted")
    assert access.may_read(accepted, RESPONDENT_CITIZEN)
    with pytest.raises(Problem) as refused:
        access.check_may_change(accepted, RESPONDENT_CITIZEN)
    assert (refused.value.status, refused.value.kind) == (403, "not-the-filer")
    # A clerk acting for someone else does not borrow their own party rights.
    clerk = who(Role.CLERK, national_id=RESPONDENT, jurisdiction="IR", on_behalf_of="acct-other")
    assert not access.may_read(accepted, clerk)


def test_a_court_sees_only_what_was_forwarded_to_it():
    court = who(Role.COURT, court_id="IR-THR-CIVIL")
    assert not access.may_read(filing("submitted", court=CourtDecision(court_id="IR-THR-CIVIL", reason={})), court)
    assert access.may_read(filing("forwarded"), court)
    assert not access.may_read(filing("forwarded"), who(Role.COURT, court_id="IR-ISF-CIVIL"))


def test_a_revoked_attorney_loses_every_right():
    revoked = filing(attorneys=[])
    assert access.capacity(revoked, ATTORNEY_BY_BAR) is None and not access.may_read(revoked, ATTORNEY_BY_BAR)


def test_only_the_filer_or_their_clerk_appoints_an_attorney():
    access.check_may_appoint(filing(), FILER)
    access.check_may_appoint(filing(), CLERK_FOR_FILER)
    with pytest.raises(Problem) as refused:
        access.check_may_appoint(filing(), ATTORNEY_BY_ID)
    assert refused.value.kind == "filer-only"


def test_an_attorney_is_recorded_as_acting_on_the_filers_behalf():
    assert access.actor(filing(), ATTORNEY_BY_ID)["on_behalf_of"] == "acct-filer"
    assert access.actor(filing(), FILER)["on_behalf_of"] is None
    assert access.actor(filing(), CLERK_FOR_FILER)["on_behalf_of"] == "acct-filer"


def test_keys_name_who_asks():
    assert access.keys_of(CLERK_FOR_FILER) == ["sub:acct-filer"]
    assert access.keys_of(ATTORNEY_BY_BAR) == ["sub:lawyer-1", "attorney-bar:IR-1234"]
    assert access.keys_of(ATTORNEY_BY_ID) == ["sub:lawyer-2", f"nid:IR-{LAWYER}", f"attorney-nid:IR-{LAWYER}"]
    assert access.keys_of(who(Role.COURT, court_id="IR-THR-CIVIL")) == ["court:IR-THR-CIVIL"]


@pytest.mark.parametrize("typed,stored", [("1234", "1234"), ("۰۱۲۳۴", "1234"), ("12-34", "1234"), ("", None),
                                          ("0000", None), ("12a", None), ("1" * 13, None), (None, None)])
def test_bar_numbers_are_read_as_typed(typed, stored):
    assert normalize_bar_number(typed) == stored
