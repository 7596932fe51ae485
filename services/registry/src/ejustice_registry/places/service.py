"""Provinces and cities, served from the seed in memory: reference data that changes with a release."""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ejustice_registry.places.models import CityRead, PlacesSeed, ProvinceRead
from ejustice_shared.people import Jurisdiction, normalize_text


@dataclass(frozen=True)
class Gazetteer:
    provinces: dict[str, ProvinceRead]
    cities: dict[str, CityRead]


@cache
def gazetteer() -> Gazetteer:
    seed = PlacesSeed.model_validate_json((Path(__file__).parent / "seed.json").read_text("utf-8"))
    provinces = {p.province_id: ProvinceRead.model_validate(p.model_dump(exclude={"cities"})) for p in seed.provinces}
    cities = {
        c.city_id: CityRead(city_id=c.city_id, province_id=p.province_id, jurisdiction=p.jurisdiction, names=c.names)
        for p in seed.provinces for c in p.cities
    }
    if len(provinces) != len(seed.provinces) or len(cities) != sum(len(p.cities) for p in seed.provinces):
        raise ValueError("places seed repeats an id")
    return Gazetteer(provinces=provinces, cities=cities)


def list_provinces(*, jurisdiction: Jurisdiction | None = None) -> list[ProvinceRead]:
    return [p for p in gazetteer().provinces.values() if jurisdiction in (None, p.jurisdiction)]


def list_cities(*, jurisdiction: Jurisdiction | None = None, province_id: str | None = None) -> list[CityRead]:
    return [c for c in gazetteer().cities.values()
            if jurisdiction in (None, c.jurisdiction) and province_id in (None, c.province_id)]


def find_city(city_id: str) -> CityRead | None:
    return gazetteer().cities.get(city_id)


def normalize_id(value: str) -> str:
    """Ids as people type them: any digits, any case, stray spaces ("ir-thr " is IR-THR)."""
    return normalize_text(value).strip().upper()
