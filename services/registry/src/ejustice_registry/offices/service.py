"""Service offices: each is the stream `office-<office id>` (its application, licence steps, staff, handovers).

The office id is its code (IR-THR-101). What people search (by city, nearest to a place) is
answered from the directory: a projection `office_directory` (`_id` = office id, with the
stream's seq), written after every commit and rebuilt from the commits if lost, and held in
memory by each process with a grid index for the nearest-office search. Each process reloads
it every few seconds, so a change made by another replica shows within that time.
"""

import asyncio
import contextlib
import itertools
import json
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path

import structlog
from pymongo.errors import DuplicateKeyError

from ejustice_registry.offices.events import OfficeStaffAdded
from ejustice_registry.offices.geo import NearestIndex
from ejustice_registry.offices.models import (
    ACTIVE,
    COUNTER_LIMITS,
    HandoverRead,
    LicenceStep,
    LicenceStepRead,
    OfficeCreate,
    OfficeRead,
    StaffMemberRead,
)
from ejustice_registry.places import service as places
from ejustice_shared import clock
from ejustice_shared.aggregate import Aggregate, Decision, Fact, Outcome
from ejustice_shared.auth import Principal
from ejustice_shared.events import (
    EventData,
    OfficeApplied,
    OfficeDissolved,
    OfficeLicensed,
    OfficeReinstated,
    OfficeSuspended,
    OfficeWorkHandedOver,
)
from ejustice_shared.problems import Problem, field_error
from ejustice_shared.runtime import ServiceRuntime

log = structlog.get_logger()
SOURCE = "registry"
DIRECTORY = "office_directory"
SAMPLE = Path(__file__).parent / "sample.json"

# Which step may follow which status, the event it records and the status it leaves.
STEPS: dict[str, tuple[frozenset[str], type[EventData]]] = {
    "license": (frozenset({"applied"}), OfficeLicensed),
    "suspend": (frozenset({"licensed", "reinstated"}), OfficeSuspended),
    "reinstate": (frozenset({"suspended"}), OfficeReinstated),
    "dissolve": (frozenset({"applied", "licensed", "suspended", "reinstated"}), OfficeDissolved),
}
STATUS_AFTER = {OfficeLicensed: "licensed", OfficeSuspended: "suspended", OfficeReinstated: "reinstated",
                OfficeDissolved: "dissolved"}


def stream_of(office_id: str) -> str:
    return f"office-{office_id}"


@dataclass(frozen=True)
class Office:
    read: OfficeRead | None = None
    staff: tuple[StaffMemberRead, ...] = ()


aggregate = Aggregate("office", stream=stream_of, initial=Office(), source=SOURCE, state_type=Office)


@aggregate.evolves(OfficeApplied)
def _applied(office: Office, applied: OfficeApplied, fact: Fact) -> Office:
    return replace(office, read=OfficeRead(
        **applied.model_dump(exclude={"decided_by", "reason"}), status="applied",
        licence=[LicenceStepRead(step="applied", decided_by=applied.decided_by, reason=applied.reason,
                                 decided_at=fact.time)]))


@aggregate.evolves(OfficeLicensed, OfficeSuspended, OfficeReinstated, OfficeDissolved)
def _licence_step(office: Office, step: EventData, fact: Fact) -> Office:
    status = STATUS_AFTER[type(step)]
    return replace(office, read=office.read.model_copy(update={
        "status": status, "licence": [*office.read.licence, LicenceStepRead(
            step=status, decided_by=step.decided_by, reason=step.reason, decided_at=step.decided_at)]}))


@aggregate.evolves(OfficeWorkHandedOver)
def _handed_over(office: Office, handed: OfficeWorkHandedOver, fact: Fact) -> Office:
    return replace(office, read=office.read.model_copy(update={"handovers": [*office.read.handovers, HandoverRead(
        to_office_id=handed.to_office_id, distance_km=handed.distance_km, tickets=handed.tickets, at=fact.time)]}))


