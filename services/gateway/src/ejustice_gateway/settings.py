from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from ejustice_shared.auth.keys import DEVELOPMENT_PRIVATE_KEY
from ejustice_shared.settings import ServiceSettings, shared

DEVELOPMENT_COURT_CLIENTS = str(Path(__file__).parent / "identity" / "court_clients.development.json")


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore", frozen=True)

    service_name: str = "gateway"
    port: int = shared("PORT", 8000)
    jwt_private_key: str = shared("JWT_PRIVATE_KEY", DEVELOPMENT_PRIVATE_KEY)
    # Access tokens are short-lived and verified statelessly by every service; a refresh token (opaque, stored
    # hashed, rotated on each use) renews them until it expires or is revoked.
    access_token_minutes: int = Field(10, ge=1, le=60)
    refresh_token_days: int = Field(30, ge=1, le=365)
    development_token_minutes: int = Field(60, ge=1, le=24 * 60)
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

    # Identity proofing. Mobile ownership (Iran): "sandbox" is a directory kept in the gateway's database,
    # "http" asks the operators' inquiry service. National e-ID (Vietnam, VNeID level 2): "sandbox" signs its
    # own assertions, "oidc" exchanges the provider's authorization code and checks its signed ID token.
    proofing_mobile_provider: Literal["sandbox", "http"] = "sandbox"
    proofing_mobile_url: str = ""
    proofing_mobile_api_key: str = ""
    proofing_eid_provider: Literal["sandbox", "oidc"] = "sandbox"
    proofing_eid_authorize_url: str = ""
    proofing_eid_token_url: str = ""
    proofing_eid_issuer: str = ""
    proofing_eid_client_id: str = "ejustice"
    proofing_eid_client_secret: str = ""
    proofing_eid_public_key: str = ""
    proofing_eid_redirect_url: str = "http://127.0.0.1:8000/eid/return"
    proofing_timeout_seconds: float = Field(10.0, gt=0, le=60)
    # How long the sandboxes take to answer, like a real provider's round trip.
    proofing_sandbox_delay_seconds: float = Field(0.3, ge=0, le=30)
    # How long a proof taken in person at an office counter lets that person register (days) and lets a clerk
    # of that office act for them (hours).
    in_person_proof_days: int = Field(7, ge=1, le=90)
    on_behalf_hours: int = Field(8, ge=1, le=72)
    # The portal's cookies are Secure (browsers keep them on loopback too); off only for a plain-HTTP test client.
    web_secure_cookies: bool = True

    @model_validator(mode="after")
    def _real_proofing_in_production(self):
        if self.proofing_mobile_provider == "http" and not self.proofing_mobile_url:
            raise ValueError("GATEWAY_PROOFING_MOBILE_URL is required when GATEWAY_PROOFING_MOBILE_PROVIDER=http")
        if self.proofing_eid_provider == "oidc" and not (self.proofing_eid_token_url and self.proofing_eid_public_key
                                                         and self.proofing_eid_issuer):
            raise ValueError("GATEWAY_PROOFING_EID_TOKEN_URL, _ISSUER and _PUBLIC_KEY are required with the oidc "
                             "e-ID provider")
        if self.environment == "production" and "sandbox" in (self.proofing_mobile_provider,
                                                              self.proofing_eid_provider):
            raise ValueError("the identity-proofing sandboxes vouch for anyone; set GATEWAY_PROOFING_MOBILE_PROVIDER="
                             "http and GATEWAY_PROOFING_EID_PROVIDER=oidc in production")
        return self

    @property
    def sandboxes_enabled(self) -> bool:
        return self.environment != "production"

    def secrets(self) -> dict[str, str]:
        dev_clients = "" if self.court_clients_file == DEVELOPMENT_COURT_CLIENTS else "set"
        secrets = {**super().secrets(), "JWT_PRIVATE_KEY": self.jwt_private_key,
                   "GATEWAY_COURT_CLIENTS_FILE": dev_clients}
        if self.proofing_mobile_provider == "http":
            secrets["GATEWAY_PROOFING_MOBILE_API_KEY"] = self.proofing_mobile_api_key
        if self.proofing_eid_provider == "oidc":
            secrets["GATEWAY_PROOFING_EID_CLIENT_SECRET"] = self.proofing_eid_client_secret
        return secrets

    def upstreams(self) -> dict[str, str]:
        return {"filing": self.filing_url, "payment": self.payment_url,
                "notification": self.notification_url, "registry": self.registry_url}
