"""The identity-proofing adapters for real providers, against stand-in HTTP answers, and the ID token check."""

import time

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ejustice_gateway.proofing.models import Ownership, ProviderUnavailable
from ejustice_gateway.proofing.providers import (
    SANDBOX_EID_ISSUER,
    SANDBOX_EID_PRIVATE_KEY,
    SANDBOX_EID_PUBLIC_KEY,
    EidRefused,
    HttpMobileOwnership,
    OidcNationalEid,
    read_id_token,
)
from ejustice_gateway.settings import GatewaySettings


def inquiry(handler) -> HttpMobileOwnership:
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return HttpMobileOwnership(url="https://inquiry.example/ownership", api_key="key", timeout=1, client=client)


@pytest.mark.parametrize("result", ["match", "mismatch", "unknown"])
async def test_the_operators_answers_are_read(result):
    seen = {}

    def answer(request: httpx.Request) -> httpx.Response:
        seen["auth"], seen["body"] = request.headers["authorization"], request.content
        return httpx.Response(200, json={"result": result})

    got = await inquiry(answer).inquire(jurisdiction="IR", national_id="0012424862", mobile="+989121234567")
    assert got is Ownership(result)
    assert seen["auth"] == "Bearer key" and b'"national_id":"0012424862"' in seen["body"].replace(b" ", b"")


@pytest.mark.parametrize("answer", [
    lambda request: httpx.Response(503, headers={"retry-after": "120"}),
    lambda request: httpx.Response(401),
    lambda request: httpx.Response(200, json={"result": "maybe"}),
    lambda request: httpx.Response(200, text="<html>"),
])
async def test_anything_but_a_clear_answer_is_unavailable(answer):
    with pytest.raises(ProviderUnavailable) as raised:
        await inquiry(answer).inquire(jurisdiction="IR", national_id="0012424862", mobile="+989121234567")
    assert raised.value.retry_after in (120, 30)


async def test_a_timeout_is_unavailable():
    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("no answer", request=request)

    with pytest.raises(ProviderUnavailable):
        await inquiry(hang).inquire(jurisdiction="IR", national_id="0012424862", mobile="+989121234567")


def token(key: str = SANDBOX_EID_PRIVATE_KEY, **overrides) -> str:
    now = int(time.time())
    claims = {"iss": SANDBOX_EID_ISSUER, "sub": "vneid-1", "aud": "ejustice", "iat": now, "exp": now + 300,
              "nonce": "n-1", "citizen_id": "001090123456", "phone_number": "+84912345678", "loa": 2, **overrides}
    return jwt.encode(claims, key, algorithm="EdDSA")


def read(assertion: str, nonce: str = "n-1"):
    return read_id_token(assertion, key=SANDBOX_EID_PUBLIC_KEY, issuer=SANDBOX_EID_ISSUER, audience="ejustice",
                         nonce=nonce, algorithms=["EdDSA"])


def other_key() -> str:
    return Ed25519PrivateKey.generate().private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                      serialization.NoEncryption()).decode()


def test_the_id_token_is_read_only_when_everything_about_it_is_right():
    identity = read(token())
    assert (identity.citizen_id, identity.phone_number, identity.level) == ("001090123456", "+84912345678", 2)
    with pytest.raises(EidRefused):
        read(token(), nonce="n-2")                      # meant for another registration
    with pytest.raises(EidRefused):
        read(token(key=other_key()))                    # not signed by the provider
    with pytest.raises(EidRefused):
        read(token(exp=int(time.time()) - 10))          # expired
    with pytest.raises(EidRefused):
        read(token(aud="someone-else"))                 # for another relying party
    with pytest.raises(EidRefused):
        read(jwt.encode({"iss": SANDBOX_EID_ISSUER}, SANDBOX_EID_PRIVATE_KEY, algorithm="EdDSA"))  # claims missing


async def test_the_oidc_adapter_exchanges_the_code_for_a_checked_id_token(monkeypatch):
    monkeypatch.setenv("GATEWAY_PROOFING_EID_PROVIDER", "oidc")
    monkeypatch.setenv("GATEWAY_PROOFING_EID_TOKEN_URL", "https://vneid.example/token")
    monkeypatch.setenv("GATEWAY_PROOFING_EID_ISSUER", SANDBOX_EID_ISSUER)
    monkeypatch.setenv("GATEWAY_PROOFING_EID_PUBLIC_KEY", SANDBOX_EID_PUBLIC_KEY)
    settings = GatewaySettings()
    codes = {}

    def provider(request: httpx.Request) -> httpx.Response:
        form = dict(x.split("=", 1) for x in request.content.decode().split("&"))
        codes["code"] = form["code"]
        if form["code"] == "down":
            return httpx.Response(502)
        if form["code"] == "used":
            return httpx.Response(400, json={"error": "invalid_grant"})
        return httpx.Response(200, json={"id_token": token()})

    eid = OidcNationalEid(settings, httpx.AsyncClient(transport=httpx.MockTransport(provider)))
    assert "nonce=n-1" in eid.authorize_url(nonce="n-1")
    assert (await eid.confirm(response="good", nonce="n-1")).citizen_id == "001090123456"
    assert codes["code"] == "good"
    with pytest.raises(ProviderUnavailable):
        await eid.confirm(response="down", nonce="n-1")
    with pytest.raises(EidRefused):
        await eid.confirm(response="used", nonce="n-1")
