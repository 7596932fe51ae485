"""The flow that proves the bus: gateway → filing → filing.submitted → payment → fee.assessed → filing."""

import httpx

from tests.support.journey import cheque_claim_draft, citizen, filing, submit
from tests.support.people import iranian_national_code
from tests.support.platform import wait_until
from tests.support.stores import commits, events_of


def submitted_cheque_claim(platform, seed: int) -> tuple[dict, dict]:
    """A citizen and their submitted cheque claim."""
    headers, national_id = citizen(platform, seed)
    with httpx.Client(base_url=platform.gateway, timeout=30) as client:
        draft = cheque_claim_draft(client, headers, applicant=national_id, respondent=iranian_national_code(seed + 1))
        return headers, submit(client, headers, draft["id"])


def fee_of(platform, headers, filing_id: str) -> dict | None:
    with httpx.Client(base_url=platform.gateway, timeout=30) as client:
        return filing(client, headers, filing_id)["fee"]


async def test_filing_through_the_gateway_gets_its_fee_assessed(platform):
    headers, submitted = submitted_cheque_claim(platform, 100)
    assert submitted["status"] == "submitted" and submitted["fee"] is None
    assert submitted["court"]["court_id"] == "IR-THR-CIVIL"  # the respondent's city decides

    fee = wait_until(lambda: fee_of(platform, headers, submitted["id"]), timeout=30, what="fee on the filing")

    # 3.5 % of 500,000,000 rials under version 2 of the fee code, in force since 2026-03-21.
    assert fee["amount"] == {"amount": 17_500_000, "currency": "IRR"}
    assert (fee["fee_code"], fee["fee_version"]) == ("IR-CIVIL-FINANCIAL", 2)
    assessment = httpx.get(f"{platform.gateway}/api/assessments/{submitted['id']}", headers=headers).json()
    assert assessment["assessment_id"] == fee["assessment_id"] and assessment["payer_id"] == submitted["filer_id"]

    assessed = events_of(await commits(platform.database("payment"), f"assessment-{submitted['id']}"), "fee.assessed")
    assert len(assessed) == 1
    sent = events_of(await commits(platform.database("filing"), f"filing-{submitted['id']}"), "filing.submitted")
    # One trace and one correlation id follow the filing across services.
    assert assessed[0]["correlation_id"] == sent[0]["correlation_id"]
    assert assessed[0]["traceparent"].split("-")[1] == sent[0]["traceparent"].split("-")[1]


async def test_another_citizen_cannot_see_the_filing_or_its_fee(platform):
    owner, submitted = submitted_cheque_claim(platform, 200)
    stranger, _ = citizen(platform, 299)
    wait_until(lambda: fee_of(platform, owner, submitted["id"]), timeout=30, what="fee")
    for path in (f"/api/filings/{submitted['id']}", f"/api/assessments/{submitted['id']}",
                 f"/api/filings/{submitted['id']}/dossier"):
        answer = httpx.get(platform.gateway + path, headers=stranger, timeout=10)
        assert answer.status_code == 404, path
        assert answer.headers["content-type"] == "application/problem+json"


def test_every_service_is_ready_and_exposes_metrics(platform):
    for service in platform.services.values():
        assert httpx.get(service.url + "/healthz").json() == {"status": "alive"}
        assert httpx.get(service.url + "/readyz").json()["status"] == "ready"
        text = httpx.get(service.url + "/metrics").text
        assert "http_requests_total" in text and "outbox_relay_backlog" in text
    submitted_cheque_claim(platform, 300)
    filing_metrics = httpx.get(platform["filing"].url + "/metrics").text
    assert 'events_published_total{type="filing.submitted"}' in filing_metrics
