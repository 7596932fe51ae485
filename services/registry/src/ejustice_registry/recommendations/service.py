"""Recommendations from the load indicators: the stream `load-<office id>` keeps each reviewed day's
figures and the recommendations made, which are published (`office.recommendation_made`) and
listed for the operators' dashboard from the side collection `recommendations`, which the
registry fills as it consumes its own published events.

Add a counter or staff when p90 waiting (or a counter's utilisation) stays over its threshold
for N days in a row; recommend a new office for the city when every working office there had
such a recommendation and is over the threshold again for N days after it.
"""

import contextlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from pymongo.errors import DuplicateKeyError

from ejustice_registry.offices import service as offices
from ejustice_registry.offices.models import COUNTER_LIMITS, OfficeRead
from ejustice_registry.queues import service as queues
from ejustice_registry.queues import stats
from ejustice_registry.queues.models import DayLoad, RecommendationRead
from ejustice_registry.recommendations.events import LoadReviewed
from ejustice_shared import clock
from ejustice_shared.aggregate import Aggregate, Decision, Fact
from ejustice_shared.auth import Principal
from ejustice_shared.events import Envelope, OfficeRecommendationMade
from ejustice_shared.runtime import ServiceRuntime

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
    """Record the day's figures; recommend growing when they stay over a threshold, once per streak."""
    days = {**load.days, command.reviewed.day: command.figures}
    events: list = [command.reviewed]
    advice = stats.advise(list(days.values()), command.limits, can_add_counter=command.can_add_counter)
    if advice and not any(m.days[-1] >= advice.days[0] for m in load.made):  # one recommendation per streak
        events.append(OfficeRecommendationMade(
            recommendation_id=command.recommendation_id, action=advice.action, office_id=command.reviewed.office_id,
            city_id=command.city_id, indicator=advice.indicator, value=advice.value, threshold=advice.threshold,
            days=advice.days))
    return Decision(events)


def recommend(load: Load, recommendation: OfficeRecommendationMade) -> Decision:
    return Decision([recommendation])


async def review(runtime: ServiceRuntime, *, principal: Principal, office_id: str,
                 day: str | None) -> tuple[DayLoad, list[RecommendationRead]]:
    """Record the day's figures (once per day) and make the recommendations they call for."""
    load = await queues.day_load(runtime, principal=principal, office_id=office_id, day=day)
    office = await offices.find(runtime, office_id)
    limits = thresholds(runtime)
    figures = stats.day_figures(load.day, load.shifts, limits)
    reviewed = LoadReviewed(office_id=office_id, day=load.day, p90_wait_minutes=figures.p90_wait_minutes,
                            utilisation=figures.utilisation, idle_counters=figures.idle_counters)
    can_add = len(office.counters) < COUNTER_LIMITS[office.kind][1]
    outcome = await aggregate.execute(runtime.commits, office_id, review_day,
                                      Review(reviewed, figures, limits, can_add, office.city_id, uuid.uuid4().hex),
                                      cause=f"review-{load.day}", actor=principal.as_actor())
    made = list(outcome.state.made)
    made += await _city_check(runtime, principal=principal, office=office, day=load.day)
    return load, made


async def _city_check(runtime: ServiceRuntime, *, principal: Principal, office: OfficeRead,
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
                                      cause=f"city-review-{day}", actor=principal.as_actor())
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
