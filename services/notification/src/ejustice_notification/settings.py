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

    # Alerts of courts' notices, from a queue: paced, retried, and moved from SMS to email when SMS keeps failing.
    alert_rate_per_second: float = Field(50.0, gt=0, le=10_000, description="The alert channels' rate limit.")
    alert_rate_while_batch_per_second: float = Field(
        5.0, gt=0, le=10_000, description="The alerts' pace while a batch is being served (at most the limit).")
    alert_parallel: int = Field(8, ge=1, le=256)
    alert_check_seconds: float = Field(0.5, gt=0)
    alert_sms_attempts: int = Field(3, ge=1, le=20)
    alert_email_attempts: int = Field(2, ge=1, le=20)
    alert_retry_seconds: float = Field(30.0, ge=0, description="Wait before the second attempt; doubled after.")

    # The email channel: "sandbox" keeps what it sends in the database, "smtp" hands it to a mail server.
    email_provider: Literal["sandbox", "smtp"] = "sandbox"
    email_sender: str = "ejustice <no-reply@ejustice.example>"
    smtp_host: str = ""
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = True
    smtp_timeout_seconds: float = Field(10.0, gt=0)

    # Outages: a deadline ending in one, or within the margin after it, moves to its end plus the extension.
    outage_margin_hours: float = Field(24.0, ge=0, le=24 * 30)
    outage_extension_hours: float = Field(24.0, gt=0, le=24 * 30)
    outage_probe_seconds: float = Field(5.0, gt=0)
    outage_detect_after_seconds: float = Field(60.0, ge=0, description="Not ready this long is a detected outage.")

    # The monitor of stuck notices.
    monitor_check_seconds: float = Field(10.0, gt=0)
    monitor_not_alerted_seconds: float = Field(600.0, ge=0, description="Deposited and not alerted for this long.")
    monitor_paper_seconds: float = Field(7 * 86_400.0, ge=0, description="A paper task without outcome this long.")

    # Statistics: counts below this are not shown (so that nobody is singled out).
    statistics_min_count: int = Field(5, ge=1, le=1000)

    # Batches: stored, served and marked done a chunk at a time (its postings, e-box entries and notices each
    # inserted together, the notices' events published together), a few chunks side by side; paper tasks
    # opened side by side.
    batch_parallel: int = Field(16, ge=1, le=256, description="Paper tasks of a chunk opened side by side.")
    batch_chunk_lines: int = Field(1000, ge=1, le=10_000, description="Lines stored, served and marked together.")
    batch_chunks_at_once: int = Field(2, ge=1, le=8, description="Chunks of a batch served side by side.")

    @model_validator(mode="after")
    def _complete(self):
        if missing := [j for j in JURISDICTIONS if j not in self.deemed_service]:
            raise ValueError(f"NOTIFICATION_DEEMED_SERVICE has no rule for: {', '.join(missing)}")
        if self.sms_provider == "http" and not self.sms_http_url:
            raise ValueError("NOTIFICATION_SMS_HTTP_URL is required when NOTIFICATION_SMS_PROVIDER=http")
        if self.environment == "production" and self.sms_provider == "sandbox":
            raise ValueError("the sandbox SMS channel sends nothing; set NOTIFICATION_SMS_PROVIDER=http in production")
        if self.email_provider == "smtp" and not self.smtp_host:
            raise ValueError("NOTIFICATION_SMTP_HOST is required when NOTIFICATION_EMAIL_PROVIDER=smtp")
        if self.environment == "production" and self.email_provider == "sandbox":
            raise ValueError("the sandbox email channel sends nothing; "
                             "set NOTIFICATION_EMAIL_PROVIDER=smtp in production")
        return self

    def secrets(self) -> dict[str, str]:
        found = super().secrets()
        if self.sms_provider == "http":
            found["NOTIFICATION_SMS_API_KEY"] = self.sms_api_key
        if self.email_provider == "smtp" and self.smtp_username:
            found["NOTIFICATION_SMTP_PASSWORD"] = self.smtp_password
        return found
