from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from ejustice_notification.notices.deemed import DaysAfterDelivery, DeemedServicePolicy, OnDelivery
from ejustice_shared.people import Jurisdiction
from ejustice_shared.settings import ServiceSettings, shared

JURISDICTIONS: tuple[Jurisdiction, ...] = ("IR", "VN")


class NotificationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFICATION_", extra="ignore", frozen=True)

    service_name: str = "notification"
    port: int = shared("PORT", 8003)

    # SMS alerts and one-time codes: "sandbox" keeps what it sends in the database, "http" posts to a provider.
    sms_provider: Literal["sandbox", "http"] = "sandbox"
    sms_http_url: str = ""
    sms_api_key: str = ""
    sms_sender: str = "ejustice"
    sms_timeout_seconds: float = 10.0

    # NOTIFICATION_DEEMED_SERVICE, JSON: when a notice counts as served, per jurisdiction.
    deemed_service: dict[Jurisdiction, DeemedServicePolicy] = Field(default_factory=lambda: {
        "IR": OnDelivery(rule="on_delivery"),
        "VN": DaysAfterDelivery(rule="days_after_delivery", days=10),
    })
    # How often notices whose service waits for time to pass are checked.
    deemed_service_check_seconds: float = Field(5.0, gt=0)

    @model_validator(mode="after")
    def _complete(self):
        if missing := [j for j in JURISDICTIONS if j not in self.deemed_service]:
            raise ValueError(f"NOTIFICATION_DEEMED_SERVICE has no rule for: {', '.join(missing)}")
        if self.sms_provider == "http" and not self.sms_http_url:
            raise ValueError("NOTIFICATION_SMS_HTTP_URL is required when NOTIFICATION_SMS_PROVIDER=http")
        if self.environment == "production" and self.sms_provider == "sandbox":
            raise ValueError("the sandbox SMS channel sends nothing; set NOTIFICATION_SMS_PROVIDER=http in production")
        return self

    def secrets(self) -> dict[str, str]:
        if self.sms_provider == "http":
            return {**super().secrets(), "NOTIFICATION_SMS_API_KEY": self.sms_api_key}
        return super().secrets()
