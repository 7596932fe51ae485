"""Filing decisions: each takes the stream's history and returns the events to append."""

import uuid

from ejustice_filing.filings.models import FeeRead, FilingCreate, FilingRead
from ejustice_filing.subjects import service as subjects
from ejustice_shared.auth import Principal
from ejustice_shared.commits import Commit
from ejustice_shared.events import Envelope, FeeAssessed, FilingFeeRecorded, FilingOpened, FilingSubmitted
from ejustice_shared.problems import Problem
from ejustice_shared.runtime import ServiceRuntime

SOURCE = "filing"


def stream_of(filing_id: str) -> str:
    return f"filing-{filing_id}"


def fold(history: list[Commit]) -> FilingRead | None:
    """The filing as its dossier entries leave it."""
    filing: FilingRead | None = None
    for commit in history:
        for envelope in commit.events:
            match envelope.parse():
                case FilingOpened() as opened:
                    filing = FilingRead(
                        id=opened.filing_id, status="submitted", kind=opened.kind,
                        subject_code=opened.subject_code, jurisdiction=opened.jurisdiction, claim=opened.claim,
                        statement=opened.statement, filer_id=opened.filer_id, submitted_at=envelope.time,
                        version=commit.seq,
                    )
                case FilingFeeRecorded() as fee if filing:
                    filing = filing.model_copy(update={"fee": FeeRead(
                        assessment_id=fee.assessment_id, amount=fee.fee, fee_code=fee.fee_code,
                        fee_version=fee.fee_version)})
        if filing:
            filing = filing.model_copy(update={"version": commit.seq})
    return filing


def check_submission(create: FilingCreate) -> list[dict]:
    """Every problem a person can act on, found at once."""
    subject = subjects.find(create.subject_code)
    if subject is None:
        return [{"field": "subject_code", "code": "unknown-subject",
                 "reason": f"There is no subject '{create.subject_code}'; see GET /subjects."}]
    errors = []
    if subject.claim_required and create.claim is None:
        errors.append({"field": "claim", "code": "claim-required",
                       "reason": f"A claim amount is required for '{subject.names['en']}'."})
    expected = {"IR": "IRR", "VN": "VND"}[create.jurisdiction]
    if create.claim is not None and create.claim.currency != expected:
        errors.append({"field": "claim.currency", "code": "currency-mismatch",
                       "reason": f"Claims in jurisdiction {create.jurisdiction} are in {expected}."})
    return errors


async def submit(runtime: ServiceRuntime, *, principal: Principal, create: FilingCreate) -> FilingRead:
    if errors := check_submission(create):
        raise Problem(422, "validation", errors=errors)
    subject = subjects.find(create.subject_code)
    filing_id = uuid.uuid4().hex
    facts = dict(filing_id=filing_id, kind=subject.kind, subject_code=subject.code,
                 jurisdiction=create.jurisdiction, claim=create.claim)
    filer = principal.on_behalf_of or principal.subject
    proxied_by = principal.subject if principal.on_behalf_of else None
    events = [
        Envelope.wrap(FilingOpened(**facts, statement=create.statement, filer_id=filer), source=SOURCE,
                      subject=filing_id),
        Envelope.wrap(FilingSubmitted(**facts, filer_id=filer, proxied_by=proxied_by), source=SOURCE,
                      subject=filing_id),
    ]
    commit = await runtime.commits.execute(stream_of(filing_id), lambda history: events, actor=actor_of(principal))
    return fold([commit])


async def get(runtime: ServiceRuntime, *, principal: Principal, filing_id: str) -> FilingRead:
    filing = fold(await runtime.commits.load(stream_of(filing_id)))
    if filing is None or filing.filer_id not in (principal.subject, principal.on_behalf_of):
        raise Problem(404, "filing-not-found", detail="No filing with this id is visible to you.")
    return filing


async def record_fee(runtime: ServiceRuntime, *, cause: Envelope, fee: FeeAssessed) -> None:
    def decide(history: list[Commit]) -> list[Envelope]:
        filing = fold(history)
        if filing is None:
            raise LookupError(f"fee assessed for unknown filing {fee.filing_id}")
        if filing.fee is not None and filing.fee.assessment_id == fee.assessment_id:
            return []
        return [Envelope.wrap(FilingFeeRecorded(
            filing_id=fee.filing_id, assessment_id=fee.assessment_id, fee=fee.amount, fee_code=fee.fee_code,
            fee_version=fee.fee_version, cause_event_id=cause.id), source=SOURCE, subject=fee.filing_id)]

    await runtime.commits.execute(stream_of(fee.filing_id), decide, cause=cause.id, actor={"service": cause.source})


def actor_of(principal: Principal) -> dict:
    return {"subject": principal.subject, "roles": [str(r) for r in principal.roles],
            "on_behalf_of": principal.on_behalf_of}
