from typing import Literal

from pydantic import BaseModel, ConfigDict

from ejustice_shared.people import Jurisdiction

Language = Literal["fa", "vi", "en"]


class Names(BaseModel):
    """A name in each of the platform's languages; a seed missing one is refused at start."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    fa: str
    vi: str
    en: str

    def __getitem__(self, language: Language) -> str:
        return getattr(self, language)


class ProvinceRead(BaseModel):
    model_config = ConfigDict(frozen=True)

    province_id: str
    jurisdiction: Jurisdiction
    names: Names


class CityRead(BaseModel):
    model_config = ConfigDict(frozen=True)

    city_id: str
    province_id: str
    jurisdiction: Jurisdiction
    names: Names


class _CitySeed(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    city_id: str
    names: Names


class _ProvinceSeed(ProvinceRead):
    model_config = ConfigDict(frozen=True, extra="forbid")

    cities: list[_CitySeed]


class PlacesSeed(BaseModel):
    """The seed's shape: provinces with their cities nested, as an editor reads them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    provinces: list[_ProvinceSeed]
