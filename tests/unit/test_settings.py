import pytest
from pydantic import ValidationError

from ejustice_gateway.settings import GatewaySettings
from ejustice_shared.auth.keys import DEVELOPMENT_PUBLIC_KEY


def test_development_keys_are_refused_in_production(monkeypatch):
    monkeypatch.setenv("ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="JWT_PUBLIC_KEY is a development placeholder"):
        GatewaySettings()


def test_production_with_real_keys_is_accepted(monkeypatch):
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("JWT_PUBLIC_KEY", "-----BEGIN PUBLIC KEY-----\nreal\n-----END PUBLIC KEY-----\n")
    monkeypatch.setenv("JWT_PRIVATE_KEY", "-----BEGIN PRIVATE KEY-----\nreal\n-----END PRIVATE KEY-----\n")
    with pytest.raises(ValidationError, match="GATEWAY_COURT_CLIENTS_FILE is a development placeholder"):
        GatewaySettings()
    monkeypatch.setenv("GATEWAY_COURT_CLIENTS_FILE", "/etc/ejustice/court-clients.json")
    with pytest.raises(ValidationError, match="identity-proofing sandboxes vouch for anyone"):
        GatewaySettings()
    monkeypatch.setenv("GATEWAY_PROOFING_MOBILE_PROVIDER", "http")
    monkeypatch.setenv("GATEWAY_PROOFING_MOBILE_API_KEY", "real-key")
    with pytest.raises(ValidationError, match="GATEWAY_PROOFING_MOBILE_URL is required"):
        GatewaySettings()
    monkeypatch.setenv("GATEWAY_PROOFING_MOBILE_URL", "https://inquiry.example/ownership")
    monkeypatch.setenv("GATEWAY_PROOFING_EID_PROVIDER", "oidc")
    monkeypatch.setenv("GATEWAY_PROOFING_EID_CLIENT_SECRET", "real-secret")
    with pytest.raises(ValidationError, match="GATEWAY_PROOFING_EID_TOKEN_URL"):
        GatewaySettings()
    monkeypatch.setenv("GATEWAY_PROOFING_EID_TOKEN_URL", "https://vneid.example/token")
    monkeypatch.setenv("GATEWAY_PROOFING_EID_ISSUER", "https://vneid.example")
    monkeypatch.setenv("GATEWAY_PROOFING_EID_PUBLIC_KEY", "-----BEGIN PUBLIC KEY-----\nreal\n-----END PUBLIC KEY-----")
    assert GatewaySettings().environment == "production"


def test_service_settings_take_their_prefix_and_shared_names(monkeypatch):
    monkeypatch.setenv("GATEWAY_FILING_URL", "http://filing:8001")
    monkeypatch.setenv("AMQP_URL", "amqp://broker/")
    settings = GatewaySettings()
    assert settings.filing_url == "http://filing:8001" and settings.amqp_url == "amqp://broker/"
    assert settings.jwt_public_key == DEVELOPMENT_PUBLIC_KEY and settings.database_name == "ejustice_gateway"
