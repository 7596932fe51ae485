"""Filing decisions: each takes the stream's history and returns the events to append.

A filing is the stream `filing-<id>`; its commits are its dossier log.
"""

import uuid
from collections.abc import Callable

from ejustice_filing.access import service as access
from ejustice_filing.filings import jurisdiction
from ejustice_filing.filings.models import (
    ClaimUpdate,
    CourtDecision,
    FeeRead,
    FilingCreate,
    FilingRead,
    PartiesUpdate,
    PaymentRead,
    StatementUpdate,
)
from ejustice_filing.representation.models import AttorneyRead
from ejustice_filing.subjects import service as subjects
from ejustice_shared import codes
from ejustice_shared.auth import Principal, Role
from ejustice_shared.commits import Commit
from ejustice_shared.events import (
    Envelope,
    EventData,
    FilingAccepted,
    FilingClaimSet,
    FilingDocumentAdded,
    FilingFeeRecorded,
    FilingForwarded,
    FilingOpened,
    FilingPaid,
    FilingPartiesSet,
    FilingResubmitted,
    FilingReturned,
    FilingStatementSet,
    FilingSubmitted,
    Money,
    Party,
)
from ejustice_shared.events.catalog import FilingAttorneyGranted, FilingAttorneyRevoked
from ejustice_shared.people import valid_national_id
from ejustice_shared.problems import Problem, field_error
from ejustice_shared.runtime import ServiceRuntime

SOURCE = "filing"
CURRENCY = {"IR": "IRR", "VN": "VND"}
EDITABLE = ("draft", "returned")
# Kinds that are brought against someone: they need a respondent (for a declaration, its addressee).
NEEDS_RESPONDENT = ("petition", "complaint", "declaration")
TRACKING_CODE_DIGITS = 12


def stream_of(filing_id: str) -> str:
    return f"filing-{filing_id}"


def wrap(data: EventData, filing_id: str) -> Envelope:
    return Envelope.wrap(data, source=SOURCE, subject=filing_id)


# --- state -----------------------------------------------------------------------------------------


def fold(history: list[Commit]) -> FilingRead | None:
    """The filing as its dossier entries leave it."""
    filing: FilingRead | None = None
    for commit in history:
        for envelope in commit.events:
            event = envelope.parse()
            if isinstance(event, FilingOpened):
                actor = commit.actor or {}
                filing = FilingRead(
                    id=event.filing_id, status="draft", kind=event.kind, subject_code=event.subject_code,
                    jurisdiction=event.jurisdiction, filer_id=event.filer_id,
                    proxied_by=actor.get("subject") if actor.get("on_behalf_of") else None,
                    case_number=event.case_number, case_court_id=event.case_court_id,
                    event_city_id=event.event_city_id, opened_at=envelope.time, version=commit.seq)
            elif filing is not None:
                filing = filing.model_copy(update=_changes(event, envelope, filing))
        if filing is not None:
            filing = filing.model_copy(update={"version": commit.seq})
    return filing


