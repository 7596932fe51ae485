"""Courts and their branches, served from the seed in memory and checked against the places at load."""

import json
from functools import cache
from pathlib import Path

from ejustice_registry.courts.models import CourtRead, CourtSeed, CourtType
from ejustice_registry.places import service as places
from ejustice_shared.people import Jurisdiction


@cache
def courts() -> dict[str, CourtRead]:
    seeds = [CourtSeed.model_validate(item)
             for item in json.loads((Path(__file__).parent / "seed.json").read_text("utf-8"))]
    found: dict[str, CourtRead] = {}
    for seed in seeds:
        city = places.find_city(seed.city_id)
        if city is None:
            raise ValueError(f"court {seed.court_id} is in unknown city {seed.city_id}")
        if seed.court_id in found:
            raise ValueError(f"court {seed.court_id} is seeded twice")
        found[seed.court_id] = CourtRead(**seed.model_dump(), jurisdiction=city.jurisdiction,
                                         province_id=city.province_id)
    return found


def find(court_id: str) -> CourtRead | None:
    return courts().get(court_id)


def list_courts(*, jurisdiction: Jurisdiction | None = None, city_id: str | None = None) -> list[CourtRead]:
    return [c for c in courts().values() if jurisdiction in (None, c.jurisdiction) and city_id in (None, c.city_id)]


def court_in(city_id: str, court_type: CourtType, *, among: dict[str, CourtRead] | None = None) -> CourtRead | None:
    """The court of this type sitting in this city, if there is one."""
    return next((c for c in (courts() if among is None else among).values()
                 if c.city_id == city_id and c.court_type == court_type), None)
