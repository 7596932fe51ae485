from pydantic_settings import SettingsConfigDict

from ejustice_shared.settings import ServiceSettings, shared

# The sandbox's shared secret in development and tests; ServiceSettings refuses it in production.
DEVELOPMENT_SANDBOX_SECRET = "change-me"


class PaymentSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PAYMENT_", extra="ignore", frozen=True)

    service_name: str = "payment"
    port: int = shared("PORT", 8002)
    # The provider signs its callbacks with this secret (HMAC-SHA256).
    sandbox_secret: str = DEVELOPMENT_SANDBOX_SECRET
    # How long the sandbox "takes" before it calls back, like a real provider's round trip.
    sandbox_delay_seconds: float = 0.5
    # Where the payer's browser goes to pay: the sandbox page, through the gateway.
    sandbox_page_url: str = "http://127.0.0.1:8000/api/payments/sandbox"
    # Where the provider posts its signed callbacks: this service, through the gateway.
    callback_url: str = "http://127.0.0.1:8000/api/payments/callback"
    # A callback signed longer ago (or further ahead) than this is refused, so a captured one cannot be replayed.
    callback_tolerance_seconds: int = 300

    def secrets(self) -> dict[str, str]:
        return {**super().secrets(), "PAYMENT_SANDBOX_SECRET": self.sandbox_secret}

    @property
    def sandbox_enabled(self) -> bool:
        return self.environment != "production"