@aggregate.evolves(OfficeStaffAdded)
def _staff_added(office: Office, added: OfficeStaffAdded, fact: Fact) -> Office:
    return replace(office, staff=(*office.staff, StaffMemberRead(staff_id=added.staff_id, username=added.username,
                                                                  name=added.name, role=added.role)))


async def load(runtime: ServiceRuntime, office_id: str) -> Office:
    return await aggregate.state(runtime.commits, office_id)


async def find(runtime: ServiceRuntime, office_id: str) -> OfficeRead:
    office = (await load(runtime, office_id)).read
    if office is None:
        raise Problem(404, "office-not-found", detail=f"There is no office '{office_id}'; see GET /offices.")
    return office


def not_working(office: OfficeRead) -> Problem:
    return Problem(403, "office-not-licensed", errors=[field_error("office_id", "office-not-licensed",
                                                                  office=office.office_id, status=office.status)])


async def working(runtime: ServiceRuntime, office_id: str) -> OfficeRead:
    """The office, if it is licensed (or reinstated); a suspended or dissolved office does nothing."""
    office = await find(runtime, office_id)
    if office.status not in ACTIVE:
        raise not_working(office)
    return office


# --- decisions ---------------------------------------------------------------------------------------------


def apply_once(office: Office, applied: OfficeApplied) -> Decision:
    """An office applies once: its code is taken by the first application."""
    if office.read is not None:
        raise Problem(409, "office-exists", errors=[field_error("code", "office-exists", office=applied.code)])
    return Decision([applied])


@dataclass(frozen=True)
class TakeStep:
    office_id: str
    step: LicenceStep
    decided_by: str
    reason: str
    decided_at: str


def take_licence_step(office: Office, command: TakeStep) -> Decision:
    """A licence step, if the office's status allows it."""
    allowed_from, event = STEPS[command.step]
    if office.read is None:
        raise Problem(404, "office-not-found", detail=f"There is no office '{command.office_id}'.")
    if office.read.status not in allowed_from:
        raise Problem(409, "licence-step-not-allowed", errors=[field_error(
            "step", "licence-step-not-allowed", step=command.step, status=office.read.status)])
    return Decision([event(office_id=command.office_id, city_id=office.read.city_id, decided_by=command.decided_by,
                           reason=command.reason, decided_at=command.decided_at)])


def record(office: Office, event: OfficeWorkHandedOver | OfficeStaffAdded) -> Decision:
    """A handover or a new member of staff, on an office that exists."""
    if office.read is None:
        raise Problem(404, "office-not-found", detail="There is no such office.")
    return Decision([event])


# --- commands ---------------------------------------------------------------------------------------------


def application_errors(create: OfficeCreate) -> list[dict]:
    errors = []
    city = places.find_city(places.normalize_id(create.city_id))
    if city is None:
        errors.append(field_error("city_id", "unknown-city", value=create.city_id))
    elif not create.code.startswith(city.jurisdiction + "-"):
        errors.append(field_error("code", "office-code-jurisdiction", jurisdiction=city.jurisdiction))
    for n, served in enumerate(create.serves):
        if places.find_city(places.normalize_id(served)) is None:
            errors.append(field_error(f"serves.{n}", "unknown-city", value=served))
    fewest, most = COUNTER_LIMITS[create.kind]
    if not fewest <= create.counters <= most:
        errors.append(field_error("counters", "office-counters", variant=create.kind, fewest=fewest, most=most))
    return errors


async def apply(runtime: ServiceRuntime, *, principal: Principal, create: OfficeCreate, sample: bool = False,
                cause: str | None = None) -> OfficeRead:
    if errors := application_errors(create):
        raise Problem(422, "validation", errors=errors)
    city = places.find_city(places.normalize_id(create.city_id))
    serves = list(dict.fromkeys([city.city_id, *(places.normalize_id(c) for c in create.serves)]))
    applied = OfficeApplied(
        office_id=create.code, code=create.code, kind=create.kind, name=create.name, city_id=city.city_id,
        province_id=city.province_id, jurisdiction=city.jurisdiction, address=create.address,
        latitude=create.latitude, longitude=create.longitude, time_zone=create.time_zone, shifts=create.shifts,
        serves=serves, counters=[str(n) for n in range(1, create.counters + 1)], sample=sample,
        decided_by=principal.subject, reason=create.reason)
    outcome = await aggregate.execute(runtime.commits, create.code, apply_once, applied, cause=cause,
                                      actor=principal.as_actor())
    return await project(runtime, create.code, outcome)


