"""Events: the envelope and the catalog of event data models."""

from ejustice_shared.events.catalog import FeeAssessed, FilingFeeRecorded, FilingOpened, FilingSubmitted, Money
from ejustice_shared.events.envelope import CATALOG, Envelope, EventData

__all__ = [
    "CATALOG", "Envelope", "EventData", "FeeAssessed", "FilingFeeRecorded", "FilingOpened", "FilingSubmitted", "Money",
]
