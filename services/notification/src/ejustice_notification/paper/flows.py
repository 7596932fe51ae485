"""Paper-service tasks follow the registry: assigned to the office serving the city, handed over on suspension."""

from ejustice_notification.paper.service import OPEN_TASKS, assign
from ejustice_shared.events import Envelope, OfficeWorkHandedOver, PaperServiceAssigned
from ejustice_shared.runtime import ServiceRuntime


async def on_paper_service_assigned(runtime: ServiceRuntime, envelope: Envelope,
                                    assigned: PaperServiceAssigned) -> None:
    await assign(runtime, cause=envelope.id, task_id=assigned.task_id, office_id=assigned.office_id)


async def on_work_handed_over(runtime: ServiceRuntime, envelope: Envelope, handed: OfficeWorkHandedOver) -> None:
    """A suspended or dissolved office's open tasks go to the office that took its work."""
    if handed.to_office_id is None:
        return
    async for marker in runtime.db[OPEN_TASKS].find({"office_id": handed.from_office_id}):
        await assign(runtime, cause=f"{envelope.id}/{marker['_id']}", task_id=marker["_id"],
                     office_id=handed.to_office_id, from_office_id=handed.from_office_id)