async def take_step(runtime: ServiceRuntime, *, principal: Principal, office_id: str, step: LicenceStep,
                    reason: str, cause: str | None = None) -> OfficeRead:
    outcome = await aggregate.execute(runtime.commits, office_id, take_licence_step,
                                      TakeStep(office_id, step, principal.subject, reason, clock.iso()),
                                      cause=cause, actor=principal.as_actor())
    return await project(runtime, office_id, outcome)


async def record_handover(runtime: ServiceRuntime, *, office_id: str, to_office_id: str | None,
                          distance_km: float | None, tickets: list[str], reason: str, cause: str) -> OfficeRead:
    handed = OfficeWorkHandedOver(from_office_id=office_id, to_office_id=to_office_id, distance_km=distance_km,
                                  tickets=tickets, reason=reason)
    outcome = await aggregate.execute(runtime.commits, office_id, record, handed, cause=cause,
                                      actor={"service": SOURCE})
    return await project(runtime, office_id, outcome)


async def add_staff_member(runtime: ServiceRuntime, *, principal: Principal, office_id: str,
                           added: OfficeStaffAdded) -> None:
    await aggregate.execute(runtime.commits, office_id, record, added, actor=principal.as_actor())


# --- the directory ----------------------------------------------------------------------------------------


@dataclass
class Directory:
    offices: dict[str, OfficeRead] = field(default_factory=dict)
    working: NearestIndex = field(default_factory=NearestIndex)

    def put(self, office: OfficeRead) -> None:
        self.offices[office.office_id] = office
        if office.status in ACTIVE:
            self.working.put(office.office_id, office.latitude, office.longitude)
        else:
            self.working.remove(office.office_id)


def directory(runtime: ServiceRuntime) -> Directory:
    return runtime.state.setdefault("directory", Directory())


async def project(runtime: ServiceRuntime, office_id: str, outcome: Outcome[Office, None]) -> OfficeRead:
    """Write the office's state after a command into the directory (a newer one already there stays) and return it."""
    office, seq = outcome.state, outcome.seq
    document = {"_id": office_id, "seq": seq, "changed_at": clock.iso(), **office.read.model_dump(mode="json")}
    with contextlib.suppress(DuplicateKeyError):  # a newer state is there already
        await runtime.db[DIRECTORY].replace_one({"_id": office_id, "seq": {"$lt": seq}}, document, upsert=True)
    directory(runtime).put(office.read)
    runtime.state.setdefault("directory_seqs", {})[office_id] = seq
    return office.read


# A reload reads the entries written since the one before (by `changed_at`, less a margin for writes still on
# their way and replicas' clocks a little apart), not every office's seq: reading ten thousand of those every
# few seconds held up the searches meanwhile. Every FULL_RELOAD_EVERY-th reload reads every seq all the same.
CHANGE_MARGIN = timedelta(seconds=60)
FULL_RELOAD_EVERY = 60


