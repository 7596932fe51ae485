from pydantic_settings import SettingsConfigDict

from ejustice_shared.settings import ServiceSettings, shared


class FilingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="FILING_", extra="ignore", frozen=True)

    service_name: str = "filing"
    port: int = shared("PORT", 8001)
    registry_url: str = "http://127.0.0.1:8004"
    max_document_bytes: int = 10 * 1024 * 1024
