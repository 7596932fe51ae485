from pydantic_settings import SettingsConfigDict

from ejustice_shared.auth.keys import DEVELOPMENT_PRIVATE_KEY
from ejustice_shared.settings import ServiceSettings, shared


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore", frozen=True)

    service_name: str = "gateway"
    port: int = shared("PORT", 8000)
    jwt_private_key: str = shared("JWT_PRIVATE_KEY", DEVELOPMENT_PRIVATE_KEY)
    token_minutes: int = 60
    filing_url: str = "http://127.0.0.1:8001"
    payment_url: str = "http://127.0.0.1:8002"
    notification_url: str = "http://127.0.0.1:8003"
    registry_url: str = "http://127.0.0.1:8004"
    # Largest request body passed on to a service (documents included).
    max_body_bytes: int = 25 * 1024 * 1024
    upstream_timeout_seconds: float = 30.0

    def secrets(self) -> dict[str, str]:
        return {**super().secrets(), "JWT_PRIVATE_KEY": self.jwt_private_key}

    def upstreams(self) -> dict[str, str]:
        return {"filing": self.filing_url, "payment": self.payment_url,
                "notification": self.notification_url, "registry": self.registry_url}
