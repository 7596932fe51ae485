"""Proofs kept by the gateway, never published: in-person checks, and the sandbox directory's owners."""

from ejustice_shared.events import EventData


class IdentityProvenInPerson(EventData):
    """A clerk checked the person's ID document at an office counter (stream `proofs-<jurisdiction>-<id>`)."""

    type = "identity.proven_in_person"
    published = False

    proof_id: str
    jurisdiction: str
    national_id: str
    mobile: str
    office_id: str
    clerk: str
    document_kind: str
    document_number: str
    proven_at: str


class SandboxMobileOwnerClaimed(EventData):
    """Sandbox directory: the first mobile that asked for a national ID is, from then on, its owner."""

    type = "sandbox.mobile_owner_claimed"
    published = False

    jurisdiction: str
    national_id: str
    mobile: str
