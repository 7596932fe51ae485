"""Recommendations from the load indicators: the stream `load-<office id>` keeps each reviewed day's
figures and the recommendations made, which are published (`office.recommendation_made`) and
listed for the operators' dashboard from the side collection `recommendations`, which the
registry fills as it consumes its own published events.

Add a counter or staff when p90 waiting (or a counter's utilisation) stays over its threshold
for N days in a row; recommend a new office for the city when every working office there had
such a recommendation and is over the threshold again for N days after it.

A day is reviewed once, by an operator or by the timer each process runs: once the office's local day has
ended, the first replica to claim it in `load_review_claims` reviews it.
"""

import asyncio
import contextlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import structlog
from pymongo.errors import DuplicateKeyError

from ejustice_registry.offices import hours
from ejustice_registry.offices import service as offices
from ejustice_registry.offices.models import ACTIVE, COUNTER_LIMITS, OfficeRead
from ejustice_registry.queues import service as queues
from ejustice_registry.queues import stats
from ejustice_registry.queues.models import DayLoad, RecommendationRead
from ejustice_registry.recommendations.events import LoadReviewed
from ejustice_shared import clock
from ejustice_shared.aggregate import Aggregate, Decision, Fact
from ejustice_shared.auth import Principal
from ejustice_shared.events import Envelope, OfficeRecommendationMade
from ejustice_shared.runtime import ServiceRuntime

log = structlog.get_logger()
RECOMMENDATIONS = "recommendations"


def stream_of(office_id: str) -> str:
    return f"load-{office_id}"


def thresholds(runtime: ServiceRuntime) -> stats.Thresholds:
    settings = runtime.settings
    return stats.Thresholds(p90_wait_minutes=settings.recommend_p90_wait_minutes,
                            utilisation=settings.recommend_utilisation, days=settings.recommend_after_days,
                            idle_counter_utilisation=settings.recommend_idle_counter_utilisation)


@dataclass(frozen=True)
class Load:
    days: Mapping[str, stats.DayFigures] = field(default_factory=dict)  # the reviewed days' figures
    made: tuple[RecommendationRead, ...] = ()


aggregate = Aggregate("load", stream=stream_of, initial=Load(), source="registry",
                      subject=lambda key, state, event: key.removeprefix("city-"))


@aggregate.evolves(LoadReviewed)
def _reviewed(load: Load, reviewed: LoadReviewed, fact: Fact) -> Load:
    figures = stats.DayFigures(day=reviewed.day, p90_wait_minutes=reviewed.p90_wait_minutes,
                               utilisation=reviewed.utilisation, idle_counters=reviewed.idle_counters)
    return replace(load, days={**load.days, reviewed.day: figures})


@aggregate.evolves(OfficeRecommendationMade)
def _made(load: Load, made: OfficeRecommendationMade, fact: Fact) -> Load:
    return replace(load, made=(*load.made, RecommendationRead(**made.model_dump(), made_at=fact.time)))


@dataclass(frozen=True)
class Review:
    reviewed: LoadReviewed
    figures: stats.DayFigures
    limits: stats.Thresholds
    can_add_counter: bool
    city_id: str
    recommendation_id: str  # for the recommendation the figures may call for


def review_day(load: Load, command: Review) -> Decision:
    """Record the day's figures; recommend growing when they stay over a threshold, once per streak: while the
    figures stay over without a break since the office's last recommendation, the streak goes on (and, with
    the city's other offices, may call for a new office instead)."""
    days = {**load.days, command.reviewed.day: command.figures}
    events: list = [command.reviewed]
    advice = stats.advise(list(days.values()), command.limits, can_add_counter=command.can_add_counter)
    if advice and not streak_goes_on(load, days, command.limits):
        events.append(OfficeRecommendationMade(
            recommendation_id=command.recommendation_id, action=advice.action, office_id=command.reviewed.office_id,
            city_id=command.city_id, indicator=advice.indicator, value=advice.value, threshold=advice.threshold,
            days=advice.days))
    return Decision(events)


