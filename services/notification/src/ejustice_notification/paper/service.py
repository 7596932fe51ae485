"""Paper service: a notice for a party without an e-box becomes a task an office's clerk carries out.

A task is the stream `paper-<id>`: opened, assigned to an office (by the registry, to the office
serving the party's city; again when that office is suspended), then its one outcome. Open tasks
are listed from the small side collection `paper_tasks_open` (`_id` = task id, with the city and
the office), which loses a task's marker once its outcome is in, so listing never scans the tasks
themselves. A clerk sees and answers only the tasks of their own office: the look-up is keyed by it.
"""

import contextlib
import uuid
from dataclasses import dataclass
from datetime import datetime

from pymongo.errors import DuplicateKeyError

from ejustice_notification.common import SOURCE, iso, now
from ejustice_notification.notices.models import NoticeContent
from ejustice_notification.paper.events import PaperTaskAssigned, PaperTaskOpened
from ejustice_notification.paper.models import PaperOutcomeCreate, PaperTaskRead
from ejustice_shared.aggregate import Aggregate, Decision, Fact
from ejustice_shared.auth import Principal, Role
from ejustice_shared.events import Envelope, PaperServiceRecorded, PaperServiceRequested, Party
from ejustice_shared.problems import Problem
from ejustice_shared.runtime import ServiceRuntime

OPEN_TASKS = "paper_tasks_open"
TASK_IDS = uuid.UUID("0b6e9f3e-51f4-4c1e-8d0a-5c2f77b9a3d4")  # namespace of the deterministic task ids


def task_id_for(event_id: str, jurisdiction: str, national_id: str) -> str:
    return uuid.uuid5(TASK_IDS, f"{event_id}/{jurisdiction}-{national_id}").hex


def stream_of(task_id: str) -> str:
    return f"paper-{task_id}"


aggregate = Aggregate("paper-task", stream=stream_of, initial=None, source=SOURCE,
                      state_type=PaperTaskRead | None)


@aggregate.evolves(PaperTaskOpened)
def _opened(state: PaperTaskRead | None, opened: PaperTaskOpened, fact: Fact) -> PaperTaskRead:
    content = opened.content
    return PaperTaskRead(
        task_id=opened.task_id, kind=content.kind, filing_id=content.filing_id, court_id=content.court_id,
        tracking_code=content.tracking_code, case_number=content.case_number, party_name=opened.party_name,
        national_id=opened.national_id, city_id=opened.city_id, title=content.title, body=content.body,
        opened_at=fact.time)


@aggregate.evolves(PaperServiceRecorded)
def _recorded(state: PaperTaskRead | None, recorded: PaperServiceRecorded, fact: Fact) -> PaperTaskRead | None:
    if state is None:
        return None
    return state.model_copy(update={"outcome": recorded.outcome, "served_at": recorded.served_at,
                                    "recorded_by": recorded.recorded_by, "recorded_at": fact.time})


@aggregate.evolves(PaperTaskAssigned)
def _assigned(state: PaperTaskRead | None, assigned: PaperTaskAssigned, fact: Fact) -> PaperTaskRead | None:
    if state is None:
        return None
    return state.model_copy(update={"office_id": assigned.office_id})


async def load(runtime: ServiceRuntime, task_id: str) -> PaperTaskRead | None:
    return await aggregate.state(runtime.commits, task_id)


# The same stream read for what the task serves (its content: a deadline, the kind counted in statistics).
opening = Aggregate("paper-task-opening", stream=stream_of, initial=None, source=SOURCE,
                    state_type=PaperTaskOpened | None)


@opening.evolves(PaperTaskOpened)
def _opening(state: PaperTaskOpened | None, opened: PaperTaskOpened, fact: Fact) -> PaperTaskOpened:
    return opened


async def opened(runtime: ServiceRuntime, task_id: str) -> PaperTaskOpened | None:
    """How the task was opened: the party and the notice's full content."""
    return await opening.state(runtime.commits, task_id)


@dataclass(frozen=True)
class OpenTask:
    task_id: str
    party: Party
    content: NoticeContent


def open_once(state: PaperTaskRead | None, command: OpenTask) -> Decision:
    """The task, and the published request for paper service, once."""
    if state is not None:
        return Decision([])
    party, content = command.party, command.content
    return Decision([PaperTaskOpened(task_id=command.task_id, national_id=party.national_id, party_name=party.name,
                                     city_id=party.city_id, content=content),
                     PaperServiceRequested(task_id=command.task_id, filing_id=content.filing_id, kind=content.kind,
                                           party_name=party.name, city_id=party.city_id)])


async def open_task(runtime: ServiceRuntime, *, cause: Envelope, party: Party, content: NoticeContent) -> None:
    """Open the task once per event and party, and publish that paper service is requested."""
    task_id = task_id_for(cause.id, content.jurisdiction, party.national_id)
    await aggregate.execute(runtime.commits, task_id, open_once, OpenTask(task_id, party, content),
                            cause=cause.id, actor={"service": cause.source})
    await mark_open(runtime, task_id)