def _changes(event: EventData, envelope: Envelope, filing: FilingRead) -> dict:
    match event:
        case FilingPartiesSet():
            return {"parties": event.parties}
        case FilingClaimSet():
            return {"claim": event.claim}
        case FilingStatementSet():
            return {"statement": event.statement}
        case FilingDocumentAdded():
            return {"documents": [*filing.documents, event.document]}
        case FilingSubmitted():
            return {"status": "submitted", "tracking_code": event.tracking_code, "submitted_at": envelope.time,
                    "court": CourtDecision(court_id=event.court_id, reason=event.court_reason)}
        case FilingFeeRecorded():
            return {"fee": FeeRead(assessment_id=event.assessment_id, amount=event.fee, fee_code=event.fee_code,
                                   fee_version=event.fee_version, due=event.due or event.fee)}
        case FilingResubmitted():
            return {"status": "submitted", "submitted_at": envelope.time}
        case FilingPaid():
            return {"payment": PaymentRead(payment_id=event.payment_id, amount=event.amount,
                                           receipt_number=event.receipt_number)}
        case FilingForwarded():
            return {"status": "forwarded", "forwarded_at": envelope.time, "return_reasons": [],
                    "court": CourtDecision(court_id=event.court_id, reason=event.court_reason)}
        case FilingAccepted():
            return {"status": "accepted", "case_number": event.case_number, "branch_id": event.branch_id}
        case FilingReturned():
            return {"status": "returned", "return_reasons": event.reasons}
        case FilingAttorneyGranted():
            return {"attorneys": [*filing.attorneys, AttorneyRead(
                grant_id=event.grant_id, national_id=event.national_id, bar_number=event.bar_number,
                granted_at=envelope.time)]}
        case FilingAttorneyRevoked():
            return {"attorneys": [a for a in filing.attorneys if a.grant_id != event.grant_id]}
    return {}


async def read(runtime: ServiceRuntime, *, principal: Principal, filing_id: str) -> FilingRead:
    """The filing if the principal may see it; 404 otherwise, the same answer as for a filing that does not exist."""
    if await access.granted(runtime, principal, filing_id):
        filing = fold(await runtime.commits.load(stream_of(filing_id)))
        if filing is not None and access.may_read(filing, principal):
            return filing
    raise Problem(404, "filing-not-found")


async def mine(runtime: ServiceRuntime, *, principal: Principal) -> list[FilingRead]:
    filings = []
    for filing_id in await access.listed(runtime, principal):
        filing = fold(await runtime.commits.load(stream_of(filing_id)))
        if filing is not None and access.may_read(filing, principal):
            filings.append(filing)
    return filings


async def editable(runtime: ServiceRuntime, *, principal: Principal, filing_id: str) -> FilingRead:
    """The filing if the principal may change it now.

    404 if they may not see it; 403 if they see it but are neither its filer nor acting for
    them; 409 once it has left the filer's hands.
    """
    filing = await read(runtime, principal=principal, filing_id=filing_id)
    access.check_may_change(filing, principal)
    if filing.status not in EDITABLE:
        raise Problem(409, "filing-not-editable",
                      detail=f"The filing is {filing.status}; only drafts and returned filings can change.")
    return filing


# --- commands ---------------------------------------------------------------------------------------


async def open_draft(runtime: ServiceRuntime, *, principal: Principal, create: FilingCreate) -> FilingRead:
    subject = subjects.find(create.subject_code)
    errors = []
    if subject is None:
        errors.append(field_error("subject_code", "unknown-subject", subject=create.subject_code))
    elif subject.kind == "brief":
        for field in ("case_number", "case_court_id"):
            if not getattr(create, field):
                errors.append(field_error(field, "required", variant=field))
    if errors:
        raise Problem(422, "validation", errors=errors)
    filing_id = uuid.uuid4().hex
    represented = principal.acting_for
    filer = represented or principal.subject
    opened = FilingOpened(filing_id=filing_id, kind=subject.kind, subject_code=subject.code,
                          jurisdiction=create.jurisdiction, filer_id=filer,
                          filer_national_id=None if represented else principal.national_id,
                          case_number=create.case_number, case_court_id=create.case_court_id,
                          event_city_id=create.event_city_id)
    await access.grant(runtime, filing_id=filing_id, keys=[access.filer_key(filer)])
    commit = await runtime.commits.execute(stream_of(filing_id), lambda history: [wrap(opened, filing_id)],
                                           actor=principal.as_actor())
    return fold([commit])


