"""Bad input is answered with problem+json naming the field, and nothing is stored."""

import httpx
import pytest

from tests.support.journey import citizen as journey_citizen
from tests.support.stores import commits

PROBLEM = "application/problem+json"


@pytest.fixture
def citizen(platform):
    return journey_citizen(platform, 400)[0]


def post_raw(platform, headers, content: bytes, **extra_headers):
    return httpx.post(platform.gateway + "/api/filings", content=content, timeout=10,
                      headers={**headers, "content-type": "application/json", **extra_headers})


def fields(answer) -> dict[str, str]:
    return {error["field"]: error["code"] for error in answer.json()["errors"]}


async def stored_filings(platform) -> int:
    """Commits of filings and their indexes (the dossier checkpointer writes beside them on its own clock)."""
    return sum([len(await commits(platform.database("filing"), prefix)) for prefix in ("filing-", "index-")])


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        (b'{"subject_code": "cheque-claim", "jurisdiction": ', 400, {"body": "json_invalid"}),
        (b'{"subject_code": "cheque-claim", "judge": "mine"}', 422, {"judge": "extra_forbidden"}),
        (b'{"subject_code": 12, "jurisdiction": ["IR"]}', 422,
         {"subject_code": "string_type", "jurisdiction": "literal_error"}),
        (b'{"subject_code": "no-such-subject"}', 422, {"subject_code": "unknown-subject"}),
        (b'{"subject_code": "case-brief"}', 422, {"case_number": "required", "case_court_id": "required"}),
    ],
)
async def test_bad_draft_is_refused_and_nothing_is_stored(platform, citizen, body, status, expected):
    before = await stored_filings(platform)
    answer = post_raw(platform, citizen, body)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == PROBLEM
    assert fields(answer) == expected
    assert await stored_filings(platform) == before


def test_reasons_are_in_the_readers_language(platform, citizen):
    answer = post_raw(platform, citizen, b'{"jurisdiction": "IR"}', **{"accept-language": "fa-IR,fa;q=0.9"})
    assert answer.json()["errors"][0] == {"field": "subject_code", "reason": "این فیلد الزامی است.", "code": "missing"}
    answer = post_raw(platform, citizen, b'{"jurisdiction": "IR"}', **{"accept-language": "vi"})
    assert answer.json()["errors"][0]["reason"] == "Trường này là bắt buộc."


def test_no_token_or_a_forged_token_is_refused(platform):
    body = b'{"subject_code": "declaration"}'
    answer = post_raw(platform, {}, body)
    assert answer.status_code == 401 and answer.headers["content-type"] == PROBLEM
    answer = post_raw(platform, {"authorization": "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."}, body)
    assert answer.status_code == 401 and answer.json()["type"].endswith("/token-invalid")


def test_a_court_may_not_file(platform):
    court = platform.token("court-user", "court", court_id="IR-THR-CIVIL-1")
    answer = post_raw(platform, court, b'{"subject_code": "declaration"}')
    assert answer.status_code == 403 and answer.headers["content-type"] == PROBLEM


def test_oversized_body_is_refused_at_the_gateway(platform, citizen):
    answer = post_raw(platform, citizen, b'{"subject_code": "' + b"x" * (26 * 1024 * 1024) + b'"}')
    assert answer.status_code == 413 and answer.headers["content-type"] == PROBLEM
