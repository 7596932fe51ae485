"""A token's signature is checked once per process; its expiry, and a tampered copy, on every use."""

import time
from datetime import timedelta

import pytest

from ejustice_shared.auth import Principal, Role, TokenIssuer, TokenVerifier
from ejustice_shared.auth.keys import DEVELOPMENT_PRIVATE_KEY, DEVELOPMENT_PUBLIC_KEY
from ejustice_shared.problems import Problem

pytestmark = pytest.mark.unit


def verifier() -> TokenVerifier:
    return TokenVerifier(public_key=DEVELOPMENT_PUBLIC_KEY, issuer="ejustice")


def token(lifetime: timedelta = timedelta(hours=1)) -> str:
    return TokenIssuer(private_key=DEVELOPMENT_PRIVATE_KEY, issuer="ejustice").issue(
        Principal(subject="citizen-1", roles=[Role.CITIZEN]), lifetime=lifetime)


def test_the_same_token_is_verified_once():
    check, issued = verifier(), token()
    first = check.verify(issued)
    assert first.subject == "citizen-1" and check.verify(issued) is first


def test_a_verified_token_is_refused_once_it_expired():
    check, expired = verifier(), token(lifetime=timedelta(seconds=-1))
    # As if it had been verified while still valid: its expiry, kept with it, has passed.
    check._verified[expired] = (int(time.time()) - 1, Principal(subject="citizen-1", roles=[Role.CITIZEN]))
    with pytest.raises(Problem) as refused:
        check.verify(expired)
    assert refused.value.status == 401 and refused.value.kind == "token-expired"


def test_a_tampered_copy_of_a_verified_token_is_refused():
    check, issued = verifier(), token()
    check.verify(issued)
    head, claims, signature = issued.split(".")
    with pytest.raises(Problem) as refused:
        check.verify(f"{head}.{claims}.{signature[:-4]}AAAA")
    assert refused.value.status == 401
