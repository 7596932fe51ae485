"""Every event ejustice publishes or records, one definition each, shared by publisher and consumers.

JSON Schema files under shared/schemas/ are generated from these classes
(`make schemas`); a test keeps them current. Only published contracts live here: a
service's own entries (`published = False`) live in its `<area>/events.py`.
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ejustice_shared.events.envelope import EventData
from ejustice_shared.people import WholeNumber

Currency = Literal["IRR", "VND"]
Jurisdiction = Literal["IR", "VN"]
FilingKind = Literal["petition", "complaint", "declaration", "brief"]


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# The largest amount ejustice takes, in minor units: above any claim a court hears (a thousand
# trillion rials or dong), and far below what the store holds (a signed 64-bit integer), so sums fit too.
MAX_AMOUNT = 10**15


class Money(_Part):
    """An amount in integer minor units of its currency; never a float."""

    amount: WholeNumber = Field(ge=0, le=MAX_AMOUNT, description="Integer minor units.")
    currency: Currency


class Representative(_Part):
    """The person who acts for an organisation that is a party: they file for it, and the dossier says so."""

    national_id: str = Field(description="The person's national ID, normalised digits.")
    name: str
    position: str | None = None


class Party(_Part):
    role: Literal["applicant", "respondent"]
    national_id: str = Field(description="Normalised digits: a person's national ID, 10 (Iran) or 12 (Vietnam); an "
                                         "organisation's ID, 11 (Iran) or 10/13 (Vietnam).")
    name: str
    city_id: str
    kind: Literal["person", "organisation"] = "person"
    representative: Representative | None = Field(None, description="For an organisation: who acts for it.")


class DocumentRef(_Part):
    document_id: str
    document_type: str
    filename: str
    media_type: str
    size: int
    sha256: str


class ReturnReason(_Part):
    code: str
    note: str | None = None


# --- gateway: identity ------------------------------------------------------------------------------


class AccountRegistered(EventData):
    """A person registered for e-service with a verified mobile number."""

    type = "account.registered"

    account_id: str
    jurisdiction: Jurisdiction
    national_id: str
    mobile: str = Field(description="E.164.")
    registered_via: Literal["online", "office"] = "online"


# --- filing -----------------------------------------------------------------------------------------


class FilingSubmitted(EventData):
    type = "filing.submitted"

    filing_id: str
    kind: FilingKind
    subject_code: str
    jurisdiction: Jurisdiction
    claim: Money | None = None
    filer_id: str = Field(description="Account id of the person who filed.")
    proxied_by: str | None = Field(None, description="The clerk or lawyer who filed on the filer's behalf.")
    court_id: str | None = None
    court_reason: dict[str, str] | None = Field(None, description="Why this court is competent, in fa, vi and en.")
    tracking_code: str | None = None


class FilingResubmitted(EventData):
    """A filing the court returned, corrected with another claim or subject: its fee is to be assessed again."""

    type = "filing.resubmitted"

    filing_id: str
    subject_code: str
    jurisdiction: Jurisdiction
    claim: Money | None = None
    filer_id: str
    tracking_code: str


class FilingForwarded(EventData):
    """A paid filing sent to its competent court; routed on that court's key."""

    type = "filing.forwarded"

    filing_id: str
    tracking_code: str
    court_id: str
    court_reason: dict[str, str] = Field(description="Why this court is competent, in fa, vi and en.")
    kind: FilingKind
    subject_code: str
    jurisdiction: Jurisdiction
    parties: list[Party]
    claim: Money | None = None
    statement: str
    documents: list[DocumentRef]

    def routing_key(self) -> str:
        return court_routing_key(self.court_id, self.type)


class FilingAccepted(EventData):
    """The court docketed the filing: it is a case now."""

    type = "filing.accepted"

    filing_id: str
    tracking_code: str
    court_id: str
    case_number: str
    branch_id: str
    jurisdiction: Jurisdiction
    parties: list[Party]
    accepted_by: str


class FilingReturned(EventData):
    """The court returned the filing for correction, with coded reasons."""

    type = "filing.returned"

    filing_id: str
    tracking_code: str
    court_id: str
    reasons: list[ReturnReason]
    jurisdiction: Jurisdiction
    parties: list[Party]
    filer_id: str
    returned_by: str


class DossierCheckpointed(EventData):
    """The filing service signed the heads of every dossier: anyone can check an exported dossier against it."""

    type = "dossier.checkpointed"

    number: int = Field(ge=1)
    origin: str
    tree_size: int = Field(ge=0, description="How many dossier streams the Merkle tree covers.")
    root_hash: str = Field(description="RFC 6962 Merkle root (hex) over the sorted heads {stream, seq, hash}.")
    issued_at: str
    key_id: str = Field(description="SHA-256 (hex) of the raw Ed25519 public key that signed it.")
    prev_line_hash: str = Field(description="SHA-256 (hex) of the checkpoint log's line before this one.")
    signature: str = Field(description="Ed25519 over the canonical JSON of the checkpoint body, base64.")