async def change(runtime: ServiceRuntime, *, principal: Principal, filing_id: str,
                 decide: Callable[[FilingRead], list[EventData]], checked: FilingRead | None = None) -> FilingRead:
    """Apply a change by the filer, or someone acting for them, to a draft or a filing returned for correction.

    `checked` is the filing as `editable` has just answered it for this principal. The rights
    are checked again on the stream the change is appended to, so a power of attorney revoked
    meanwhile stops it.
    """
    filing = checked or await editable(runtime, principal=principal, filing_id=filing_id)

    def decide_on(history: list[Commit]) -> list[Envelope]:
        current = fold(history)
        access.check_may_change(current, principal)
        if current.status not in EDITABLE:
            raise Problem(409, "filing-not-editable",
                          detail=f"The filing is {current.status}; only drafts and returned filings can change.")
        return [wrap(event, filing_id) for event in decide(current)]

    await runtime.commits.execute(stream_of(filing_id), decide_on, actor=access.actor(filing, principal))
    return fold(await runtime.commits.after_write(stream_of(filing_id)))


def party_errors(update: PartiesUpdate, *, jurisdiction: str, principal: Principal) -> list[dict]:
    errors = []
    for n, party in enumerate(update.parties):
        if not valid_national_id(party.national_id, jurisdiction):
            errors.append(field_error(f"parties.{n}.national_id", "invalid-national-id", variant=jurisdiction))
    if not any(p.role == "applicant" for p in update.parties):
        errors.append(field_error("parties", "applicant-required"))
    if (principal.has(Role.CITIZEN) and not principal.acting_for and principal.national_id
            and not any(p.role == "applicant" and p.national_id == principal.national_id for p in update.parties)):
        errors.append(field_error("parties", "filer-not-applicant"))
    return errors


async def set_parties(runtime: ServiceRuntime, *, principal: Principal, filing_id: str,
                      update: PartiesUpdate) -> FilingRead:
    filing = await editable(runtime, principal=principal, filing_id=filing_id)
    if errors := party_errors(update, jurisdiction=filing.jurisdiction, principal=principal):
        raise Problem(422, "validation", errors=errors)
    parties = [Party(**p.model_dump()) for p in update.parties]
    # No grants for the parties yet: they see the filing once the court has accepted it.
    return await change(runtime, principal=principal, filing_id=filing_id, checked=filing,
                        decide=lambda f: [FilingPartiesSet(filing_id=filing_id, parties=parties)])


async def set_claim(runtime: ServiceRuntime, *, principal: Principal, filing_id: str,
                    update: ClaimUpdate) -> FilingRead:
    filing = await editable(runtime, principal=principal, filing_id=filing_id)
    expected = CURRENCY[filing.jurisdiction]
    if update.claim is not None and update.claim.currency != expected:
        raise Problem(422, "validation", errors=[field_error("claim.currency", "currency-mismatch",
                                                             jurisdiction=filing.jurisdiction, currency=expected)])
    return await change(runtime, principal=principal, filing_id=filing_id, checked=filing,
                        decide=lambda f: [FilingClaimSet(filing_id=filing_id, claim=update.claim)])


async def set_statement(runtime: ServiceRuntime, *, principal: Principal, filing_id: str,
                        update: StatementUpdate) -> FilingRead:
    return await change(runtime, principal=principal, filing_id=filing_id,
                        decide=lambda f: [FilingStatementSet(filing_id=filing_id, statement=update.statement)])


# --- submission -------------------------------------------------------------------------------------


def submission_errors(filing: FilingRead) -> list[dict]:
    """Every problem with a draft that a person can act on, found at once."""
    subject = subjects.find(filing.subject_code)
    errors = []
    if not filing.statement:
        errors.append(field_error("statement", "required", variant="statement"))
    if not any(p.role == "applicant" for p in filing.parties):
        errors.append(field_error("parties", "applicant-required"))
    if filing.kind in NEEDS_RESPONDENT and not any(p.role == "respondent" for p in filing.parties):
        errors.append(field_error("parties", "respondent-required"))
    if subject.claim_required and filing.claim is None:
        errors.append(field_error("claim", "claim-required", subject=subject.names))
    present = {d.document_type for d in filing.documents}
    for missing in [t for t in subject.documents_required if t not in present]:
        errors.append(field_error(f"documents.{missing}", "document-required", document=missing))
    return errors


