from pathlib import Path

from pydantic_settings import SettingsConfigDict

from ejustice_shared.auth.keys import DEVELOPMENT_PRIVATE_KEY
from ejustice_shared.settings import ServiceSettings, shared

DEVELOPMENT_COURT_CLIENTS = str(Path(__file__).parent / "identity" / "court_clients.development.json")


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
    # One-time codes: lifetime, tries before lockout, and how many may be sent per mobile and per client.
    otp_minutes: int = 5
    otp_attempts: int = 5
    otp_per_mobile: int = 5
    otp_per_client: int = 100
    otp_rate_window_minutes: int = 60
    # Court systems' credentials: client id, court id and an Argon2 hash of the secret.
    court_clients_file: str = DEVELOPMENT_COURT_CLIENTS

    def secrets(self) -> dict[str, str]:
        dev_clients = "" if self.court_clients_file == DEVELOPMENT_COURT_CLIENTS else "set"
        return {**super().secrets(), "JWT_PRIVATE_KEY": self.jwt_private_key,
                "GATEWAY_COURT_CLIENTS_FILE": dev_clients}

    def upstreams(self) -> dict[str, str]:
        return {"filing": self.filing_url, "payment": self.payment_url,
                "notification": self.notification_url, "registry": self.registry_url}
