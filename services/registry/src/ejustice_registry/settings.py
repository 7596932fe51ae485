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
