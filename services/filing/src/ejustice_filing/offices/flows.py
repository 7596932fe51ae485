"""The filing service follows the registry's handovers: an office's open drafts go where its work went."""

import structlog

from ejustice_filing.offices import service
from ejustice_shared.events import Envelope, OfficeWorkHandedOver
from ejustice_shared.runtime import ServiceRuntime

log = structlog.get_logger()


async def on_work_handed_over(runtime: ServiceRuntime, envelope: Envelope, handed: OfficeWorkHandedOver) -> None:
    if handed.to_office_id is None:  # no licensed office was left: the drafts wait for the office's reinstatement
        return
    moved = await service.hand_over(runtime, from_office_id=handed.from_office_id, to_office_id=handed.to_office_id,
                                    reason=handed.reason, cause=envelope.id)
    log.info("drafts handed over", from_office=handed.from_office_id, to_office=handed.to_office_id,
             drafts=len(moved))
