"""Fee assessment from the versioned schedule (fee codes with dated versions and legal basis)."""

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from ejustice_payment.fees.models import AssessmentRead, FeeQuote, FeeSchedule, FixedFee, PercentageFee
from ejustice_shared.aggregate import Aggregate, Decision, Fact
from ejustice_shared.auth import Principal
from ejustice_shared.events import Envelope, FeeAssessed, FeeReassessed, FilingResubmitted, FilingSubmitted, Money
from ejustice_shared.problems import Problem
from ejustice_shared.runtime import ServiceRuntime

SOURCE = "payment"


class NoFeeCode(LookupError):
    """The schedule has no fee for this subject, place or date: an operator must fix the schedule."""


@cache
def schedule() -> FeeSchedule:
    return FeeSchedule.model_validate(json.loads((Path(__file__).parent / "schedule.json").read_text("utf-8")))


def quote(*, jurisdiction: str, subject_code: str, claim: Money | None, on: date) -> FeeQuote:
    code = schedule().subject_fees.get(jurisdiction, {}).get(subject_code)
    fee_code = next((f for f in schedule().fee_codes if f.code == code), None)
    if fee_code is None:
        raise NoFeeCode(f"no fee code for subject {subject_code} in {jurisdiction}")
    in_force = [v for v in fee_code.versions if v.valid_from <= on]
    if not in_force:
        raise NoFeeCode(f"{fee_code.code} has no version in force on {on}")
    version = max(in_force, key=lambda v: v.valid_from)
    match version:
        case FixedFee():
            amount, basis = version.amount, f"fixed fee {version.amount} {version.currency}"
        case PercentageFee():
            claimed = claim.amount if claim else 0
            share = claimed * version.rate_basis_points // 10_000
            amount = min(max(share, version.minimum), version.maximum)
            basis = (f"{version.rate_basis_points / 100:g}% of {claimed} {version.currency}, "
                     f"kept within {version.minimum}..{version.maximum}")
    return FeeQuote(fee_code=fee_code.code, fee_version=version.version, basis=f"{basis}; {version.legal_basis}",
                    amount=Money(amount=amount, currency=version.currency))


def stream_of(filing_id: str) -> str:
    return f"assessment-{filing_id}"


# Every assessment of a filing, the first at submission, then one per reassessment; the last is in force.
aggregate = Aggregate("assessment", stream=stream_of, initial=[], source=SOURCE, state_type=list[AssessmentRead],
                      copy=list)


@aggregate.evolves(FeeAssessed)
def _assessed(state: list[AssessmentRead], assessed: FeeAssessed, fact: Fact) -> list[AssessmentRead]:
    state.append(AssessmentRead(**assessed.model_dump(), assessed_at=fact.time))
    return state


@aggregate.evolves(FeeReassessed)
def _reassessed(state: list[AssessmentRead], again: FeeReassessed, fact: Fact) -> list[AssessmentRead]:
    state.append(AssessmentRead(**again.model_dump(include=set(AssessmentRead.model_fields)), assessed_at=fact.time))
    return state


def assess_once(revisions: list[AssessmentRead], assessed: FeeAssessed) -> Decision:
    return Decision([] if revisions else [assessed])


async def assess(runtime: ServiceRuntime, *, cause: Envelope, filing: FilingSubmitted) -> None:
    """Assess a submitted filing's fee once, whatever number of times the event arrives."""
    fee = quote(jurisdiction=filing.jurisdiction, subject_code=filing.subject_code, claim=filing.claim,
                on=date.fromisoformat(cause.time[:10]))
    assessed = FeeAssessed(assessment_id=f"asm-{filing.filing_id}", filing_id=filing.filing_id,
                           payer_id=filing.filer_id, **fee.model_dump())
    await aggregate.execute(runtime.commits, filing.filing_id, assess_once, assessed, cause=cause.id,
                            actor={"service": cause.source})


@dataclass(frozen=True)
class Reassess:
    filing: FilingResubmitted
    collected: int


def reassess_filing(revisions: list[AssessmentRead], command: Reassess) -> Decision:
    """The schedule version is the one in force when the filing was first submitted: correcting a
    filing does not move it under a later schedule."""
    if not revisions:  # its filing.submitted has not been assessed yet: the delivery is retried
        raise LookupError(f"filing {command.filing.filing_id} was never assessed")
    filing, collected, latest = command.filing, command.collected, revisions[-1]
    fee = quote(jurisdiction=filing.jurisdiction, subject_code=filing.subject_code, claim=filing.claim,
                on=date.fromisoformat(revisions[0].assessed_at[:10]))
    revision = latest.revision + 1
    currency = fee.amount.currency
    return Decision([FeeReassessed(
        assessment_id=f"asm-{filing.filing_id}-r{revision}", filing_id=filing.filing_id, payer_id=filing.filer_id,
        revision=revision, previous_amount=latest.amount, collected=Money(amount=collected, currency=currency),
        due=Money(amount=max(fee.amount.amount - collected, 0), currency=currency),
        excess=Money(amount=max(collected - fee.amount.amount, 0), currency=currency), **fee.model_dump())])


async def reassess(runtime: ServiceRuntime, *, cause: Envelope, filing: FilingResubmitted,
                   collected: int) -> FeeReassessed:
    """Assess a corrected filing's fee again, once per resubmission; `collected` is what it has paid net."""
    outcome = await aggregate.execute(runtime.commits, filing.filing_id, reassess_filing, Reassess(filing, collected),
                                      cause=cause.id, actor={"service": cause.source})
    return outcome.commit.events[0].parse()


def pays(principal: Principal, payer_id: str) -> bool:
    """The payer acts, or a clerk acts on the payer's behalf."""
    return payer_id in (principal.subject, principal.acting_for)


async def find_assessment(runtime: ServiceRuntime, filing_id: str) -> AssessmentRead | None:
    """The assessment in force: the latest."""
    revisions = await aggregate.state(runtime.commits, filing_id)
    return revisions[-1] if revisions else None


async def get_assessment(runtime: ServiceRuntime, *, principal: Principal, filing_id: str) -> AssessmentRead:
    assessment = await find_assessment(runtime, filing_id)
    if assessment is None or not pays(principal, assessment.payer_id):
        raise Problem(404, "assessment-not-found", detail="No fee assessment for this filing is visible to you.")
    return assessment