async def mark_open(runtime: ServiceRuntime, task_id: str) -> None:
    """The task's marker as its stream says (office included), while it has no outcome."""
    task = await load(runtime, task_id)
    if task is None or task.outcome is not None:
        return
    marker = {"_id": task_id, "city_id": task.city_id, "office_id": task.office_id, "opened_at": task.opened_at}
    found = await runtime.db[OPEN_TASKS].find_one({"_id": task_id})
    if found != marker:
        if found is not None:
            await runtime.db[OPEN_TASKS].delete_one({"_id": task_id})
        with contextlib.suppress(DuplicateKeyError):  # set by an earlier delivery of this event
            await runtime.db[OPEN_TASKS].insert_one(marker)


@dataclass(frozen=True)
class Assign:
    office_id: str
    from_office_id: str | None


def assign_office(task: PaperTaskRead | None, command: Assign) -> Decision:
    """The office that carries the task out, unless it is answered already or is that office's."""
    if task is None:
        raise LookupError(f"paper task of office {command.office_id} is not opened yet")  # redelivered until it is
    if task.outcome is not None or task.office_id == command.office_id:
        return Decision([])
    return Decision([PaperTaskAssigned(task_id=task.task_id, office_id=command.office_id,
                                       from_office_id=command.from_office_id)])


async def assign(runtime: ServiceRuntime, *, cause: str, task_id: str, office_id: str,
                 from_office_id: str | None = None) -> None:
    await aggregate.execute(runtime.commits, task_id, assign_office, Assign(office_id, from_office_id),
                            cause=cause, actor={"service": "registry"})
    await mark_open(runtime, task_id)


def whose(principal: Principal) -> dict:
    """The tasks a caller may see: an operator all of them, a clerk only their own office's."""
    if principal.has(Role.OPERATOR):
        return {}
    return {"office_id": principal.office_id or "-"}


async def list_open(runtime: ServiceRuntime, *, principal: Principal, city_id: str | None) -> list[PaperTaskRead]:
    """Open tasks, oldest first, optionally in one city."""
    markers = [m async for m in runtime.db[OPEN_TASKS].find(whose(principal) | ({"city_id": city_id} if city_id
                                                                                 else {}))]
    tasks = []
    for marker in markers:
        task = await load(runtime, marker["_id"])
        if task is not None and task.outcome is not None:  # recorded, but its marker outlived a crash
            await runtime.db[OPEN_TASKS].delete_one({"_id": marker["_id"]})
        elif task is not None:
            tasks.append(task)
    return sorted(tasks, key=lambda t: t.opened_at)


def check_outcome(create: PaperOutcomeCreate, task: PaperTaskRead, moment: datetime) -> list[dict]:
    """Every problem with the outcome as sent, found at once."""
    errors = []
    if create.served_at is not None:
        if create.outcome != "served":
            errors.append({"field": "served_at", "code": "only-when-served",
                           "reason": "A time of service goes only with the outcome 'served'."})
        if create.served_at > moment:
            errors.append({"field": "served_at", "code": "in-the-future",
                           "reason": "The time of service cannot be in the future."})
        if create.served_at < datetime.fromisoformat(task.opened_at):
            errors.append({"field": "served_at", "code": "before-the-task",
                           "reason": f"The task was opened at {task.opened_at}; service cannot come before it."})
    return errors


async def record_outcome(runtime: ServiceRuntime, *, principal: Principal, task_id: str,
                         create: PaperOutcomeCreate) -> PaperTaskRead:
    """Record the outcome once; a second answer is a conflict, whoever sends it."""
    mine = await runtime.db[OPEN_TASKS].find_one({"_id": task_id} | whose(principal))
    task = await load(runtime, task_id)
    if task is None or (mine is None and task.outcome is None):
        raise Problem(404, "paper-task-not-found", detail="There is no paper-service task with this id.")
    if task.outcome is not None:
        raise _already_recorded(task)
    moment = now()
    if errors := check_outcome(create, task, moment):
        raise Problem(422, "validation", errors=errors)

    office = None if principal.has(Role.OPERATOR) else principal.office_id or "-"
    command = RecordOutcome(principal.subject, create.outcome, create.served_at, moment, office)
    outcome = await aggregate.execute(runtime.commits, task_id, record, command, actor=principal.as_actor())
    await runtime.db[OPEN_TASKS].delete_one({"_id": task_id})
    return outcome.state


@dataclass(frozen=True)
class RecordOutcome:
    recorded_by: str
    outcome: str
    served_at: datetime | None
    moment: datetime
    office_id: str | None  # the clerk's office; None for an operator, who answers for any office


def record(current: PaperTaskRead | None, command: RecordOutcome) -> Decision:
    if current.outcome is not None:  # another answer came in while this one was checked
        raise _already_recorded(current)
    if command.office_id is not None and current.office_id != command.office_id:  # handed to another office meanwhile
        raise Problem(404, "paper-task-not-found", detail="There is no paper-service task with this id.")
    served_at = (command.served_at or command.moment) if command.outcome == "served" else None
    return Decision([PaperServiceRecorded(task_id=current.task_id, filing_id=current.filing_id,
                                          outcome=command.outcome, recorded_by=command.recorded_by,
                                          served_at=iso(served_at) if served_at else None)])


def _already_recorded(task: PaperTaskRead) -> Problem:
    return Problem(409, "outcome-already-recorded",
                   detail=f"The outcome '{task.outcome}' was recorded at {task.recorded_at} by {task.recorded_by}.")
