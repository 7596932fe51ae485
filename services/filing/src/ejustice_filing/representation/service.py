"""Power of attorney: the filer gives a lawyer the filer's rights on one filing, and takes them back.

A grant names the lawyer by national ID or by bar licence number, in the filing's
jurisdiction; a lawyer whose token carries that claim then reads, changes and submits the
filing, the dossier recording them as acting on the filer's behalf. Grant and revocation are
dossier entries. A revocation stops the lawyer at once: every command checks the rights on
the stream it appends to.
"""

import uuid
from dataclasses import dataclass

from ejustice_filing.access import service as access
from ejustice_filing.filings import service as filings
from ejustice_filing.filings.models import FilingRead
from ejustice_filing.representation.events import FilingAttorneyGranted, FilingAttorneyRevoked
from ejustice_filing.representation.models import AttorneyNamed, AttorneyRead, normalize_bar_number
from ejustice_shared.aggregate import Decision
from ejustice_shared.auth import Principal
from ejustice_shared.people import only_digits, valid_national_id
from ejustice_shared.problems import Problem, field_error
from ejustice_shared.runtime import ServiceRuntime


def identify(named: AttorneyNamed, jurisdiction: str) -> tuple[str | None, str | None]:
    """(national ID, bar number) as stored, exactly one of them; 422 naming the field otherwise."""
    if named.national_id and named.bar_number:
        raise Problem(422, "validation", errors=[field_error("bar_number", "attorney-named-twice")])
    if named.national_id:
        national_id = only_digits(named.national_id)
        if not valid_national_id(national_id, jurisdiction):
            raise Problem(422, "validation", errors=[
                field_error("national_id", "invalid-national-id", variant=jurisdiction)])
        return national_id, None
    if named.bar_number:
        if not (bar_number := normalize_bar_number(named.bar_number)):
            raise Problem(422, "validation", errors=[field_error("bar_number", "invalid-bar-number")])
        return None, bar_number
    raise Problem(422, "validation", errors=[field_error("national_id", "attorney-unnamed"),
                                             field_error("bar_number", "attorney-unnamed")])


def held_by(filing: FilingRead, national_id: str | None, bar_number: str | None) -> AttorneyRead | None:
    return next((a for a in filing.attorneys if (a.national_id, a.bar_number) == (national_id, bar_number)), None)


async def grant(runtime: ServiceRuntime, *, principal: Principal, filing_id: str,
                named: AttorneyNamed) -> AttorneyRead:
    filing = await filings.read(runtime, principal=principal, filing_id=filing_id)
    access.check_may_appoint(filing, principal)
    national_id, bar_number = identify(named, filing.jurisdiction)
    if existing := held_by(filing, national_id, bar_number):
        return existing
    granted = FilingAttorneyGranted(filing_id=filing_id, grant_id=uuid.uuid4().hex, national_id=national_id,
                                    bar_number=bar_number)
    # Grant first, so the lawyer finds the filing as soon as the commit gives them the right.
    await access.grant(runtime, filing_id=filing_id, reason=granted.grant_id, keys=[
        access.attorney_key(filing.jurisdiction, national_id=national_id, bar_number=bar_number)])
    outcome = await filings.aggregate.execute(runtime.commits, filing_id, appoint, Appoint(principal, granted),
                                              actor=access.actor(filing, principal))
    return held_by(outcome.state.read, national_id, bar_number)


@dataclass(frozen=True)
class Appoint:
    principal: Principal
    granted: FilingAttorneyGranted


def appoint(state: filings.Filing, command: Appoint) -> Decision:
    current, granted = state.read, command.granted
    access.check_may_appoint(current, command.principal)
    return Decision([] if held_by(current, granted.national_id, granted.bar_number) else [granted])


@dataclass(frozen=True)
class Dismiss:
    principal: Principal
    national_id: str | None
    bar_number: str | None


def dismiss(state: filings.Filing, command: Dismiss) -> Decision:
    current = state.read
    access.check_may_appoint(current, command.principal)
    if (held := held_by(current, command.national_id, command.bar_number)) is None:
        field = "national_id" if command.national_id else "bar_number"
        raise Problem(422, "validation", errors=[field_error(field, "not-an-attorney")])
    return Decision([FilingAttorneyRevoked(filing_id=current.id, grant_id=held.grant_id,
                                           national_id=command.national_id, bar_number=command.bar_number)],
                    held.grant_id)


async def revoke(runtime: ServiceRuntime, *, principal: Principal, filing_id: str,
                 named: AttorneyNamed) -> FilingRead:
    filing = await filings.read(runtime, principal=principal, filing_id=filing_id)
    access.check_may_appoint(filing, principal)
    national_id, bar_number = identify(named, filing.jurisdiction)
    outcome = await filings.aggregate.execute(runtime.commits, filing_id, dismiss,
                                              Dismiss(principal, national_id, bar_number),
                                              actor=access.actor(filing, principal))
    # The revocation stands from its commit (every check folds the stream); the grant is withdrawn after it.
    await access.withdraw(runtime, filing_id=filing_id, reason=outcome.result,
                          key=access.attorney_key(filing.jurisdiction, national_id=national_id, bar_number=bar_number))
    return outcome.state.read
