"""Proving a person holds a national ID and a mobile, before any code is sent or account opened.

A registration is proven by, in this order: the account already holding the mobile (proven
before); a clerk's recent in-person check of the ID document for that mobile; the operators'
mobile ownership inquiry (Iran); the national e-ID (Vietnam). A refusal tells the person
what to do next (usually: visit a service office); an outage asks them to come back.
"""

import uuid
from datetime import timedelta

from ejustice_gateway.proofing.events import IdentityProvenInPerson
from ejustice_gateway.proofing.models import (
    EidIdentity,
    InPersonProofCreate,
    InPersonProofRead,
    Ownership,
    Proof,
    ProviderUnavailable,
)
from ejustice_gateway.proofing.providers import EidRefused, MobileOwnership, NationalEid
from ejustice_shared import clock
from ejustice_shared.aggregate import Aggregate, Decision, Fact
from ejustice_shared.auth import Principal
from ejustice_shared.people import normalize_mobile, valid_national_id
from ejustice_shared.problems import Problem, field_error
from ejustice_shared.runtime import ServiceRuntime

VISIT_OFFICE = "visit-service-office"


def masked(mobile: str) -> str:
    return mobile[:4] + "*" * (len(mobile) - 6) + mobile[-2:]


def not_proven(field: str, code: str, *, variant: str | None = None, next_step: str = VISIT_OFFICE,
               **params) -> Problem:
    return Problem(403, "identity-not-proven", detail="Who you are could not be proven; nothing was opened.",
                   errors=[field_error(field, code, variant=variant, **params)], next_step=next_step)


def unavailable(field: str, outage: ProviderUnavailable, *, variant: str | None = None) -> Problem:
    seconds = outage.retry_after
    return Problem(503, "identity-provider-unavailable", headers={"retry-after": str(seconds)}, retry_after=seconds,
                   detail=f"{outage.provider} did not answer; nothing was sent or opened. Try again later.",
                   errors=[field_error(field, "proofing-unavailable", variant=variant, seconds=seconds)])


# --- in person ----------------------------------------------------------------------------------------


# A person's in-person proofs, oldest first: the stream `proofs-<jurisdiction>-<national id>`.
proofs = Aggregate("in-person-proofs", stream=lambda key: f"proofs-{key}", initial=[], source="gateway",
                   state_type=list[IdentityProvenInPerson], copy=list,
                   subject=lambda key, state, event: event.proof_id)


@proofs.evolves(IdentityProvenInPerson)
def _proven(state: list[IdentityProvenInPerson], proven: IdentityProvenInPerson,
            fact: Fact) -> list[IdentityProvenInPerson]:
    state.append(proven)
    return state


def note_proof(state: list[IdentityProvenInPerson], proven: IdentityProvenInPerson) -> Decision:
    return Decision([proven])


async def in_person_proofs(runtime: ServiceRuntime, jurisdiction: str, national_id: str,
                           *, within: timedelta) -> list[IdentityProvenInPerson]:
    """The person's in-person proofs taken within the period, newest first."""
    since = clock.iso(clock.now() - within)
    found = await proofs.state(runtime.commits, f"{jurisdiction}-{national_id}")
    return [p for p in reversed(found) if p.proven_at >= since]


def checked_person(jurisdiction: str, national_id: str, mobile: str) -> str:
    """The mobile in E.164 once both numbers are valid for the jurisdiction; a 422 naming each that is not."""
    errors = []
    if not valid_national_id(national_id, jurisdiction):
        errors.append(field_error("national_id", "invalid-national-id", variant=jurisdiction))
    try:
        normalized = normalize_mobile(mobile, jurisdiction)
    except ValueError:
        errors.append(field_error("mobile", "invalid-mobile", jurisdiction=jurisdiction))
    if errors:
        raise Problem(422, "validation", errors=errors)
    return normalized


