"""The provider callback's signature: HMAC-SHA256 over "<timestamp>." + the raw body, within five minutes."""

import hashlib
import hmac
import json

import pytest
from pydantic import ValidationError

from ejustice_payment.providers.service import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    BadSignature,
    MalformedCallback,
    SandboxProvider,
    StaleTimestamp,
    signed_headers,
)
from ejustice_payment.settings import PaymentSettings

SECRET = "sandbox-test-secret"
NOW = 1_790_000_000.0
BODY = json.dumps({"payment_id": "p1", "provider_reference": "sbx-1", "status": "paid",
                   "amount": {"amount": 17_500_000, "currency": "IRR"}}).encode()


def sandbox(secret: str = SECRET) -> SandboxProvider:
    return SandboxProvider(secret=secret, page_url="http://sandbox.test/pay", callback_url="http://x.test/cb",
                           delay_seconds=0, tolerance_seconds=300)


def test_signature_is_hex_hmac_sha256_of_the_timestamp_and_the_raw_body():
    headers = signed_headers(SECRET, BODY, now=NOW + 0.9)
    expected = hmac.new(SECRET.encode(), b"1790000000." + BODY, hashlib.sha256).hexdigest()
    assert headers == {TIMESTAMP_HEADER: "1790000000", SIGNATURE_HEADER: expected}


def test_a_signed_callback_verifies_and_reads_as_data():
    callback = sandbox().verify_callback(signed_headers(SECRET, BODY, now=NOW), BODY, NOW + 299)
    assert (callback.payment_id, callback.provider_reference, callback.status) == ("p1", "sbx-1", "paid")
    assert callback.amount.amount == 17_500_000 and callback.amount.currency == "IRR"
    # Header names are case-insensitive, as HTTP has them.
    upper = {name.upper(): value for name, value in signed_headers(SECRET, BODY, now=NOW).items()}
    assert sandbox().verify_callback(upper, BODY, NOW).payment_id == "p1"


@pytest.mark.parametrize("skew", [301, -301, 86_400])
def test_a_stale_or_future_timestamp_is_refused_even_when_correctly_signed(skew):
    with pytest.raises(StaleTimestamp) as refused:
        sandbox().verify_callback(signed_headers(SECRET, BODY, now=NOW), BODY, NOW + skew)
    assert refused.value.problem("en").status == 401


def test_a_refund_callback_is_signed_the_same_way_and_read_as_a_refund():
    body = json.dumps({"refund_id": "r1", "payment_id": "p1", "refund_reference": "sbxr-r1", "status": "refunded",
                       "amount": {"amount": 17_500_000, "currency": "IRR"}}).encode()
    refund = sandbox().verify_refund_callback(signed_headers(SECRET, body, now=NOW), body, NOW)
    assert (refund.refund_id, refund.refund_reference, refund.amount.amount) == ("r1", "sbxr-r1", 17_500_000)
    with pytest.raises(BadSignature):
        sandbox().verify_refund_callback(signed_headers("another-secret", body, now=NOW), body, NOW)
    with pytest.raises(MalformedCallback):  # a payment's callback is not a refund's
        sandbox().verify_refund_callback(signed_headers(SECRET, BODY, now=NOW), BODY, NOW)


def test_a_tampered_body_is_refused():
    headers = signed_headers(SECRET, BODY, now=NOW)
    tampered = BODY.replace(b"17500000", b"1")
    assert tampered != BODY
    with pytest.raises(BadSignature):
        sandbox().verify_callback(headers, tampered, NOW)


def test_a_moved_timestamp_breaks_the_signature():
    headers = signed_headers(SECRET, BODY, now=NOW)
    headers[TIMESTAMP_HEADER] = str(int(NOW) + 1)
    with pytest.raises(BadSignature):
        sandbox().verify_callback(headers, BODY, NOW)


@pytest.mark.parametrize("headers", [
    signed_headers("another-secret", BODY, now=NOW),
    {TIMESTAMP_HEADER: str(int(NOW))},
    {SIGNATURE_HEADER: signed_headers(SECRET, BODY, now=NOW)[SIGNATURE_HEADER]},
    {TIMESTAMP_HEADER: "1_790_000_000", SIGNATURE_HEADER: "00"},
    {TIMESTAMP_HEADER: str(int(NOW)), SIGNATURE_HEADER: "é" * 64},
])
def test_a_forged_or_missing_signature_is_refused(headers):
    with pytest.raises(BadSignature) as refused:
        sandbox().verify_callback(headers, BODY, NOW)
    problem = refused.value.problem("en")
    assert (problem.status, problem.kind) == (401, "callback-signature-invalid")


def test_a_signed_but_malformed_body_is_refused_after_the_signature_check():
    broken = b'{"payment_id": "p1",'
    with pytest.raises(MalformedCallback) as refused:
        sandbox().verify_callback(signed_headers(SECRET, broken, now=NOW), broken, NOW)
    assert refused.value.problem("en").status == 400

    incomplete = json.dumps({"payment_id": "p1", "status": "maybe"}).encode()
    with pytest.raises(MalformedCallback) as refused:
        sandbox().verify_callback(signed_headers(SECRET, incomplete, now=NOW), incomplete, NOW)
    problem = refused.value.problem("en")
    assert problem.status == 422
    assert {e["field"] for e in problem.errors} == {"provider_reference", "status", "amount"}


def test_the_development_sandbox_secret_is_refused_in_production(monkeypatch):
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("JWT_PUBLIC_KEY", "-----BEGIN PUBLIC KEY-----\nreal\n-----END PUBLIC KEY-----\n")
    with pytest.raises(ValidationError, match="(?<!POS_)PAYMENT_SANDBOX_SECRET is a development placeholder"):
        PaymentSettings()
    monkeypatch.setenv("PAYMENT_SANDBOX_SECRET", "a-real-secret-from-the-vault")
    with pytest.raises(ValidationError, match="PAYMENT_POS_SANDBOX_SECRET is a development placeholder"):
        PaymentSettings()  # the counters' POS terminals sign with a key of their own
    monkeypatch.setenv("PAYMENT_POS_SANDBOX_SECRET", "another-real-secret")
    settings = PaymentSettings()
    assert settings.sandbox_secret == "a-real-secret-from-the-vault" and not settings.sandbox_enabled
