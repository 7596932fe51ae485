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
from datetime import datetime, timedelta

from pymongo.errors import DuplicateKeyError

from ejustice_registry.offices import service as offices
from ejustice_registry.offices.models import COUNTER_LIMITS, OfficeRead
from ejustice_registry.queues import service as queues
from ejustice_registry.queues import stats
from ejustice_registry.queues.models import DayLoad, RecommendationRead
from ejustice_registry.recommendations.events import LoadReviewed
from ejustice_shared import clock
from ejustice_shared.auth import Principal
from ejustice_shared.commits import Commit
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


def fold(history: list[Commit]) -> tuple[dict[str, stats.DayFigures], list[OfficeRecommendationMade]]:
    days: dict[str, stats.DayFigures] = {}
    made: list[OfficeRecommendationMade] = []
    for commit in history:
        for envelope in commit.events:
            match envelope.parse():
                case LoadReviewed() as reviewed:
                    days[reviewed.day] = stats.DayFigures(day=reviewed.day, p90_wait_minutes=reviewed.p90_wait_minutes,
                                                          utilisation=reviewed.utilisation,
                                                          idle_counters=reviewed.idle_counters)
                case OfficeRecommendationMade() as recommendation:
                    made.append(recommendation)
    return days, made


def wrap(data, office_id: str) -> Envelope:
    return Envelope.wrap(data, source="registry", subject=office_id)


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

    def decide(history: list[Commit]) -> list[Envelope]:
        days, made = fold(history)
        days[load.day] = figures
        events = [wrap(reviewed, office_id)]
        advice = stats.advise(list(days.values()), limits, can_add_counter=can_add)
        if advice and not any(m.days[-1] >= advice.days[0] for m in made):  # one recommendation per streak
            events.append(wrap(OfficeRecommendationMade(
                recommendation_id=uuid.uuid4().hex, action=advice.action, office_id=office_id, city_id=office.city_id,
                indicator=advice.indicator, value=advice.value, threshold=advice.threshold, days=advice.days),
                office_id))
        return events

    await runtime.commits.execute(stream_of(office_id), decide, cause=f"review-{load.day}",
                                  actor=principal.as_actor())
    made = await _list_new(runtime, office_id)
    made += await _city_check(runtime, principal=principal, office=office, day=load.day)
    return load, made


async def _list_new(runtime: ServiceRuntime, office_id: str) -> list[RecommendationRead]:
    history = await runtime.commits.after_write(stream_of(office_id))
    found = []
    for commit in history:
        for envelope in commit.events:
            if envelope.type == OfficeRecommendationMade.type:
                found.append(RecommendationRead(**envelope.data, made_at=envelope.time))
    return found


async def _city_check(runtime: ServiceRuntime, *, principal: Principal, office: OfficeRead,
                      day: str) -> list[RecommendationRead]:
    """Every working office of the city was told to grow and is over the threshold again since: a new office."""
    limits = thresholds(runtime)
    city_offices = offices.in_city(runtime, office.city_id)
    for each in city_offices:
        days, made = fold(await runtime.commits.load(stream_of(each.office_id)))
        office_advice = [m for m in made if m.action != "new-office"]
        if not office_advice:
            return []
        after = [d for d in days.values() if d.day > office_advice[-1].days[-1]]
        if stats.advise(after, limits, can_add_counter=True) is None:
            return []
    city_stream = f"load-city-{office.city_id}"
    recommendation = OfficeRecommendationMade(
        recommendation_id=uuid.uuid4().hex, action="new-office", office_id=None, city_id=office.city_id,
        indicator="p90-wait", value=0.0, threshold=limits.p90_wait_minutes, days=[day])

    def decide(history: list[Commit]) -> list[Envelope]:
        return [wrap(recommendation, office.city_id)]

    await runtime.commits.execute(city_stream, decide, cause=f"city-review-{day}", actor=principal.as_actor())
    return await _list_new(runtime, f"city-{office.city_id}")


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
