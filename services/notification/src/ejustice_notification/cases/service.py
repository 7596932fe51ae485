"""The cases each court accepted, as the notification service learns them from `filing.accepted`.

A court posts notices only on its own cases: `court_cases/<court id>/<filing id>` is looked up by
the asking court's id, so another court's case is simply not found. Inserted once per case.
"""

import contextlib
from collections.abc import Iterable

from pymongo.errors import DuplicateKeyError

from ejustice_notification.common import iso, now
from ejustice_shared.events import FilingAccepted
from ejustice_shared.runtime import ServiceRuntime

CASES = "court_cases"


def case_key(court_id: str, filing_id: str) -> str:
    return f"{court_id}/{filing_id}"


async def record(runtime: ServiceRuntime, event: FilingAccepted) -> None:
    with contextlib.suppress(DuplicateKeyError):  # a redelivered acceptance
        await runtime.db[CASES].insert_one({
            "_id": case_key(event.court_id, event.filing_id), "court_id": event.court_id,
            "filing_id": event.filing_id, "case_number": event.case_number, "branch_id": event.branch_id,
            "tracking_code": event.tracking_code, "jurisdiction": event.jurisdiction,
            "parties": [party.model_dump() for party in event.parties], "recorded_at": iso(now())})


async def of_court(runtime: ServiceRuntime, *, court_id: str, filing_id: str) -> dict | None:
    """The case, if this court accepted it."""
    return await runtime.db[CASES].find_one({"_id": case_key(court_id, filing_id)})


async def of_court_many(runtime: ServiceRuntime, *, court_id: str, filing_ids: Iterable[str]) -> dict[str, dict]:
    """The cases this court accepted among these filings, by filing id, in one look-up (a batch's chunk)."""
    keys = [case_key(court_id, filing_id) for filing_id in dict.fromkeys(filing_ids)]
    return {case["filing_id"]: case for case in await runtime.db[CASES].find({"_id": {"$in": keys}}).to_list(None)}
