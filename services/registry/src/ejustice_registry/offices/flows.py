"""The registry gives each paper-service task to the office that serves the party's city."""

from ejustice_registry.offices import service as offices
from ejustice_shared.events import Envelope, PaperServiceAssigned, PaperServiceRequested
from ejustice_shared.runtime import ServiceRuntime


async def on_paper_service_requested(runtime: ServiceRuntime, envelope: Envelope,
                                     requested: PaperServiceRequested) -> None:
    office = offices.serving(runtime, requested.city_id)
    if office is None:  # no working office serves the city: the task stays with the operators
        return
    assigned = PaperServiceAssigned(task_id=requested.task_id, office_id=office.office_id, reason="serves-city")
    await runtime.commits.execute(f"paper-assignment-{requested.task_id}",
                                  lambda history: [Envelope.wrap(assigned, source="registry",
                                                                 subject=requested.task_id)],
                                  cause=envelope.id, actor={"service": "registry"})
