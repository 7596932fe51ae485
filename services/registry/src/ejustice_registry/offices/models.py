from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, Field, field_validator

from ejustice_shared.events import OfficeKind, OfficeShift
from ejustice_shared.models import RequestModel
from ejustice_shared.people import Jurisdiction

OfficeStatus = Literal["applied", "licensed", "suspended", "reinstated", "dissolved"]
LicenceStep = Literal["license", "suspend", "reinstate", "dissolve"]
OfficeRole = Literal["manager", "clerk"]
# Statuses in which an office works: its staff sign in, it files and takes payments.
ACTIVE: frozenset[str] = frozenset({"licensed", "reinstated"})

# The fewest and most counters each kind of office may have (the seeds' four kinds).
COUNTER_LIMITS: dict[str, tuple[int, int]] = {
    "independent": (2, 30),
    "single-counter": (1, 1),
    "notary-hosted": (1, 2),
    "e-government-hosted": (1, 1),
}
OFFICE_CODE = r"^(IR|VN)-[A-Z]{2,4}-\d{2,5}$"


def _known_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError("unknown time zone") from exc
    return value


TimeZone = Annotated[str, Field(min_length=3, max_length=64, examples=["Asia/Tehran"]), AfterValidator(_known_zone)]


class OfficeCreate(RequestModel):
    """An application to open an office; it works once an operator licenses it."""

    code: str = Field(pattern=OFFICE_CODE, description="E.g. IR-THR-101; it is also the office's id.")
    kind: OfficeKind
    name: str = Field(min_length=2, max_length=200)
    city_id: str = Field(min_length=2, max_length=64)
    address: str = Field(min_length=5, max_length=500)
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    time_zone: TimeZone
    shifts: list[OfficeShift] = Field(min_length=2, max_length=2, description="A morning and an evening shift.")
    serves: list[Annotated[str, Field(min_length=2, max_length=64)]] = Field(
        default_factory=list, max_length=50, description="City ids it serves besides its own.")
    counters: int = Field(ge=1, le=30, description="How many counters; each kind has its own minimum.")
    reason: str = Field("application", min_length=1, max_length=500)

    @field_validator("shifts")
    @classmethod
    def _morning_then_evening(cls, shifts: list[OfficeShift]) -> list[OfficeShift]:
        if [s.name for s in shifts] != ["morning", "evening"]:
            raise ValueError("give the morning shift, then the evening shift")
        if not all(s.opens < s.closes for s in shifts) or shifts[0].closes > shifts[1].opens:
            raise ValueError("each shift opens before it closes, and the evening starts after the morning ends")
        return shifts


class LicenceDecisionCreate(RequestModel):
    reason: str = Field(min_length=3, max_length=500, description="Why: the record keeps it with who and when.")


class LicenceStepRead(BaseModel):
    step: OfficeStatus
    decided_by: str
    reason: str
    decided_at: str


class HandoverRead(BaseModel):
    to_office_id: str | None
    distance_km: float | None
    tickets: list[str]
    at: str


class OfficeRead(BaseModel):
    office_id: str
    code: str
    kind: OfficeKind
    name: str
    city_id: str
    province_id: str
    jurisdiction: Jurisdiction
    address: str
    latitude: float
    longitude: float
    time_zone: str
    shifts: list[OfficeShift]
    serves: list[str]
    counters: list[str]
    sample: bool
    status: OfficeStatus
    licence: list[LicenceStepRead]
    handovers: list[HandoverRead] = Field(default_factory=list)


class StaffMemberRead(BaseModel):
    staff_id: str
    username: str
    name: str
    role: OfficeRole


class OfficeWaitRead(BaseModel):
    """The office's queue as the next visitor meets it, computed from today's ticket times."""

    waiting: int = Field(description="Tickets issued and not yet called.")
    open_counters: int = Field(description="Counters with a clerk who called a ticket in the last hour.")
    waiting_minutes: int = Field(description="What the next ticket would wait: the waiting tickets spread over "
                                             "the counters at today's mean service time.")


class NearbyOfficeRead(BaseModel):
    office_id: str
    code: str
    kind: OfficeKind
    name: str
    city_id: str
    address: str
    latitude: float
    longitude: float
    sample: bool
    distance_km: float | None = None
    opening: Literal["open", "closed"]
    current_shift: Literal["morning", "evening"] | None
    shifts: list[OfficeShift]
    time_zone: str
    wait: OfficeWaitRead
