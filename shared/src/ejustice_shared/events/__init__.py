"""Events: the envelope and the catalog of event data models."""

from ejustice_shared.events.catalog import (
    AccountRegistered,
    DocumentRef,
    DossierCheckpointed,
    FeeAssessed,
    FilingAccepted,
    FilingClaimSet,
    FilingDocumentAdded,
    FilingFeeRecorded,
    FilingForwarded,
    FilingNoted,
    FilingOpened,
    FilingPaid,
    FilingPartiesSet,
    FilingReturned,
    FilingStatementSet,
    FilingSubmitted,
    Money,
    NoticeDelivered,
    NoticeServed,
    NoticeViewed,
    PaperServiceRecorded,
    PaperServiceRequested,
    Party,
    PaymentCompleted,
    ReturnReason,
    court_routing_key,
)
from ejustice_shared.events.envelope import CATALOG, Envelope, EventData

__all__ = [
    "CATALOG", "AccountRegistered", "DocumentRef", "DossierCheckpointed", "Envelope", "EventData", "FeeAssessed",
    "FilingAccepted",
    "FilingClaimSet", "FilingDocumentAdded", "FilingFeeRecorded", "FilingForwarded", "FilingNoted", "FilingOpened",
    "FilingPaid", "FilingPartiesSet", "FilingReturned", "FilingStatementSet", "FilingSubmitted", "Money",
    "NoticeDelivered", "NoticeServed", "NoticeViewed", "PaperServiceRecorded", "PaperServiceRequested", "Party",
    "PaymentCompleted", "ReturnReason", "court_routing_key",
]
