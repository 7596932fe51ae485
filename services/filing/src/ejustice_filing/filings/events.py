"""The filing's own dossier entries: kept in its stream, never published (the published ones are in the catalog)."""

from typing import Literal

from pydantic import Field

from ejustice_shared.events import DocumentRef, EventData, Money, Party
from ejustice_shared.events.catalog import FilingKind, Jurisdiction


class FilingOpened(EventData):
    """A draft filing's first dossier entry."""

    type = "filing.opened"
    published = False

    filing_id: str
    kind: FilingKind
    subject_code: str
    jurisdiction: Jurisdiction
    filer_id: str
    filer_national_id: str | None = None
    case_number: str | None = Field(None, description="For a brief: the existing case it belongs to.")
    case_court_id: str | None = Field(None, description="For a brief: the court of that case.")
    event_city_id: str | None = Field(None, description="Where the facts happened (a cheque's bank), if it matters.")


class FilingPartiesSet(EventData):
    type = "filing.parties_set"
    published = False

    filing_id: str
    parties: list[Party]


class FilingClaimSet(EventData):
    type = "filing.claim_set"
    published = False

    filing_id: str
    claim: Money | None


class FilingStatementSet(EventData):
    type = "filing.statement_set"
    published = False

    filing_id: str
    statement: str


class FilingDocumentAdded(EventData):
    type = "filing.document_added"
    published = False

    filing_id: str
    document: DocumentRef


class FilingFeeRecorded(EventData):
    """The filing's dossier notes the fee payment assessed for it."""

    type = "filing.fee_recorded"
    published = False

    filing_id: str
    assessment_id: str
    fee: Money
    fee_code: str
    fee_version: int
    cause_event_id: str
    due: Money | None = Field(None, description="What is left to pay when it is not the whole fee (a reassessment).")


class FilingNoFeeDue(EventData):
    """The filing's dossier notes that nothing is to pay before it goes to the court, and why."""

    type = "filing.no_fee_due"
    published = False

    filing_id: str
    assessment_id: str
    reason: Literal["zero-fee", "no-difference", "fee-lowered"]
    excess: Money | None = Field(None, description="For a lowered fee: what is refunded.")
    cause_event_id: str


class FilingPaid(EventData):
    """The filing's dossier notes the payment of its fee."""

    type = "filing.paid"
    published = False

    filing_id: str
    payment_id: str
    amount: Money
    receipt_number: str
    cause_event_id: str


class FilingNoted(EventData):
    """The filing's dossier notes another service's event about it (a notice, a paper service)."""

    type = "filing.noted"
    published = False

    filing_id: str
    event_type: str
    event_id: str
    source: str
    summary: dict[str, str | int | None]


class FilingHandedOver(EventData):
    """The office holding the draft was suspended or dissolved: the draft continues at the office that took its
    work (`office.work_handed_over`)."""

    type = "filing.handed_over"
    published = False

    filing_id: str
    from_office_id: str
    to_office_id: str
    reason: str
