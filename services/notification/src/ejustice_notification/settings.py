from pydantic_settings import SettingsConfigDict

from ejustice_shared.settings import ServiceSettings, shared


class NotificationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFICATION_", extra="ignore", frozen=True)

    service_name: str = "notification"
    port: int = shared("PORT", 8003)
