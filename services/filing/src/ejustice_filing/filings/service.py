"""Filings: the `filing` aggregate, its decisions, and the commands that check and run them.

A filing is the stream `filing-<id>`; its commits are its dossier log. Each decision is a
pure function of the filing's state and a command (docs/architecture.md); what has side
effects (a tracking code claimed, the court asked, access granted) happens before it.
"""

import uuid
from dataclasses import dataclass, replace

from ejustice_filing.access import service as access
from ejustice_filing.filings import jurisdiction, organisations
from ejustice_filing.filings.events import (
    FilingClaimSet,
    FilingDocumentAdded,
    FilingFeeRecorded,
    FilingHandedOver,
    FilingNoted,
    FilingOpened,
    FilingPaid,
    FilingPartiesSet,
    FilingStatementSet,
)
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
from ejustice_filing.representation.events import FilingAttorneyGranted, FilingAttorneyRevoked
from ejustice_filing.representation.models import AttorneyRead
from ejustice_filing.subjects import service as subjects
from ejustice_shared import codes
from ejustice_shared.aggregate import Aggregate, Decision, Fact
from ejustice_shared.auth import Principal, Role
from ejustice_shared.events import (
    Envelope,
    EventData,
    FilingAccepted,
    FilingForwarded,
    FilingResubmitted,
    FilingReturned,
    FilingSubmitted,
    Money,
    Party,
)
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


@dataclass(frozen=True)
class Filing:
    """The filing as its dossier entries leave it, and what its fee was last assessed on."""

    read: FilingRead | None = None
    # The subject and claim of the last (re)submission: those its fee was assessed on.
    fee_basis: tuple[str, Money | None] | None = None
    # The last commit that only noted something in the dossier (a notice, a refund): the filing is as it was.
    noted_seq: int = 0

    def changed(self, **update) -> "Filing":
        return replace(self, read=self.read.model_copy(update=update))


def _version(state: Filing, fact: Fact) -> Filing:
    """`version` moves with what the filer filed, not with dossier notes, which arrive from other services at
    any moment: a submission checked just before a notice was noted still stands."""
    if state.read is None or state.noted_seq == fact.seq:
        return state
    return state.changed(version=fact.seq)


aggregate = Aggregate("filing", stream=stream_of, initial=Filing(), source=SOURCE, state_type=Filing, stamp=_version)


@aggregate.evolves(FilingOpened)
def _opened(state: Filing, event: FilingOpened, fact: Fact) -> Filing:
    actor = fact.actor or {}
    return Filing(FilingRead(
        id=event.filing_id, status="draft", kind=event.kind, subject_code=event.subject_code,
        jurisdiction=event.jurisdiction, filer_id=event.filer_id,
        proxied_by=actor.get("subject") if actor.get("on_behalf_of") else None,
        office_id=actor.get("office_id") if actor.get("on_behalf_of") else None,
        case_number=event.case_number, case_court_id=event.case_court_id,
        event_city_id=event.event_city_id, opened_at=fact.time, version=fact.seq))


def _evolves(*events):
    """An evolver of an opened filing; events about a filing never opened here change nothing."""

    def register(change):
        @aggregate.evolves(*events)
        def evolve(state: Filing, event, fact: Fact) -> Filing:
            return state if state.read is None else change(state, event, fact)

        return change

    return register


@_evolves(FilingPartiesSet)
def _parties(state: Filing, event: FilingPartiesSet, fact: Fact) -> Filing:
    return state.changed(parties=event.parties)


@_evolves(FilingClaimSet)
def _claim(state: Filing, event: FilingClaimSet, fact: Fact) -> Filing:
    return state.changed(claim=event.claim)


@_evolves(FilingStatementSet)
def _statement(state: Filing, event: FilingStatementSet, fact: Fact) -> Filing:
    return state.changed(statement=event.statement)


@_evolves(FilingDocumentAdded)
def _document(state: Filing, event: FilingDocumentAdded, fact: Fact) -> Filing:
    return state.changed(documents=[*state.read.documents, event.document])


@_evolves(FilingHandedOver)
def _handed_over(state: Filing, event: FilingHandedOver, fact: Fact) -> Filing:
    return state.changed(office_id=event.to_office_id)


@_evolves(FilingSubmitted)
def _submitted(state: Filing, event: FilingSubmitted, fact: Fact) -> Filing:
    return replace(state.changed(status="submitted", tracking_code=event.tracking_code, submitted_at=fact.time,
                                 court=CourtDecision(court_id=event.court_id, reason=event.court_reason)),
                   fee_basis=(event.subject_code, event.claim))


@_evolves(FilingNoted)
def _noted(state: Filing, event: FilingNoted, fact: Fact) -> Filing:
    return replace(state, noted_seq=fact.seq)