# --- payment ----------------------------------------------------------------------------------------


class FeeAssessed(EventData):
    type = "fee.assessed"

    assessment_id: str
    filing_id: str
    payer_id: str = Field(description="Who owes the fee: the filer.")
    fee_code: str
    fee_version: int
    basis: str = Field(description="How the amount follows from the schedule, in words.")
    amount: Money


class PaymentCompleted(EventData):
    type = "payment.completed"

    payment_id: str
    filing_id: str
    payer_id: str
    amount: Money
    fee_code: str
    fee_version: int
    receipt_number: str
    verification_code: str
    provider: str
    provider_reference: str
    paid_at: str


class FeeReassessed(EventData):
    """A returned filing was corrected and its claim or subject changed: its fee is assessed again.

    `due` is what is still to pay (the new fee less what was collected net of refunds); `excess` is
    what was collected beyond the new fee, which the payment service refunds.
    """

    type = "fee.reassessed"

    assessment_id: str = Field(description="This revision's id; a payment records which revision it pays.")
    filing_id: str
    payer_id: str
    revision: int = Field(ge=2, le=1000)
    fee_code: str
    fee_version: int
    basis: str
    amount: Money = Field(description="The whole fee as now assessed.")
    previous_amount: Money
    collected: Money = Field(description="Collected so far, net of refunds.")
    due: Money
    excess: Money


class PaymentExpired(EventData):
    """A payment request was not paid in time; a callback that still says "paid" is refunded."""

    type = "payment.expired"

    payment_id: str
    filing_id: str
    payer_id: str
    amount: Money
    expired_at: str


RefundReason = Literal["paid-after-expiry", "paid-after-another-payment", "paid-twice", "fee-lowered"]


class PaymentRefundRequested(EventData):
    """Money collected beyond the fee is flagged and sent back through the provider."""

    type = "payment.refund_requested"

    refund_id: str
    filing_id: str
    payer_id: str
    payment_id: str = Field(description="The payment whose capture is (partly) returned.")
    provider_reference: str = Field(description="The provider's reference of the capture being returned.")
    amount: Money
    reason: RefundReason
    requested_at: str


class PaymentRefunded(EventData):
    """The provider confirmed the refund; its receipt verifies like a payment's."""

    type = "payment.refunded"

    refund_id: str
    filing_id: str
    payer_id: str
    payment_id: str
    amount: Money
    reason: RefundReason
    receipt_number: str
    verification_code: str
    refund_reference: str = Field(description="The provider's reference of the refund.")
    refunded_at: str


class ReconciliationMismatch(EventData):
    """The provider's settlement file and the service's own records disagree about one transaction."""

    type = "payment.reconciliation_mismatch"

    day: str = Field(description="The settlement day, YYYY-MM-DD.")
    kind: Literal["missing-at-provider", "missing-here", "amount-differs"]
    transaction: Literal["purchase", "refund"]
    reference: str = Field(description="The provider's reference of the transaction.")
    payment_id: str | None = None
    filing_id: str | None = None
    amount_here: Money | None = None
    amount_there: Money | None = None


# --- notification -----------------------------------------------------------------------------------


class NoticeDelivered(EventData):
    """A notice arrived in a person's e-box."""

    type = "notice.delivered"

    notice_id: str
    filing_id: str | None = None
    account_id: str
    kind: str
    case_number: str | None = None
    delivered_at: str
    deemed_served_at: str | None = Field(None, description="When the policy already fixes it at delivery.")


class NoticeViewed(EventData):
    """The addressee opened the notice for the first time."""

    type = "notice.viewed"

    notice_id: str
    filing_id: str | None = None
    account_id: str
    viewed_at: str


class NoticeServed(EventData):
    """The notice counts as served under the jurisdiction's policy."""

    type = "notice.served"

    notice_id: str
    filing_id: str | None = None
    account_id: str
    served_at: str
    rule: str


class PaperServiceRequested(EventData):
    """A party without an e-box is to be served on paper."""

    type = "paper_service.requested"

    task_id: str
    filing_id: str | None = None
    kind: str
    party_name: str
    city_id: str


class PaperServiceRecorded(EventData):
    """The outcome of a paper service."""

    type = "paper_service.recorded"

    task_id: str
    filing_id: str | None = None
    outcome: Literal["served", "refused", "not-found"]
    recorded_by: str
    served_at: str | None = None


def court_routing_key(court_id: str, event_type: str) -> str:
    """Events for one court travel on `court.<court id>.<event type>`; a court's queue binds `court.<id>.#`."""
    return f"court.{court_id}.{event_type}"


