"""When a notice counts as served: a per-jurisdiction policy, chosen in configuration.

- `on_delivery`: arrival in the e-box is service (Iran, e-notification regulation art. 13);
- `on_first_view`: only the addressee's first view serves it (Estonia);
- `days_after_delivery`: N days after delivery, or at the first view if that comes earlier (Brazil).
"""

from datetime import datetime, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OnDelivery(_Rule):
    rule: Literal["on_delivery"]


class OnFirstView(_Rule):
    rule: Literal["on_first_view"]


class DaysAfterDelivery(_Rule):
    rule: Literal["days_after_delivery"]
    days: float = Field(gt=0, description="May be fractional, so that a test can wait seconds, not days.")


DeemedServicePolicy = Annotated[OnDelivery | OnFirstView | DaysAfterDelivery, Field(discriminator="rule")]


def served_at(policy: DeemedServicePolicy, *, delivered_at: datetime, viewed_at: datetime | None,
              now: datetime) -> datetime | None:
    """The moment the notice counts as served if that moment has come by `now`; None while it has not."""
    match policy:
        case OnDelivery():
            moment = delivered_at
        case OnFirstView():
            moment = viewed_at
        case DaysAfterDelivery():
            moment = delivered_at + timedelta(days=policy.days)
            if viewed_at is not None and viewed_at < moment:
                moment = viewed_at
    return moment if moment is not None and moment <= now else None


def due_at(policy: DeemedServicePolicy, *, delivered_at: datetime) -> datetime | None:
    """When the notice becomes served with nobody acting, if ever: the time a periodic check waits for."""
    if isinstance(policy, DaysAfterDelivery):
        return delivered_at + timedelta(days=policy.days)
    return None