async def record_in_person(runtime: ServiceRuntime, *, principal: Principal,
                           create: InPersonProofCreate) -> InPersonProofRead:
    if not principal.office_id:
        raise Problem(403, "forbidden", detail="Only a clerk at an office counter records an in-person check.")
    mobile = checked_person(create.jurisdiction, create.national_id, create.mobile)
    proven_at = clock.now()
    proven = IdentityProvenInPerson(
        proof_id=uuid.uuid4().hex, jurisdiction=create.jurisdiction, national_id=create.national_id, mobile=mobile,
        office_id=principal.office_id, clerk=principal.subject, document_kind=create.document_kind,
        document_number=create.document_number.upper(), proven_at=clock.iso(proven_at))
    await proofs.execute(runtime.commits, f"{create.jurisdiction}-{create.national_id}", note_proof, proven,
                         actor=principal.as_actor())
    settings = runtime.settings
    return InPersonProofRead(
        proof_id=proven.proof_id, jurisdiction=proven.jurisdiction, office_id=proven.office_id, clerk=proven.clerk,
        document_kind=proven.document_kind, mobile=masked(mobile), proven_at=proven.proven_at,
        registration_until=clock.iso(proven_at + timedelta(days=settings.in_person_proof_days)),
        counter_until=clock.iso(proven_at + timedelta(hours=settings.on_behalf_hours)))


def in_person(proven: IdentityProvenInPerson) -> Proof:
    return Proof(method="in-person", provider="office-counter", reference=proven.proof_id,
                 office_id=proven.office_id, clerk=proven.clerk, document_kind=proven.document_kind)


async def proven_in_person(runtime: ServiceRuntime, *, jurisdiction: str, national_id: str,
                           mobile: str) -> Proof | None:
    """A recent in-person proof naming this mobile lets the person register with it."""
    within = timedelta(days=runtime.settings.in_person_proof_days)
    for proven in await in_person_proofs(runtime, jurisdiction, national_id, within=within):
        if proven.mobile == mobile:
            return in_person(proven)
    return None


async def at_counter(runtime: ServiceRuntime, *, jurisdiction: str, national_id: str,
                     office_id: str) -> IdentityProvenInPerson | None:
    """The person's in-person proof at this office within the hours a counter visit lasts."""
    within = timedelta(hours=runtime.settings.on_behalf_hours)
    proofs = await in_person_proofs(runtime, jurisdiction, national_id, within=within)
    return next((p for p in proofs if p.office_id == office_id), None)


# --- providers ----------------------------------------------------------------------------------------


async def ask_mobile_owner(runtime: ServiceRuntime, *, jurisdiction: str, national_id: str, mobile: str) -> Proof:
    provider: MobileOwnership = runtime.state["mobile_ownership"]
    try:
        answer = await provider.inquire(jurisdiction=jurisdiction, national_id=national_id, mobile=mobile)
    except ProviderUnavailable as outage:
        raise unavailable("mobile", outage) from outage
    if answer is Ownership.MISMATCH:
        raise not_proven("mobile", "mobile-not-owner")
    if answer is Ownership.UNKNOWN:
        raise not_proven("mobile", "mobile-owner-unknown")
    return Proof(method="mobile-operator", provider=provider.name)


async def confirm_eid(runtime: ServiceRuntime, *, national_id: str, mobile: str, nonce: str,
                      response: str) -> Proof:
    """The e-ID vouches for this citizen ID, at level 2, with this phone, for this registration's nonce."""
    provider: NationalEid = runtime.state["national_eid"]
    try:
        identity: EidIdentity = await provider.confirm(response=response, nonce=nonce)
    except ProviderUnavailable as outage:
        raise unavailable("assertion", outage, variant="eid") from outage
    except EidRefused as refused:
        raise not_proven("assertion", refused.code, next_step="national-eid") from refused
    if identity.citizen_id != national_id:
        raise not_proven("assertion", "eid-mismatch", variant="citizen", next_step="national-eid")
    if identity.level < 2:
        raise not_proven("assertion", "eid-level-too-low")
    if identity.phone_number != mobile:
        raise not_proven("assertion", "eid-mismatch", variant="mobile", next_step="national-eid")
    return Proof(method="national-eid", provider=provider.name, reference=identity.subject)

