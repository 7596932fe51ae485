"""Given/when/then: drafts an office's clerk began for a citizen follow the office's handover (no server)."""

import asyncio
from types import SimpleNamespace

import pytest

from ejustice_filing.access import service as access
from ejustice_filing.filings.events import FilingHandedOver, FilingOpened, FilingStatementSet
from ejustice_filing.filings.service import Change, aggregate, change_draft, open_filing
from ejustice_filing.offices.service import HandOver, drafts_at, hand_over, hand_over_draft
from ejustice_shared.aggregate import MemoryCommits
from ejustice_shared.auth import Principal, Role
from ejustice_shared.events import FilingSubmitted
from ejustice_shared.problems import Problem

pytestmark = pytest.mark.unit

F = "f1"
OPENED = FilingOpened(filing_id=F, kind="petition", subject_code="cheque-claim", jurisdiction="IR", filer_id="acc-1")
CLERK_A = Principal(subject="clerk-a", roles=[Role.CLERK], office_id="IR-AST-101", on_behalf_of="acc-1")
CLERK_B = Principal(subject="clerk-b", roles=[Role.CLERK], office_id="IR-AST-102", on_behalf_of="acc-1")
FILER = Principal(subject="acc-1", roles=[Role.CITIZEN])
A_TO_B = HandOver("IR-AST-101", "IR-AST-102", "suspended")
STATEMENT = Change(CLERK_A, [FilingStatementSet(filing_id=F, statement="s")])


def begun_by(principal: Principal, *events):
    return aggregate.replay([OPENED, *events], actor=principal.as_actor())


def test_a_draft_begun_at_a_counter_is_held_by_the_clerks_office():
    filing = begun_by(CLERK_A).read
    assert (filing.office_id, filing.proxied_by) == ("IR-AST-101", "clerk-a")
    assert begun_by(FILER).read.office_id is None  # the citizen's own draft belongs to no office
    assert change_draft(begun_by(CLERK_A), STATEMENT).events
    with pytest.raises(Problem) as refused:
        change_draft(begun_by(CLERK_A), Change(CLERK_B, STATEMENT.events))
    assert refused.value.status == 403 and refused.value.kind == "draft-held-by-another-office"
    assert change_draft(begun_by(CLERK_A), Change(FILER, STATEMENT.events)).events  # the filer always may


def test_a_handover_moves_the_draft_and_the_old_office_can_no_longer_change_it():
    [moved] = hand_over_draft(begun_by(CLERK_A), A_TO_B).events
    assert moved == FilingHandedOver(filing_id=F, from_office_id="IR-AST-101", to_office_id="IR-AST-102",
                                     reason="suspended")
    after = begun_by(CLERK_A, moved)
    assert after.read.office_id == "IR-AST-102"
    assert change_draft(after, Change(CLERK_B, STATEMENT.events)).events
    with pytest.raises(Problem, match="draft-held-by-another-office"):
        change_draft(after, STATEMENT)
    assert hand_over_draft(after, A_TO_B).events == []  # held elsewhere now


def test_only_drafts_are_handed_over():
    submitted = FilingSubmitted(filing_id=F, kind="petition", subject_code="cheque-claim", jurisdiction="IR",
                                filer_id="acc-1", court_id="IR-THR-1", court_reason={"en": "r"},
                                tracking_code="123456789012")
    assert hand_over_draft(begun_by(CLERK_A, submitted), A_TO_B).events == []
    assert hand_over_draft(begun_by(FILER), A_TO_B).events == []


def test_a_redelivered_handover_adds_no_entry():
    store = MemoryCommits()
    runtime = SimpleNamespace(commits=store)

    async def scenario():
        await access.list_at_office(runtime, filing_id=F, office_id="IR-AST-101", cause=f"listed-{F}")
        await aggregate.execute(store, F, open_filing, OPENED, actor=CLERK_A.as_actor())
        assert await hand_over(runtime, from_office_id="IR-AST-101", to_office_id="IR-AST-102", reason="r",
                               cause="event-1") == [F]
        length = len(store.streams[f"filing-{F}"])
        await hand_over(runtime, from_office_id="IR-AST-101", to_office_id="IR-AST-102", reason="r", cause="event-1")
        assert len(store.streams[f"filing-{F}"]) == length == 2
        assert await drafts_at(runtime, "IR-AST-101") == [] and await drafts_at(runtime, "IR-AST-102") == [F]
        assert (await aggregate.state(store, F)).read.office_id == "IR-AST-102"

    asyncio.run(scenario())
