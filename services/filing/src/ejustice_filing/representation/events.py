"""Power of attorney entries of a filing's dossier: kept in its stream, never published."""

from pydantic import Field

from ejustice_shared.events import EventData


class FilingAttorneyGranted(EventData):
    """The filer gave a lawyer power of attorney on the filing, naming them by national ID or bar number."""

    type = "filing.attorney_granted"
    published = False

    filing_id: str
    grant_id: str
    national_id: str | None = None
    bar_number: str | None = None


class FilingAttorneyRevoked(EventData):
    """The filer took back a lawyer's power of attorney on the filing."""

    type = "filing.attorney_revoked"
    published = False

    filing_id: str
    grant_id: str = Field(description="The grant revoked.")
    national_id: str | None = None
    bar_number: str | None = None
