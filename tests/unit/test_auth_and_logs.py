import json

import pytest

from ejustice_shared import logs
from ejustice_shared.auth import Principal, Role, TokenIssuer, TokenVerifier
from ejustice_shared.auth.keys import DEVELOPMENT_PRIVATE_KEY, DEVELOPMENT_PUBLIC_KEY
from ejustice_shared.problems import Problem


def test_a_token_round_trips_its_principal():
    principal = Principal(subject="clerk-7", roles=[Role.CLERK], office_id="office-12", on_behalf_of="citizen-3")
    token = TokenIssuer(private_key=DEVELOPMENT_PRIVATE_KEY, issuer="ejustice").issue(principal)
    assert TokenVerifier(public_key=DEVELOPMENT_PUBLIC_KEY, issuer="ejustice").verify(token) == principal


def test_a_token_from_another_issuer_is_refused():
    token = TokenIssuer(private_key=DEVELOPMENT_PRIVATE_KEY, issuer="elsewhere").issue(
        Principal(subject="x", roles=[Role.CITIZEN]))
    with pytest.raises(Problem) as refused:
        TokenVerifier(public_key=DEVELOPMENT_PUBLIC_KEY, issuer="ejustice").verify(token)
    assert refused.value.status == 401


def test_logs_mask_personal_numbers(capsys):
    logs.configure("test")
    logs.get().info("registered", national_code="0499370899", mobile="+989121234567")
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["national_code"] == "********99" and line["mobile"] == "***********67"
