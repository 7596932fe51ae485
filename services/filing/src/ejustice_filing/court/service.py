"""The court's side: its own filings only, accepted as cases or returned for correction."""

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path

from ejustice_filing.access import service as access
from ejustice_filing.court.models import ReturnReasonRead
from ejustice_filing.filings import jurisdiction
from ejustice_filing.filings import service as filings
from ejustice_filing.filings.models import Acceptance, FilingRead, Return
from ejustice_shared.aggregate import Decision
from ejustice_shared.auth import Principal
from ejustice_shared.events import EventData, FilingAccepted, FilingReturned
from ejustice_shared.problems import Problem, field_error
from ejustice_shared.runtime import ServiceRuntime


@cache
def return_reasons() -> dict[str, ReturnReasonRead]:
    raw = json.loads((Path(__file__).parent / "reasons.json").read_text("utf-8"))
    return {item["code"]: ReturnReasonRead.model_validate(item) for item in raw}


async def inbox(runtime: ServiceRuntime, *, principal: Principal, status: str | None) -> list[FilingRead]:
    own = await filings.mine(runtime, principal=principal)
    return [f for f in own if status is None or f.status == status]


async def answer(runtime: ServiceRuntime, *, principal: Principal, filing_id: str, make,
                 opens_to_parties: bool = False) -> FilingRead:
    filing = await filings.read(runtime, principal=principal, filing_id=filing_id)
    if opens_to_parties:
        # Grants first: the parties find the filing as soon as the commit makes it a case, not before.
        await access.grant(runtime, filing_id=filing_id,
                           keys=[access.party_key(filing.jurisdiction, p.national_id) for p in filing.parties])

    outcome = await filings.aggregate.execute(runtime.commits, filing_id, answer_filing, make,
                                              actor=principal.as_actor())
    return outcome.state.read


def answer_filing(state: filings.Filing, make: Callable[[FilingRead], EventData]) -> Decision:
    """The court answers a forwarded filing once: accepted or returned."""
    current = state.read
    if current.status != "forwarded":
        raise Problem(409, "already-answered", detail=f"The filing is {current.status}; it was answered before.")
    return Decision([make(current)])


async def accept(runtime: ServiceRuntime, *, principal: Principal, filing_id: str,
                 acceptance: Acceptance) -> FilingRead:
    if acceptance.branch_id not in await jurisdiction.court_branches(runtime, principal.court_id):
        raise Problem(422, "validation", errors=[field_error("branch_id", "unknown-branch",
                                                             branch=acceptance.branch_id)])
    return await answer(runtime, principal=principal, filing_id=filing_id, opens_to_parties=True, make=lambda f: (
        FilingAccepted(filing_id=f.id, tracking_code=f.tracking_code, court_id=principal.court_id,
                       case_number=acceptance.case_number, branch_id=acceptance.branch_id,
                       jurisdiction=f.jurisdiction, parties=f.parties, accepted_by=principal.subject)))


async def return_for_correction(runtime: ServiceRuntime, *, principal: Principal, filing_id: str,
                                returned: Return) -> FilingRead:
    unknown = [n for n, r in enumerate(returned.reasons) if r.code not in return_reasons()]
    if unknown:
        raise Problem(422, "validation", errors=[
            field_error(f"reasons.{n}.code", "unknown-reason", allowed=", ".join(return_reasons())) for n in unknown])
    return await answer(runtime, principal=principal, filing_id=filing_id, make=lambda f: FilingReturned(
        filing_id=f.id, tracking_code=f.tracking_code, court_id=principal.court_id, reasons=returned.reasons,
        jurisdiction=f.jurisdiction, parties=f.parties, filer_id=f.filer_id, returned_by=principal.subject))


