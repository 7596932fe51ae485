from pydantic_settings import SettingsConfigDict

from ejustice_shared.settings import ServiceSettings, shared


class RegistrySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore", frozen=True)

    service_name: str = "registry"
    port: int = shared("PORT", 8004)
