"""The flow that proves the bus: gateway → filing → filing.submitted → payment → fee.assessed → filing."""

import httpx

from tests.support.platform import wait_until
from tests.support.stores import commits, events_of

CHEQUE_CLAIM = {"subject_code": "cheque-claim", "claim": {"amount": 500_000_000, "currency": "IRR"},
                "statement": "The drawer's cheque bounced on presentation."}


def submit(platform, headers, body=CHEQUE_CLAIM) -> dict:
    answer = httpx.post(platform.gateway + "/api/filings", json=body, headers=headers, timeout=10)
    assert answer.status_code == 201, answer.text
    return answer.json()


def fee_of(platform, headers, filing_id: str) -> dict | None:
    answer = httpx.get(f"{platform.gateway}/api/filings/{filing_id}", headers=headers, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["fee"]


async def test_filing_through_the_gateway_gets_its_fee_assessed(platform):
    citizen = platform.token("citizen-flow", "citizen")
    filing = submit(platform, citizen)
    assert filing["status"] == "submitted" and filing["fee"] is None

    fee = wait_until(lambda: fee_of(platform, citizen, filing["id"]), timeout=30, what="fee on the filing")

    # 3.5 % of 500,000,000 rials under version 2 of the fee code, in force since 2026-03-21.
    assert fee["amount"] == {"amount": 17_500_000, "currency": "IRR"}
    assert (fee["fee_code"], fee["fee_version"]) == ("IR-CIVIL-FINANCIAL", 2)
    assessment = httpx.get(f"{platform.gateway}/api/assessments/{filing['id']}", headers=citizen, timeout=10).json()
    assert assessment["assessment_id"] == fee["assessment_id"] and assessment["payer_id"] == "citizen-flow"

    assessed = events_of(await commits(platform.database("payment"), f"assessment-{filing['id']}"), "fee.assessed")
    assert len(assessed) == 1
    submitted = events_of(await commits(platform.database("filing"), f"filing-{filing['id']}"), "filing.submitted")
    # One trace and one correlation id follow the filing across services.
    assert assessed[0]["correlation_id"] == submitted[0]["correlation_id"]
    assert assessed[0]["traceparent"].split("-")[1] == submitted[0]["traceparent"].split("-")[1]


async def test_another_citizen_cannot_see_the_filing_or_its_fee(platform):
    owner, stranger = platform.token("citizen-a", "citizen"), platform.token("citizen-b", "citizen")
    filing = submit(platform, owner)
    wait_until(lambda: fee_of(platform, owner, filing["id"]), timeout=30, what="fee")
    for path in (f"/api/filings/{filing['id']}", f"/api/assessments/{filing['id']}"):
        answer = httpx.get(platform.gateway + path, headers=stranger, timeout=10)
        assert answer.status_code == 404
        assert answer.headers["content-type"] == "application/problem+json"


def test_every_service_is_ready_and_exposes_metrics(platform):
    for service in platform.services.values():
        assert httpx.get(service.url + "/healthz").json() == {"status": "alive"}
        assert httpx.get(service.url + "/readyz").json()["status"] == "ready"
        text = httpx.get(service.url + "/metrics").text
        assert "http_requests_total" in text and "outbox_relay_backlog" in text
    filing_metrics = httpx.get(platform["filing"].url + "/metrics").text
    assert 'events_published_total{type="filing.submitted"}' in filing_metrics