def streak_goes_on(load: Load, days: Mapping[str, stats.DayFigures], limits: stats.Thresholds) -> bool:
    """The office had a recommendation and every day reviewed since its last day stayed over a threshold."""
    advice = [m for m in load.made if m.action != "new-office"]
    if not advice:
        return False
    return all(stats.over(figures, limits) for day, figures in days.items() if day > advice[-1].days[-1])


def recommend(load: Load, recommendation: OfficeRecommendationMade) -> Decision:
    return Decision([recommendation])


async def review(runtime: ServiceRuntime, *, principal: Principal, office_id: str,
                 day: str | None) -> tuple[DayLoad, list[RecommendationRead]]:
    """An operator's review of a day (today when not said)."""
    queues.staff_of(principal, office_id)
    office = await offices.find(runtime, office_id)
    load = queues.load_of(office, await queues.load_day(runtime, office, day or hours.local_day(office.time_zone)))
    return load, await review_load(runtime, office=office, load=load, actor=principal.as_actor())


async def review_load(runtime: ServiceRuntime, *, office: OfficeRead, load: DayLoad,
                      actor: dict) -> list[RecommendationRead]:
    """Record the day's figures (once per day, whoever reviews it) and make the recommendations they call for."""
    office_id = office.office_id
    limits = thresholds(runtime)
    figures = stats.day_figures(load.day, load.shifts, limits)
    reviewed = LoadReviewed(office_id=office_id, day=load.day, p90_wait_minutes=figures.p90_wait_minutes,
                            utilisation=figures.utilisation, idle_counters=figures.idle_counters)
    can_add = len(office.counters) < COUNTER_LIMITS[office.kind][1]
    outcome = await aggregate.execute(runtime.commits, office_id, review_day,
                                      Review(reviewed, figures, limits, can_add, office.city_id, uuid.uuid4().hex),
                                      cause=f"review-{load.day}", actor=actor)
    made = list(outcome.state.made)
    made += await _city_check(runtime, actor=actor, office=office, day=load.day)
    return made


async def _city_check(runtime: ServiceRuntime, *, actor: dict, office: OfficeRead,
                      day: str) -> list[RecommendationRead]:
    """Every working office of the city was told to grow and is over the threshold again since: a new office."""
    limits = thresholds(runtime)
    city_offices = offices.in_city(runtime, office.city_id)
    for each in city_offices:
        load = await aggregate.state(runtime.commits, each.office_id)
        office_advice = [m for m in load.made if m.action != "new-office"]
        if not office_advice:
            return []
        after = [d for d in load.days.values() if d.day > office_advice[-1].days[-1]]
        if stats.advise(after, limits, can_add_counter=True) is None:
            return []
    recommendation = OfficeRecommendationMade(
        recommendation_id=uuid.uuid4().hex, action="new-office", office_id=None, city_id=office.city_id,
        indicator="p90-wait", value=0.0, threshold=limits.p90_wait_minutes, days=[day])
    outcome = await aggregate.execute(runtime.commits, f"city-{office.city_id}", recommend, recommendation,
                                      cause=f"city-review-{day}", actor=actor)
    return list(outcome.state.made)


def week_of(moment: datetime) -> str:
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


async def on_recommendation_made(runtime: ServiceRuntime, envelope: Envelope,
                                 made: OfficeRecommendationMade) -> None:
    """The operators' list, kept from the published events (`_id` = the recommendation's id: once each),
    filed by ISO week so that the dashboard reads a few weeks by their index."""
    read = RecommendationRead(**made.model_dump(), made_at=envelope.time)
    with contextlib.suppress(DuplicateKeyError):
        await runtime.db[RECOMMENDATIONS].insert_one({"_id": read.recommendation_id, **read.model_dump(),
                                                      "week": week_of(datetime.fromisoformat(read.made_at))})


async def list_recommendations(runtime: ServiceRuntime, *, days: int, limit: int) -> list[RecommendationRead]:
    """Those made in the last `days` days, newest first."""
    now = clock.now()
    since = clock.iso(now - timedelta(days=days))
    weeks = sorted({week_of(now - timedelta(days=n)) for n in range(days + 1)})
    found = [RecommendationRead.model_validate(doc)
             async for doc in runtime.db[RECOMMENDATIONS].find({"week": {"$in": weeks}}, {"_id": 0, "week": 0})]
    return sorted((r for r in found if r.made_at >= since), key=lambda r: r.made_at, reverse=True)[:limit]


