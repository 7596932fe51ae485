from typing import Any

from pydantic import BaseModel, Field


class DossierEntry(BaseModel):
    """One step of the filing's life: who acted, on whose behalf, when, what; chained by hash.

    The hash covers stream, seq, prev_hash, `at` (as `committed_at`), actor and the events
    exactly as shown, so anyone can recompute it (docs/dossier-verification.md).
    """

    stream: str
    seq: int
    at: str
    actor: dict | None
    events: list[dict]
    prev_hash: str
    hash: str


class DossierVerification(BaseModel):
    valid: bool
    length: int
    head: str
    broken_at: int | None = None
    reason: str | None = None


class CheckpointBody(BaseModel):
    format: str
    origin: str
    number: int
    tree_size: int
    root_hash: str
    issued_at: str
    key_id: str
    prev_line_hash: str


class SignedCheckpoint(BaseModel):
    """One line of the checkpoint log: the body and the Ed25519 signature over its canonical JSON (base64)."""

    checkpoint: CheckpointBody
    signature: str


class CheckpointKey(BaseModel):
    algorithm: str = "Ed25519"
    key_id: str = Field(description="SHA-256 (hex) of the raw 32-byte public key.")
    public_key_pem: str


class DossierExport(BaseModel):
    """A self-contained dossier: every entry's hashed fields, how they are hashed, and the checkpoint signing it."""

    format: str
    filing_id: str
    stream: str
    exported_at: str
    hashing: dict[str, Any]
    entries: list[dict[str, Any]]
    checkpoint: SignedCheckpoint | None
    inclusion: dict[str, Any] | None
    verify_with: str
