from pydantic import BaseModel


class DossierEntry(BaseModel):
    """One step of the filing's life: who acted, on whose behalf, when, what; chained by hash."""

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