def valid_tracking_code(code: str) -> bool:
    return codes.luhn_valid(code, TRACKING_CODE_DIGITS)


async def claim_tracking_code(runtime: ServiceRuntime, filing_id: str) -> str:
    """Twelve digits, the last a Luhn check digit: easy to read out on the phone, a mistyped digit is caught."""
    return await codes.claim_unique(runtime.db["tracking_codes"], lambda: codes.with_luhn(TRACKING_CODE_DIGITS),
                                    filing_id=filing_id)


async def submit(runtime: ServiceRuntime, *, principal: Principal, filing_id: str) -> FilingRead:
    """Check everything at once, fix the competent court, and send the filing on its way.

    A first submission asks payment for the fee. A filing the court returned and the filer
    corrected goes straight back to the court when its claim and subject are those its fee was
    assessed on; otherwise its fee is assessed again, and it goes back once any difference is paid.
    """
    filing = await editable(runtime, principal=principal, filing_id=filing_id)
    if principal.acting_for and principal.confirmed_filing != filing_id:  # a clerk submits what the citizen confirmed
        raise Problem(403, "citizen-confirmation-required",
                      errors=[field_error("filing_id", "citizen-confirmation-required")])
    errors = submission_errors(filing)
    decision, court_errors = await jurisdiction.competent_court(runtime, filing)
    if errors := errors + court_errors:
        raise Problem(422, "validation", errors=errors)
    code = filing.tracking_code or await claim_tracking_code(runtime, filing_id)

    def decide(history: list[Commit]) -> list[Envelope]:
        current = fold(history)
        access.check_may_change(current, principal)
        if current.version != filing.version:
            raise Problem(409, "filing-changed", detail="The filing changed while it was being submitted; try again.")
        if current.status == "returned" and fee_basis(history) != (current.subject_code, current.claim):
            return [wrap(FilingResubmitted(filing_id=filing_id, subject_code=current.subject_code,
                                           jurisdiction=current.jurisdiction, claim=current.claim,
                                           filer_id=current.filer_id, tracking_code=current.tracking_code),
                         filing_id)]
        if current.status == "returned":
            return [wrap(forwarding(current, court_id=decision.court_id, court_reason=decision.reason), filing_id)]
        return [wrap(FilingSubmitted(
            filing_id=filing_id, kind=current.kind, subject_code=current.subject_code,
            jurisdiction=current.jurisdiction, claim=current.claim, filer_id=current.filer_id,
            proxied_by=current.proxied_by, court_id=decision.court_id, court_reason=decision.reason,
            tracking_code=code), filing_id)]

    if filing.status == "returned":
        await access.grant(runtime, filing_id=filing_id, keys=[access.court_key(decision.court_id)])
    await runtime.commits.execute(stream_of(filing_id), decide, actor=access.actor(filing, principal))
    return fold(await runtime.commits.after_write(stream_of(filing_id)))


def fee_basis(history: list[Commit]) -> tuple[str, Money | None] | None:
    """The subject and claim the fee was last assessed on: those of the last (re)submission."""
    basis = None
    for commit in history:
        for envelope in commit.events:
            if envelope.type in (FilingSubmitted.type, FilingResubmitted.type):
                event = envelope.parse()
                basis = (event.subject_code, event.claim)
    return basis


def forwarding(filing: FilingRead, *, court_id: str, court_reason: dict[str, str]) -> FilingForwarded:
    return FilingForwarded(
        filing_id=filing.id, tracking_code=filing.tracking_code, court_id=court_id, court_reason=court_reason,
        kind=filing.kind, subject_code=filing.subject_code, jurisdiction=filing.jurisdiction,
        parties=filing.parties, claim=filing.claim, statement=filing.statement or "", documents=filing.documents)
