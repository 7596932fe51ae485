from pydantic import Field
from pydantic_settings import SettingsConfigDict

from ejustice_shared.settings import ServiceSettings, shared


class RegistrySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore", frozen=True)

    service_name: str = "registry"
    port: int = shared("PORT", 8004)
    # Sample offices for the seeded cities, marked as sample data; never in production.
    sample_offices: bool = True
    # How often each process reloads the office directory others may have changed.
    directory_refresh_seconds: float = Field(5.0, gt=0, le=600)
    # The service time assumed for a waiting estimate before anyone was served today.
    default_service_minutes: float = Field(8.0, gt=0, le=240)
    # Appointments: the length of a slot of counter time.
    appointment_minutes: int = Field(20, ge=5, le=240)
    # Recommendations: p90 waiting (minutes) or a counter's utilisation over these, so many days in a row.
    recommend_p90_wait_minutes: float = Field(30.0, ge=0, le=1440)
    recommend_utilisation: float = Field(0.85, ge=0, le=1)
    recommend_after_days: int = Field(3, ge=1, le=90)
    # A counter used less than this share of a shift is taken to lack a clerk (add staff, not a counter).
    recommend_idle_counter_utilisation: float = Field(0.1, ge=0, le=1)
    # The daily load review: how often each process looks for offices whose past day is due (0: never, only the
    # operator's review), how long after the office's local midnight a day is due, and how many past days it
    # still reviews after a pause (a service down over a weekend). A claim older than `review_claim_minutes`
    # that never finished (its process died) is taken over.
    review_every_seconds: float = Field(300.0, ge=0, le=86400)
    review_after_minutes: int = Field(30, ge=0, le=720)
    review_catch_up_days: int = Field(2, ge=1, le=14)
    review_claim_minutes: float = Field(15.0, gt=0, le=1440)