async def reload_directory(runtime: ServiceRuntime, *, full: bool = False) -> Directory:
    """Bring the directory up to what the database holds: only offices whose seq moved are read again."""
    held = runtime.state.get("directory") or Directory()
    seqs: dict[str, int] = runtime.state.setdefault("directory_seqs", {})
    started, since = clock.now(), runtime.state.get("directory_read_at")
    # (Bounded above too, so the index walks a range: an entry stamped by a clock far ahead waits for a full reload.)
    query = {} if full or since is None else {"changed_at": {"$lte": clock.iso(started + CHANGE_MARGIN),
                                                            "$gte": clock.iso(since - CHANGE_MARGIN)}}
    stored = {doc["_id"]: doc["seq"] async for doc in runtime.db[DIRECTORY].find(query, {"seq": 1})}
    changed = [office_id for office_id, seq in stored.items() if seqs.get(office_id) != seq]
    for start in range(0, len(changed), 500):
        async for document in runtime.db[DIRECTORY].find({"_id": {"$in": changed[start:start + 500]}},
                                                         {"changed_at": 0}):
            seqs[document["_id"]] = document.pop("seq")
            document.pop("_id")
            held.put(OfficeRead.model_validate(document))
        await asyncio.sleep(0)  # let requests through between batches
    runtime.state["directory"] = held
    runtime.state["directory_read_at"] = started
    return held


async def keep_directory_fresh(runtime: ServiceRuntime) -> None:
    async def loop() -> None:
        for round_ in itertools.count(1):
            await asyncio.sleep(runtime.settings.directory_refresh_seconds)
            try:
                await reload_directory(runtime, full=round_ % FULL_RELOAD_EVERY == 0)
            except Exception as exc:  # the database is away: keep serving the last directory
                log.warning("office directory not reloaded", error=repr(exc))

    await reload_directory(runtime)
    runtime.state["directory_task"] = asyncio.create_task(loop())


async def stop_directory(runtime: ServiceRuntime) -> None:
    if task := runtime.state.get("directory_task"):
        task.cancel()


def nearest(runtime: ServiceRuntime, *, latitude: float, longitude: float, limit: int,
            exclude: str | None = None, max_km: float | None = None) -> list[tuple[float, OfficeRead]]:
    """The working offices nearest to a place, by great-circle distance."""
    found = directory(runtime)
    accept = (lambda key: key != exclude) if exclude else None
    hits = found.working.nearest(latitude, longitude, limit, accept=accept, max_km=max_km)
    return [(km, found.offices[key]) for km, key in hits]


def in_city(runtime: ServiceRuntime, city_id: str, *, working_only: bool = True) -> list[OfficeRead]:
    return sorted((o for o in directory(runtime).offices.values()
                   if o.city_id == city_id and (o.status in ACTIVE or not working_only)), key=lambda o: o.code)


def serving(runtime: ServiceRuntime, city_id: str) -> OfficeRead | None:
    """The working office that takes a city's paper service: one in the city first, then one serving it."""
    offices = [o for o in directory(runtime).offices.values() if o.status in ACTIVE and city_id in o.serves]
    offices.sort(key=lambda o: (o.city_id != city_id, o.code))
    return offices[0] if offices else None


# --- sample offices ---------------------------------------------------------------------------------------


async def seed_sample_offices(runtime: ServiceRuntime) -> None:
    """Realistic sample offices for the seeded cities, marked `sample`, applied and licensed once per database."""
    if not runtime.settings.sample_offices or runtime.settings.environment == "production":
        return
    seeder = Principal(subject="sample-data", roles=[])
    known = (await reload_directory(runtime)).offices

    async def seed(item: dict) -> None:
        create = OfficeCreate.model_validate(item)
        if create.code in known and known[create.code].status != "applied":
            return  # seeded before (and perhaps suspended since: left as it is)
        if (await load(runtime, create.code)).read is None:
            with contextlib.suppress(Problem):  # another replica seeded it meanwhile
                await apply(runtime, principal=seeder, create=create, sample=True, cause=f"sample-{create.code}")
        if (await load(runtime, create.code)).read.status == "applied":
            with contextlib.suppress(Problem):
                await take_step(runtime, principal=seeder, office_id=create.code, step="license",
                                reason="sample data", cause=f"sample-licence-{create.code}")

    # Each office is a stream of its own: seeding them side by side keeps a fresh database's start short.
    await asyncio.gather(*(seed(item) for item in json.loads(SAMPLE.read_text("utf-8"))))
    await reload_directory(runtime)
