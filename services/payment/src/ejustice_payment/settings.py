from pydantic import Field
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
    # Where the provider posts its signed refund callbacks: this service, through the gateway.
    refund_callback_url: str = "http://127.0.0.1:8000/api/payments/refunds/callback"
    # A payment request not paid within this time expires; a "paid" callback after it is refunded.
    pending_ttl_seconds: float = Field(1800, gt=0, le=7 * 86400)
    # How often pending payments are checked for expiry and unconfirmed refunds asked for again.
    sweep_seconds: float = Field(5, gt=0, le=3600)
    # A refund the provider has not confirmed after this long is asked for again (the provider is idempotent).
    refund_retry_seconds: float = Field(60, gt=0, le=86400)
    # The daily reconciliation of the previous day's settlement file, at this UTC time ("HH:MM"); off if empty.
    reconciliation_time: str = Field("02:30", pattern=r"^$|^([01][0-9]|2[0-3]):[0-5][0-9]$")
    # Where the sandbox provider writes its settlement files (one CSV per day).
    settlement_dir: str = ".data/settlements"
    # The sandbox's merchant and terminal, as they appear in its settlement files.
    sandbox_merchant_id: str = "000000140336964"
    sandbox_terminal_id: str = "24061991"

    # POS terminals at the offices' counters: how long to wait for a terminal's answer before reversing,
    # the sandbox terminal's key (it signs its answers) and how long it takes to answer.
    pos_timeout_seconds: float = Field(30.0, gt=0, le=300)
    pos_sandbox_secret: str = DEVELOPMENT_SANDBOX_SECRET
    pos_sandbox_delay_seconds: float = Field(3.0, ge=0, le=60)

    def secrets(self) -> dict[str, str]:
        return {**super().secrets(), "PAYMENT_SANDBOX_SECRET": self.sandbox_secret,
                "PAYMENT_POS_SANDBOX_SECRET": self.pos_sandbox_secret}

    @property
    def sandbox_enabled(self) -> bool:
        return self.environment != "production"
