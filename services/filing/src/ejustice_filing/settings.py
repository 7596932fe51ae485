from pydantic_settings import SettingsConfigDict

from ejustice_shared.settings import ServiceSettings, shared


class FilingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="FILING_", extra="ignore", frozen=True)

    service_name: str = "filing"
    port: int = shared("PORT", 8001)
