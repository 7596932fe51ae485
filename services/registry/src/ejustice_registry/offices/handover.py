"""Suspending or dissolving an office hands its open work to the nearest licensed office.

Today's open queue tickets move here; the office's paper-service tasks move in the notification
service, which consumes `office.work_handed_over`. The handover is recorded in the office's stream.
"""

from ejustice_registry.offices import service as offices
from ejustice_registry.offices.models import LicenceStep, OfficeRead
from ejustice_registry.queues import service as queues
from ejustice_shared.auth import Principal
from ejustice_shared.runtime import ServiceRuntime


async def decide_licence(runtime: ServiceRuntime, *, principal: Principal, office_id: str, step: LicenceStep,
                         reason: str) -> OfficeRead:
    office = await offices.take_step(runtime, principal=principal, office_id=office_id, step=step, reason=reason)
    if step in ("suspend", "dissolve"):
        office = await hand_over(runtime, office=office, reason=reason)
    return office


async def hand_over(runtime: ServiceRuntime, *, office: OfficeRead, reason: str) -> OfficeRead:
    cause = f"handover-{office.office_id}-{len(office.licence)}"  # once per suspension or dissolution
    await offices.reload_directory(runtime)  # the nearest office as every replica last wrote it
    hits = offices.nearest(runtime, latitude=office.latitude, longitude=office.longitude, limit=1,
                           exclude=office.office_id)
    distance, to = hits[0] if hits else (None, None)
    tickets = await queues.hand_over(runtime, office=office, to=to, cause=cause)
    return await offices.record_handover(runtime, office_id=office.office_id, to_office_id=to.office_id if to else None,
                                         distance_km=round(distance, 3) if distance is not None else None,
                                         tickets=tickets, reason=reason, cause=cause)