# --- registry: service offices ----------------------------------------------------------------------

OfficeKind = Literal["independent", "single-counter", "notary-hosted", "e-government-hosted"]


class OfficeShift(_Part):
    """One of an office's two daily shifts, in local wall-clock time of the office's time zone."""

    name: Literal["morning", "evening"]
    opens: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="HH:MM, local time.")
    closes: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="HH:MM, local time.")


class OfficeApplied(EventData):
    """Someone applied to open a service office: everything the registry keeps about it from then on."""

    type = "office.applied"

    office_id: str
    code: str
    kind: OfficeKind
    name: str
    city_id: str
    province_id: str
    jurisdiction: Jurisdiction
    address: str
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    time_zone: str
    shifts: list[OfficeShift]
    serves: list[str] = Field(description="The city ids whose paper service and visitors the office takes.")
    counters: list[str]
    sample: bool = Field(False, description="Sample data seeded for development, not a real office.")
    decided_by: str
    reason: str


class _LicenceStep(EventData):
    office_id: str
    city_id: str
    decided_by: str = Field(description="Who decided this step (an operator's subject).")
    reason: str
    decided_at: str


class OfficeLicensed(_LicenceStep):
    """The office may open: its staff sign in, file, take payments."""

    type = "office.licensed"


class OfficeSuspended(_LicenceStep):
    """The office may no longer file, take payments or sign in its staff; its open work is handed over."""

    type = "office.suspended"


class OfficeReinstated(_LicenceStep):
    """A suspended office may work again."""

    type = "office.reinstated"


class OfficeDissolved(_LicenceStep):
    """The office is closed for good; its open work is handed over."""

    type = "office.dissolved"


class OfficeWorkHandedOver(EventData):
    """A suspended or dissolved office's open work went to the nearest licensed office."""

    type = "office.work_handed_over"

    from_office_id: str
    to_office_id: str | None = Field(description="None when no licensed office was left to take it.")
    distance_km: float | None = None
    tickets: list[str] = Field(default_factory=list, description="Queue tickets moved, by id.")
    reason: str


class OfficeRecommendationMade(EventData):
    """The load indicators say an office needs another counter or more staff, or a city a new office."""

    type = "office.recommendation_made"

    recommendation_id: str
    action: Literal["add-counter", "add-staff", "new-office"]
    office_id: str | None = None
    city_id: str
    indicator: Literal["p90-wait", "utilisation"]
    value: float
    threshold: float
    days: list[str] = Field(description="The days (office's local dates) the indicator stayed over the threshold.")


class PaperServiceAssigned(EventData):
    """A paper-service task is given to an office: only that office's clerks record its outcome."""

    type = "paper_service.assigned"

    task_id: str
    office_id: str
    reason: Literal["serves-city", "handed-over"]

# --- courts speak back: the notices a court posts, their lifecycle, deadlines and outages -------------

NoticeKind = Literal["summons", "hearing-rescheduled", "hearing-cancelled", "documents-ordered", "interim-order",
                     "judgment", "appeal-window"]
MAX_NOTICE_DOCUMENT_BYTES = 5 * 1024 * 1024
MAX_DEADLINE_DAYS = 365


class Hearing(_Part):
    """Where and when a hearing sits: a branch and a room, or a video link (or both)."""

    at: str = Field(min_length=20, max_length=40, description="RFC 3339 time with its UTC offset.")
    branch_id: str | None = Field(None, max_length=64)
    room: str | None = Field(None, max_length=64)
    video_url: str | None = Field(None, max_length=500, description="https link to the video hearing.")


class AttachedDocument(_Part):
    """A document a court attaches to a notice, sent with it; stored by its SHA-256."""

    filename: str = Field(min_length=1, max_length=200)
    media_type: Literal["application/pdf"] = "application/pdf"
    content_base64: str = Field(min_length=4, max_length=(MAX_NOTICE_DOCUMENT_BYTES * 4) // 3 + 4)


class NoticeDocument(_Part):
    """A document attached to a notice, as stored: read back by its SHA-256."""

    filename: str
    media_type: str
    size: int = Field(ge=0, le=MAX_NOTICE_DOCUMENT_BYTES)
    sha256: str


class CourtNotice(_Part):
    """A notice as a court issues it on a case: the same whether posted by the court API or on the bus."""

    reference: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:/-]+$",
                           description="The court's own id of the notice; posting it again changes nothing.")
    kind: NoticeKind
    filing_id: str = Field(min_length=1, max_length=64, description="The case, by the filing the court accepted.")
    addressees: list[str] = Field(default_factory=list, max_length=50,
                                  description="National IDs of the case's parties it is for; empty: every party.")
    hearing: Hearing | None = Field(None, description="For a summons or a rescheduled hearing.")
    deadline_days: int | None = Field(None, ge=1, le=MAX_DEADLINE_DAYS,
                                      description="Days from service: to supply documents, or to appeal.")
    text: str | None = Field(None, max_length=4000, description="The order's or judgment's words, as the court wrote.")
    documents: list[AttachedDocument] = Field(default_factory=list, max_length=5)


