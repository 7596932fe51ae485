"""Settings every service shares, read from the environment by pydantic-settings.

Infrastructure addresses (AMQP_URL, MONGODB_URL, ...) are unprefixed because every
service reads the same ones; a service's own settings carry its prefix (FILING_...).
"""

from typing import Literal

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ejustice_shared.auth.keys import (
    DEVELOPMENT_CHECKPOINT_PRIVATE_KEY,
    DEVELOPMENT_PRIVATE_KEY,
    DEVELOPMENT_PUBLIC_KEY,
)

Environment = Literal["development", "test", "production"]

# The development store `scripts/infra.sh` starts: DocumentDB's gateway on loopback, which
# always authenticates (SCRAM) and here takes plain TCP. Production sets MONGODB_URL.
DEVELOPMENT_MONGODB_URL = "mongodb://ejustice:ejustice-dev@127.0.0.1:10260/?directConnection=true"


def shared(name: str, default, **kwargs):
    """A field read from an unprefixed variable, e.g. shared("AMQP_URL", ...)."""
    return Field(default, validation_alias=AliasChoices(name, name.lower()), **kwargs)


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    environment: Environment = shared("ENVIRONMENT", "development")
    host: str = shared("HOST", "127.0.0.1")
    port: int = shared("PORT", 8000)
    amqp_url: str = shared("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
    mongodb_url: str = shared("MONGODB_URL", DEVELOPMENT_MONGODB_URL)
    # Prefix of the exchanges and queues, so that test runs and tenants never share them.
    bus_namespace: str = shared("BUS_NAMESPACE", "ejustice")
    database: str = ""
    jwt_public_key: str = shared("JWT_PUBLIC_KEY", DEVELOPMENT_PUBLIC_KEY)
    jwt_issuer: str = shared("JWT_ISSUER", "ejustice")
    otel_endpoint: str | None = shared("OTEL_EXPORTER_OTLP_ENDPOINT", None)
    log_level: str = shared("LOG_LEVEL", "INFO")
    # Consumer tuning: how many unacked messages a consumer holds, and how many
    # deliveries a message gets before it is dead-lettered.
    prefetch: int = shared("EVENT_PREFETCH", 16)
    delivery_limit: int = shared("EVENT_DELIVERY_LIMIT", 5)
    queue_max_length: int = shared("EVENT_QUEUE_MAX_LENGTH", 100_000)
    # Outbox relay: how often the sweeper looks for commits another process left unpublished.
    relay_sweep_seconds: float = shared("RELAY_SWEEP_SECONDS", 2.0)
    relay_stale_seconds: float = shared("RELAY_STALE_SECONDS", 5.0)

    service_name: str = "service"

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self):
        if self.environment == "production":
            for name, value in self.secrets().items():
                if value in PLACEHOLDER_SECRETS:
                    raise ValueError(
                        f"{name} is a development placeholder; set a real value when ENVIRONMENT={self.environment}"
                    )
        return self

    def secrets(self) -> dict[str, str]:
        """Secrets that must not keep their development value in production."""
        return {"JWT_PUBLIC_KEY": self.jwt_public_key}

    @property
    def database_name(self) -> str:
        return self.database or f"ejustice_{self.service_name}"


PLACEHOLDER_SECRETS = {DEVELOPMENT_PUBLIC_KEY, DEVELOPMENT_PRIVATE_KEY, DEVELOPMENT_CHECKPOINT_PRIVATE_KEY, "",
                       "changethis", "change-me"}