@_evolves(FilingFeeRecorded)
def _fee(state: Filing, event: FilingFeeRecorded, fact: Fact) -> Filing:
    return state.changed(fee=FeeRead(assessment_id=event.assessment_id, amount=event.fee, fee_code=event.fee_code,
                                     fee_version=event.fee_version, due=event.due or event.fee))


@_evolves(FilingResubmitted)
def _resubmitted(state: Filing, event: FilingResubmitted, fact: Fact) -> Filing:
    return replace(state.changed(status="submitted", submitted_at=fact.time),
                   fee_basis=(event.subject_code, event.claim))


@_evolves(FilingPaid)
def _paid(state: Filing, event: FilingPaid, fact: Fact) -> Filing:
    return state.changed(payment=PaymentRead(payment_id=event.payment_id, amount=event.amount,
                                             receipt_number=event.receipt_number))


@_evolves(FilingForwarded)
def _forwarded(state: Filing, event: FilingForwarded, fact: Fact) -> Filing:
    return state.changed(status="forwarded", forwarded_at=fact.time, return_reasons=[],
                         court=CourtDecision(court_id=event.court_id, reason=event.court_reason))


@_evolves(FilingAccepted)
def _accepted(state: Filing, event: FilingAccepted, fact: Fact) -> Filing:
    return state.changed(status="accepted", case_number=event.case_number, branch_id=event.branch_id)


@_evolves(FilingReturned)
def _returned(state: Filing, event: FilingReturned, fact: Fact) -> Filing:
    return state.changed(status="returned", return_reasons=event.reasons)


@_evolves(FilingAttorneyGranted)
def _attorney_granted(state: Filing, event: FilingAttorneyGranted, fact: Fact) -> Filing:
    return state.changed(attorneys=[*state.read.attorneys, AttorneyRead(
        grant_id=event.grant_id, national_id=event.national_id, bar_number=event.bar_number, granted_at=fact.time)])


@_evolves(FilingAttorneyRevoked)
def _attorney_revoked(state: Filing, event: FilingAttorneyRevoked, fact: Fact) -> Filing:
    return state.changed(attorneys=[a for a in state.read.attorneys if a.grant_id != event.grant_id])


async def load(runtime: ServiceRuntime, filing_id: str, *, fresh: bool = True) -> FilingRead | None:
    return (await aggregate.load(runtime.commits, filing_id, fresh=fresh)).state.read


async def read(runtime: ServiceRuntime, *, principal: Principal, filing_id: str, fresh: bool = True) -> FilingRead:
    """The filing if the principal may see it; 404 otherwise, the same answer as for a filing that does not exist."""
    if await access.granted(runtime, principal, filing_id):
        found = await load(runtime, filing_id, fresh=fresh)
        if found is not None and access.may_read(found, principal):
            return found
    raise Problem(404, "filing-not-found")


async def mine(runtime: ServiceRuntime, *, principal: Principal) -> list[FilingRead]:
    filings = []
    for filing_id in await access.listed(runtime, principal):
        found = await load(runtime, filing_id)
        if found is not None and access.may_read(found, principal):
            filings.append(found)
    return filings


async def editable(runtime: ServiceRuntime, *, principal: Principal, filing_id: str) -> FilingRead:
    """The filing if the principal may change it now.

    404 if they may not see it; 403 if they see it but are neither its filer nor acting for
    them; 409 once it has left the filer's hands. Checked on the copy this process holds, as a
    command's decision is (its insert checks it again); a refusal is checked on the stored stream.
    """
    try:
        return _editable(await read(runtime, principal=principal, filing_id=filing_id, fresh=False), principal)
    except Problem:
        return _editable(await read(runtime, principal=principal, filing_id=filing_id), principal)


def _editable(filing: FilingRead, principal: Principal) -> FilingRead:
    access.check_may_change(filing, principal)
    check_editable(filing)
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
    if represented and principal.office_id:  # the office holds the draft: a handover finds it in this index
        await access.list_at_office(runtime, filing_id=filing_id, office_id=principal.office_id,
                                    cause=f"listed-{filing_id}")
    outcome = await aggregate.execute(runtime.commits, filing_id, open_filing, opened, actor=principal.as_actor())
    return outcome.state.read


def open_filing(state: Filing, opened: FilingOpened) -> Decision:
    if state.read is not None:
        raise Problem(409, "filing-exists")
    return Decision([opened])


@dataclass(frozen=True)
class Change:
    principal: Principal
    events: list[EventData]


def check_editable(current: FilingRead) -> None:
    if current.status not in EDITABLE:
        raise Problem(409, "filing-not-editable",
                      detail=f"The filing is {current.status}; only drafts and returned filings can change.")


def change_draft(state: Filing, command: Change) -> Decision:
    """A change by the filer, or someone acting for them, to a draft or a filing returned for correction.

    The rights are checked on the stream the change is appended to, so a power of attorney
    revoked meanwhile stops it.
    """
    access.check_may_change(state.read, command.principal)
    check_editable(state.read)
    return Decision(command.events)