class CourtNoticePosted(EventData):
    """What a court publishes, on `by-court.<court id>.notice.posted`, to have a notice served.

    The broker lets each court publish only on its own key; the notification service checks the key
    against the court named here and answers on `court.<court id>.court_notice.recorded` or `.rejected`.
    """

    type = "court_notice.posted"

    court_id: str = Field(min_length=1, max_length=64)
    notice: CourtNotice

    def routing_key(self) -> str:
        return by_court_routing_key(self.court_id, "notice.posted")


class CourtNoticeAddressee(_Part):
    national_id: str
    channel: Literal["ebox", "paper"]
    notice_id: str = Field(description="The e-box notice, or the paper-service task.")


class CourtNoticeRecorded(EventData):
    """The platform took a court's notice and is serving it: one e-box notice or paper task per addressee."""

    type = "court_notice.recorded"

    court_id: str
    reference: str
    filing_id: str
    kind: NoticeKind
    addressees: list[CourtNoticeAddressee]

    def routing_key(self) -> str:
        return court_routing_key(self.court_id, self.type)


class CourtNoticeRejected(EventData):
    """A notice a court published on the bus could not be taken; the errors say why, as the API would."""

    type = "court_notice.rejected"

    court_id: str
    reference: str
    errors: list[dict[str, str]]

    def routing_key(self) -> str:
        return court_routing_key(self.court_id, self.type)


class NoticeAlerted(EventData):
    """The addressee was told a notice is in their e-box: by SMS, or by email when SMS failed."""

    type = "notice.alerted"

    notice_id: str
    filing_id: str | None = None
    channel: Literal["sms", "email"]
    attempts: int = Field(ge=1, le=100)
    alerted_at: str


class NoticeAlertFailed(EventData):
    """Every alert channel failed for a notice: the notice is in the e-box, but nobody was told."""

    type = "notice.alert_failed"

    notice_id: str
    filing_id: str | None = None
    channels: list[str]
    attempts: int = Field(ge=0, le=100)
    failed_at: str


class NoticeDeadlineSet(EventData):
    """A deadline runs from a notice's service: to supply documents, or to appeal."""

    type = "notice.deadline_set"

    notice_id: str = Field(description="The e-box notice or paper-service task it runs from.")
    filing_id: str
    court_id: str
    kind: NoticeKind
    served_at: str
    days: int = Field(ge=1, le=MAX_DEADLINE_DAYS)
    ends_at: str = Field(description="Served at + days, extended by any outage it ended in.")
    extended_by: list[str] = Field(default_factory=list, description="The outages that extended it.")


class NoticeDeadlineExtended(EventData):
    """A deadline ended during a platform outage (or within the margin after one) and was extended."""

    type = "notice.deadline_extended"

    notice_id: str
    filing_id: str
    court_id: str
    outage_id: str
    previous_ends_at: str
    ends_at: str


class OutageRecorded(EventData):
    """The platform was down: recorded by an operator, or detected from its health and awaiting confirmation."""

    type = "platform.outage_recorded"

    outage_id: str
    started_at: str
    ended_at: str
    scope: str = Field(description="What was down: 'platform' or a service's name.")
    source: Literal["operator", "detected"]
    confirmed: bool


class OutageConfirmed(EventData):
    """An operator confirmed a detected outage: deadlines ending in it are extended."""

    type = "platform.outage_confirmed"

    outage_id: str
    confirmed_by: str


class NoticeStuck(EventData):
    """A notice has been waiting at one step of its lifecycle for longer than it should."""

    type = "notice.stuck"

    notice_id: str = Field(description="The e-box notice, or the paper-service task.")
    reason: Literal["not-alerted", "alerts-failed", "paper-without-outcome"]
    since: str
    found_at: str


class NoticeBatchCompleted(EventData):
    """Every notice of a court's batch is recorded and on its way (e-box or paper)."""

    type = "notice_batch.completed"

    batch_id: str
    court_id: str
    notices: int = Field(ge=0, le=100_000)
    rejected: int = Field(ge=0, le=100_000)
    completed_at: str

    def routing_key(self) -> str:
        return court_routing_key(self.court_id, self.type)


def by_court_routing_key(court_id: str, what: str) -> str:
    """What a court publishes travels on `by-court.<court id>.<what>`: the broker lets a court use only its own."""
    return f"by-court.{court_id}.{what}"
