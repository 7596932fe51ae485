from typing import Literal

from pydantic import BaseModel, ConfigDict

from ejustice_registry.places.models import Names
from ejustice_shared.people import Jurisdiction

# Iran has separate civil, family and criminal courts; Vietnam one People's Court per place with divisions.
CourtType = Literal["civil", "family", "criminal", "people"]
BranchType = Literal["civil", "family", "criminal"]


class BranchRead(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    branch_id: str
    number: int
    branch_type: BranchType
    names: Names


class CourtSeed(BaseModel):
    """A court as the seed lists it; its jurisdiction and province follow from its city."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    court_id: str
    city_id: str
    court_type: CourtType
    names: Names
    branches: list[BranchRead]


class CourtRead(CourtSeed):
    jurisdiction: Jurisdiction
    province_id: str