async def change(runtime: ServiceRuntime, *, principal: Principal, filing_id: str, events: list[EventData],
                 checked: FilingRead | None = None) -> FilingRead:
    """Apply `change_draft`; `checked` is the filing as `editable` has just answered it for this principal."""
    found = checked or await editable(runtime, principal=principal, filing_id=filing_id)
    outcome = await aggregate.execute(runtime.commits, filing_id, change_draft, Change(principal, events),
                                   actor=access.actor(found, principal))
    return outcome.state.read


def party_errors(update: PartiesUpdate, *, jurisdiction: str, principal: Principal) -> list[dict]:
    errors = []
    for n, party in enumerate(update.parties):
        errors += organisations.party_errors(n, party, jurisdiction)
    if not any(p.role == "applicant" for p in update.parties):
        errors.append(field_error("parties", "applicant-required"))
    if (principal.has(Role.CITIZEN) and not principal.acting_for and principal.national_id
            and not any(p.role == "applicant" and organisations.acts_as(p, principal.national_id)
                        for p in update.parties)):
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
                        events=[FilingPartiesSet(filing_id=filing_id, parties=parties)])


async def set_claim(runtime: ServiceRuntime, *, principal: Principal, filing_id: str,
                    update: ClaimUpdate) -> FilingRead:
    filing = await editable(runtime, principal=principal, filing_id=filing_id)
    expected = CURRENCY[filing.jurisdiction]
    if update.claim is not None and update.claim.currency != expected:
        raise Problem(422, "validation", errors=[field_error("claim.currency", "currency-mismatch",
                                                             jurisdiction=filing.jurisdiction, currency=expected)])
    return await change(runtime, principal=principal, filing_id=filing_id, checked=filing,
                        events=[FilingClaimSet(filing_id=filing_id, claim=update.claim)])


async def set_statement(runtime: ServiceRuntime, *, principal: Principal, filing_id: str,
                        update: StatementUpdate) -> FilingRead:
    return await change(runtime, principal=principal, filing_id=filing_id,
                        events=[FilingStatementSet(filing_id=filing_id, statement=update.statement)])


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
    found = await editable(runtime, principal=principal, filing_id=filing_id)
    if principal.acting_for and principal.confirmed_filing != filing_id:  # a clerk submits what the citizen confirmed
        raise Problem(403, "citizen-confirmation-required",
                      errors=[field_error("filing_id", "citizen-confirmation-required")])
    errors = submission_errors(found)
    decision, court_errors = await jurisdiction.competent_court(runtime, found)
    if errors := errors + court_errors:
        raise Problem(422, "validation", errors=errors)
    code = found.tracking_code or await claim_tracking_code(runtime, filing_id)
    if found.status == "returned":
        await access.grant(runtime, filing_id=filing_id, keys=[access.court_key(decision.court_id)])
    outcome = await aggregate.execute(runtime.commits, filing_id, submit_filing,
                                   Submit(principal, found.version, decision.court_id, decision.reason, code),
                                   actor=access.actor(found, principal))
    return outcome.state.read


@dataclass(frozen=True)
class Submit:
    principal: Principal
    version: int  # the filing as checked: a change since then is a conflict
    court_id: str
    court_reason: dict[str, str]
    tracking_code: str


def submit_filing(state: Filing, command: Submit) -> Decision:
    current = state.read
    access.check_may_change(current, command.principal)
    if current.version != command.version:
        raise Problem(409, "filing-changed", detail="The filing changed while it was being submitted; try again.")
    if current.status == "returned" and state.fee_basis != (current.subject_code, current.claim):
        return Decision([FilingResubmitted(filing_id=current.id, subject_code=current.subject_code,
                                           jurisdiction=current.jurisdiction, claim=current.claim,
                                           filer_id=current.filer_id, tracking_code=current.tracking_code)])
    if current.status == "returned":
        return Decision([forwarding(current, court_id=command.court_id, court_reason=command.court_reason)])
    return Decision([FilingSubmitted(
        filing_id=current.id, kind=current.kind, subject_code=current.subject_code,
        jurisdiction=current.jurisdiction, claim=current.claim, filer_id=current.filer_id,
        proxied_by=current.proxied_by, court_id=command.court_id, court_reason=command.court_reason,
        tracking_code=command.tracking_code)])


def forwarding(filing: FilingRead, *, court_id: str, court_reason: dict[str, str]) -> FilingForwarded:
    return FilingForwarded(
        filing_id=filing.id, tracking_code=filing.tracking_code, court_id=court_id, court_reason=court_reason,
        kind=filing.kind, subject_code=filing.subject_code, jurisdiction=filing.jurisdiction,
        parties=filing.parties, claim=filing.claim, statement=filing.statement or "", documents=filing.documents)
