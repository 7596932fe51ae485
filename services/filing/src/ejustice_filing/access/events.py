"""Entries of a key's index of filings (`index-<key>`): kept inside the filing service, never published."""

from ejustice_shared.events import EventData


class FilingListed(EventData):
    """An entry of a person's or court's index of filings (kept inside the filing service)."""

    type = "filing.listed"
    published = False

    filing_id: str


class FilingUnlisted(EventData):
    """A filing leaves a key's index: the right that listed it was taken back."""

    type = "filing.unlisted"
    published = False

    filing_id: str
