from pydantic_settings import SettingsConfigDict

from ejustice_shared.settings import ServiceSettings, shared


class PaymentSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PAYMENT_", extra="ignore", frozen=True)

    service_name: str = "payment"
    port: int = shared("PORT", 8002)
