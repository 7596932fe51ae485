"""Events: the envelope and the catalog of event data models."""

from ejustice_shared.events.catalog import (
    AccountRegistered,
    DocumentRef,
    DossierCheckpointed,
    FeeAssessed,
    FeeReassessed,
    FilingAccepted,
    FilingForwarded,
    FilingResubmitted,
    FilingReturned,
    FilingSubmitted,
    Money,
    NoticeDelivered,
    NoticeServed,
    NoticeViewed,
    PaperServiceRecorded,
    PaperServiceRequested,
    Party,
    PaymentCompleted,
    PaymentExpired,
    PaymentRefunded,
    PaymentRefundRequested,
    ReconciliationMismatch,
    ReturnReason,
    court_routing_key,
)
from ejustice_shared.events.envelope import CATALOG, Envelope, EventData

__all__ = [
    "CATALOG", "AccountRegistered", "DocumentRef", "DossierCheckpointed", "Envelope", "EventData", "FeeAssessed",
    "FeeReassessed",
    "FilingAccepted", "FilingForwarded",
    "FilingResubmitted",
    "FilingReturned", "FilingSubmitted", "Money", "NoticeDelivered", "NoticeServed",
    "NoticeViewed", "PaperServiceRecorded", "PaperServiceRequested", "Party", "PaymentCompleted", "PaymentExpired",
    "PaymentRefunded", "PaymentRefundRequested", "ReconciliationMismatch", "ReturnReason", "court_routing_key",
]