# --- the daily review, on a timer ---------------------------------------------------------------------------

REVIEW_CLAIMS = "load_review_claims"
TIMER_ACTOR = {"service": "registry", "timer": "daily-load-review"}


def days_due(office: OfficeRead, moment: datetime, *, after: timedelta, catch_up: int) -> list[str]:
    """The office's past local days the timer reviews at `moment`, oldest first: each once it has ended on the
    office's own clock and `after` has passed, the last `catch_up` of them (a pause of the service is caught up);
    none for an office that is not working (its days wait for its reinstatement)."""
    if office.status not in ACTIVE:
        return []
    latest = (hours.local_now(office.time_zone, moment) - after).date() - timedelta(days=1)
    return [(latest - timedelta(days=n)).isoformat() for n in reversed(range(catch_up))]


def claim_id(office_id: str, day: str) -> str:
    return f"{office_id}|{day}"


async def claim(runtime: ServiceRuntime, office_id: str, day: str, *, moment: datetime) -> bool:
    """Take the day's review for this process: one claim per office and day, whichever replica is first.
    A claim that was never finished (its process stopped) is taken over once it is older than the lease."""
    claims = runtime.db[REVIEW_CLAIMS]
    claimant = runtime.state.setdefault("review_claimant", uuid.uuid4().hex)
    mine = {"claimed_by": claimant, "claimed_at": clock.iso(moment)}
    try:
        await claims.insert_one({"_id": claim_id(office_id, day), "office_id": office_id, "day": day,
                                 "done": False, **mine})
        return True
    except DuplicateKeyError:
        stale = clock.iso(moment - timedelta(minutes=runtime.settings.review_claim_minutes))
        taken = await claims.update_one({"_id": claim_id(office_id, day), "done": False,
                                         "claimed_at": {"$lt": stale}}, {"$set": mine})
        return taken.modified_count == 1


async def review_due_days(runtime: ServiceRuntime, moment: datetime | None = None) -> list[tuple[str, str]]:
    """Review every working office's past days not reviewed yet; the (office, day) pairs this process reviewed.

    A day without tickets has no figures: it is claimed and marked done, nothing is recorded."""
    moment = moment or clock.now()
    settings = runtime.settings
    after = timedelta(minutes=settings.review_after_minutes)
    due = {claim_id(office.office_id, day): (office, day)
           for office in list(offices.directory(runtime).offices.values())
           for day in days_due(office, moment, after=after, catch_up=settings.review_catch_up_days)}
    ids = list(due)
    for start in range(0, len(ids), 500):
        async for done in runtime.db[REVIEW_CLAIMS].find({"_id": {"$in": ids[start:start + 500]}, "done": True},
                                                         {"_id": 1}):
            due.pop(done["_id"], None)
    reviewed = []
    for key, (office, day) in due.items():
        if not await claim(runtime, office.office_id, day, moment=moment):
            continue  # another replica has it
        queue = await queues.load_day(runtime, office, day)
        if queue.tickets:
            await review_load(runtime, office=office, load=queues.load_of(office, queue), actor=TIMER_ACTOR)
            reviewed.append((office.office_id, day))
        await runtime.db[REVIEW_CLAIMS].update_one({"_id": key}, {"$set": {"done": True,
                                                                           "tickets": len(queue.tickets)}})
        await asyncio.sleep(0)  # let requests through between offices
    return reviewed


async def keep_reviewing(runtime: ServiceRuntime) -> None:
    """Each office's past day is reviewed once after it ends, by whichever replica claims it first."""
    every = runtime.settings.review_every_seconds
    if not every:
        return

    async def loop() -> None:
        while True:
            await asyncio.sleep(every)
            try:
                if reviewed := await review_due_days(runtime):
                    log.info("daily load reviewed", offices=len(reviewed))
            except Exception as exc:  # the database is away: the next round tries again
                log.warning("daily load review not done", error=repr(exc))

    runtime.state["review_task"] = asyncio.create_task(loop())


async def stop_reviewing(runtime: ServiceRuntime) -> None:
    if task := runtime.state.get("review_task"):
        task.cancel()
