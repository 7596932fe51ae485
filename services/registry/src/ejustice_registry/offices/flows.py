"""The registry gives each paper-service task to the office that serves the party's city."""

from ejustice_registry.offices import service as offices
from ejustice_shared.aggregate import Aggregate, Decision, Fact
from ejustice_shared.events import Envelope, PaperServiceAssigned, PaperServiceRequested
from ejustice_shared.runtime import ServiceRuntime

# The office a paper-service task was given to: `paper-assignment-<task id>`, once per task.
assignment = Aggregate("paper-assignment", stream=lambda task_id: f"paper-assignment-{task_id}", initial=None,
                       source="registry")


@assignment.evolves(PaperServiceAssigned)
def _assigned(state: str | None, assigned: PaperServiceAssigned, fact: Fact) -> str:
    return assigned.office_id


def assign_once(office_id: str | None, assigned: PaperServiceAssigned) -> Decision:
    """The first assignment stands: a redelivered request is not given to another office."""
    return Decision([] if office_id is not None else [assigned])



async def on_paper_service_requested(runtime: ServiceRuntime, envelope: Envelope,
                                     requested: PaperServiceRequested) -> None:
    office = offices.serving(runtime, requested.city_id)
    if office is None:  # no working office serves the city: the task stays with the operators
        return
    assigned = PaperServiceAssigned(task_id=requested.task_id, office_id=office.office_id, reason="serves-city")
    await assignment.execute(runtime.commits, requested.task_id, assign_once, assigned, cause=envelope.id,
                             actor={"service": "registry"})
