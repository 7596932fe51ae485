"""The gateway's view of each office's licence, kept from the registry's events.

`office_status` (`_id` = office id) holds the latest step by the time it was decided; an older
event delivered late never overwrites a newer one, and a redelivery changes nothing.
"""

import contextlib

from pymongo.errors import DuplicateKeyError

from ejustice_shared.events import (
    Envelope,
    OfficeApplied,
    OfficeDissolved,
    OfficeLicensed,
    OfficeReinstated,
    OfficeSuspended,
)
from ejustice_shared.runtime import ServiceRuntime

OFFICE_STATUS = "office_status"
STATUS = {OfficeApplied: "applied", OfficeLicensed: "licensed", OfficeSuspended: "suspended",
          OfficeReinstated: "reinstated", OfficeDissolved: "dissolved"}
LICENCE_EVENTS = tuple(STATUS)


async def on_licence_step(runtime: ServiceRuntime, envelope: Envelope, step) -> None:
    decided_at = getattr(step, "decided_at", envelope.time)
    document = {"_id": step.office_id, "status": STATUS[type(step)], "decided_at": decided_at, "event_id": envelope.id}
    with contextlib.suppress(DuplicateKeyError):  # a later step is recorded already
        await runtime.db[OFFICE_STATUS].replace_one({"_id": step.office_id, "decided_at": {"$lt": decided_at}},
                                                    document, upsert=True)
