"""Courts speak back: a court's notices on its cases, served to e-boxes and on paper, every step accounted for.

The test stands in for the gateway's registration and the filing service's acceptance: it publishes
account.registered and filing.accepted itself, and a spy queue keeps what the service publishes.
"""

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import pytest_asyncio

from ejustice_shared.events import (
    AccountRegistered,
    CourtNoticePosted,
    Envelope,
    FilingAccepted,
    PaperServiceAssigned,
    Party,
)
from tests.support.bus import Bus
from tests.support.people import iranian_mobile, iranian_national_code, seed
from tests.support.platform import Platform, wait_until

COURT = "IR-THR-CIVIL"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
SETTINGS = {
    # Every later deadline is within the margin after an outage recorded now, so the test sees an extension.
    "NOTIFICATION_OUTAGE_MARGIN_HOURS": "720", "NOTIFICATION_OUTAGE_EXTENSION_HOURS": "24",
    "NOTIFICATION_ALERT_RETRY_SECONDS": "0.2", "NOTIFICATION_ALERT_CHECK_SECONDS": "0.2",
    "NOTIFICATION_MONITOR_CHECK_SECONDS": "0.5", "NOTIFICATION_MONITOR_NOT_ALERTED_SECONDS": "30",
    "NOTIFICATION_STATISTICS_MIN_COUNT": "1",
}


@pytest.fixture(scope="module")
def platform(infrastructure):
    """Notification, and a gateway to route the public API and issue development tokens."""
    running = Platform()
    running["gateway"].start()
    running.start("notification", **SETTINGS)
    wait_until(lambda: httpx.get(running.gateway + "/healthz", timeout=2).status_code == 200, what="gateway")
    yield running
    running.stop()


@pytest_asyncio.fixture
async def bus(platform):
    spy = await Bus(platform.namespace, ("notice.*", "paper_service.*", "court.#", "platform.*")).open()
    yield spy
    await spy.close()


@pytest.fixture
def api(platform):
    with httpx.Client(base_url=platform.gateway + "/api", timeout=30) as client:
        yield client


async def open_ebox(platform, bus: Bus, api: httpx.Client, national_id: str, mobile: str) -> dict:
    account = f"account-{national_id}"
    await bus.publish(Envelope.wrap(AccountRegistered(account_id=account, jurisdiction="IR", national_id=national_id,
                                                      mobile=mobile), source="gateway", subject=account))
    headers = platform.token(account, "citizen", national_id=national_id, jurisdiction="IR")
    wait_until(lambda: api.get("/eboxes/me", headers=headers).status_code == 200, what="e-box opened")
    return headers


async def accept_case(bus: Bus, *parties: Party, court_id: str = COURT) -> str:
    filing_id = uuid.uuid4().hex
    await bus.publish(Envelope.wrap(FilingAccepted(
        filing_id=filing_id, tracking_code="123456789012", court_id=court_id, case_number=f"1405{seed():08d}",
        branch_id=f"{court_id}-B12", jurisdiction="IR", parties=list(parties), accepted_by=f"court-{court_id}"),
        source="filing", subject=filing_id))
    return filing_id


def post(api: httpx.Client, headers: dict, notice: dict, status: int = 201) -> dict:
    """Post once the case is known to the notification service (it learns it from filing.accepted)."""
    def answered():
        answer = api.post("/court-notices", headers=headers, json=notice)
        return answer if answer.status_code != 404 else None

    answer = wait_until(answered, what="the case known")
    assert answer.status_code == status, answer.text
    return answer.json()


def parties(n: int) -> list[Party]:
    base = seed()
    return [Party(role="applicant" if i == 0 else "respondent", national_id=iranian_national_code(base + i),
                  name=f"Party {i}", city_id="IR-THR") for i in range(n)]


async def test_a_summons_with_a_deadline_is_served_in_the_ebox_and_on_paper_and_extended_by_an_outage(
        platform, bus, api):
    with_ebox, on_paper = parties(2)
    citizen = await open_ebox(platform, bus, api, with_ebox.national_id, iranian_mobile(seed()))
    filing_id = await accept_case(bus, with_ebox, on_paper)
    court = platform.token(f"court-{COURT}", "court", court_id=COURT)
    summons = {"reference": f"summons-{uuid.uuid4().hex[:8]}", "kind": "summons", "filing_id": filing_id,
               "hearing": {"at": "2026-12-20T09:30:00+03:30", "branch_id": f"{COURT}-B12", "room": "4"},
               "deadline_days": 10}

    posted = post(api, court, summons)
    channels = {a["national_id"]: a for a in posted["addressees"]}
    assert channels[with_ebox.national_id]["channel"] == "ebox"
    assert channels[on_paper.national_id]["channel"] == "paper"
    recorded = await bus.wait_for("court_notice.recorded", reference=summons["reference"])
    assert recorded[0]["routing_key"] == f"court.{COURT}.court_notice.recorded"
    # Posting the same reference again changes nothing; another court does not find the case.
    assert post(api, court, summons)["posting_id"] == posted["posting_id"]
    other = platform.token("court-IR-ISF-CIVIL", "court", court_id="IR-ISF-CIVIL")
    assert api.post("/court-notices", headers=other, json={**summons, "reference": "x-1"}).status_code == 404
    assert api.get(f"/court-notices/{summons['reference']}", headers=other).status_code == 404

    # The e-box party reads it (Iran: arrival is service) and is alerted by SMS.
    notice_id = channels[with_ebox.national_id]["notice_id"]
    read = api.get(f"/notices/{notice_id}", headers=citizen).json()
    assert read["kind"] == "summons" and read["hearing"]["room"] == "4" and read["deadline_days"] == 10
    assert "09:30" in read["body"]["en"] and read["served_at"]
    deadline = wait_until(lambda: api.get(f"/notices/{notice_id}/deadline", headers=citizen).json()["deadline"],
                          what="deadline shown")
    served_at = datetime.fromisoformat(deadline["served_at"])
    assert datetime.fromisoformat(deadline["ends_at"]) == served_at + timedelta(days=10)
    await bus.wait_for("notice.deadline_set", notice_id=notice_id)

    # The paper task is served at an office.
    task_id = channels[on_paper.national_id]["notice_id"]
    # The registry gives a task to the office serving the party's city; this test stands in for it.
    await bus.publish(Envelope.wrap(PaperServiceAssigned(task_id=task_id, office_id="IR-THR-101", reason="serves-city"),
                                    source="registry", subject=task_id))
    operator = platform.token("operator-1", "operator")
    office_id = wait_until(lambda: next((t["office_id"] for t in api.get("/paper-service", headers=operator).json()
                                         if t["task_id"] == task_id), None), what="the paper task's office")
    clerk = platform.token("clerk-1", "clerk", office_id=office_id)  # a clerk of the office it was assigned to
    assert api.post(f"/paper-service/{task_id}/outcome", headers=clerk, json={"outcome": "served"}).status_code == 200
    await bus.wait_for("notice.deadline_set", notice_id=task_id)

    lifecycle = wait_until(lambda: [a["lifecycle"] for a in api.get(f"/court-notices/{summons['reference']}",
                                                                     headers=court).json()["addressees"]
                                    if a["lifecycle"]["alerted_at"] or a["channel"] == "paper"] or None,
                           what="alerted")
    steps = {a["channel"]: a["lifecycle"] for a in api.get(f"/court-notices/{summons['reference']}",
                                                          headers=court).json()["addressees"]}
    assert steps["ebox"]["deposited_at"] and steps["ebox"]["alert_channel"] == "sms"
    assert steps["ebox"]["viewed_at"] and steps["ebox"]["served_at"] and steps["ebox"]["deadline_ends_at"]
    assert steps["paper"]["paper_outcome"] == "served" and steps["paper"]["deadline_ends_at"]
    assert lifecycle

    # An outage that ended an hour ago: both deadlines end within the margin after it, and are extended.
    operator = platform.token("operator-1", "operator")
    now = datetime.now(UTC)
    outage = api.post("/outages", headers=operator, json={
        "started_at": (now - timedelta(hours=2)).isoformat(), "ended_at": (now - timedelta(hours=1)).isoformat()})
    assert outage.status_code == 201, outage.text
    outage_id = outage.json()["outage_id"]
    def extended_deadline():
        deadline = api.get(f"/notices/{notice_id}/deadline", headers=citizen).json()["deadline"]
        return deadline if outage_id in deadline["extended_by"] else None

    extended = wait_until(extended_deadline, what="the deadline extended")
    assert datetime.fromisoformat(extended["ends_at"]) == served_at + timedelta(days=10, hours=24)
    await bus.wait_for("notice.deadline_extended", notice_id=notice_id, outage_id=outage_id)
    await bus.wait_for("notice.deadline_extended", notice_id=task_id, outage_id=outage_id)
    assert outage_id in [o["outage_id"] for o in httpx.get(platform.gateway + "/api/outages").json()]

    # The public statistics count both: seen and served in the e-box, served on paper; nobody's numbers in them.
    def counted():
        figures = httpx.get(platform.gateway + "/api/statistics").json()
        rows = {r["channel"]: r for r in figures["notices"] if r["court_id"] == COURT and r["kind"] == "summons"}
        ready = rows.get("ebox", {}).get("served") and rows.get("paper", {}).get("served")
        return (figures, rows) if ready else None

    figures, rows = wait_until(counted, what="statistics")
    assert rows["ebox"]["notices"] >= 1 and rows["ebox"]["seen"] >= 1 and rows["ebox"]["seen_rate"] > 0
    assert rows["paper"]["seen"] >= 1 and rows["paper"]["mean_days_to_service"] is not None
    assert rows["ebox"]["month"] == datetime.now(UTC).strftime("%Y-%m")
    text = json.dumps(figures)
    assert with_ebox.national_id not in text and on_paper.national_id not in text and "Party" not in text


async def test_a_notice_whose_alerts_fail_on_every_channel_shows_in_the_monitor(platform, bus, api):
    unlucky, rescued = parties(2)
    # The sandbox's operators refuse texts to +98 912 999 3xxx; its mail refuses fail.example.
    unlucky_headers = await open_ebox(platform, bus, api, unlucky.national_id, f"+989129993{seed() % 1000:03d}")
    rescued_headers = await open_ebox(platform, bus, api, rescued.national_id, f"+989129993{seed() % 1000:03d}")
    assert api.put("/eboxes/me/contact", headers=unlucky_headers,
                   json={"email": f"{unlucky.national_id}@fail.example"}).status_code == 200
    rescued_email = f"{rescued.national_id}@mail.example"
    assert api.put("/eboxes/me/contact", headers=rescued_headers, json={"email": rescued_email}).status_code == 200
    filing_id = await accept_case(bus, unlucky, rescued)
    court = platform.token(f"court-{COURT}", "court", court_id=COURT)
    posted = post(api, court, {"reference": f"order-{uuid.uuid4().hex[:8]}", "kind": "interim-order",
                               "filing_id": filing_id, "text": "The respondent's account is frozen."})
    ids = {a["national_id"]: a["notice_id"] for a in posted["addressees"]}

    operator = platform.token("operator-1", "operator")
    stuck = wait_until(lambda: [s for s in api.get("/notice-monitor/stuck", headers=operator).json()
                                if s["notice_id"] == ids[unlucky.national_id]], what="stuck notice listed")
    assert stuck[0]["reason"] == "alerts-failed"
    assert ids[rescued.national_id] not in [s["notice_id"] for s in api.get("/notice-monitor/stuck",
                                                                            headers=operator).json()]
    await bus.wait_for("notice.stuck", notice_id=ids[unlucky.national_id], reason="alerts-failed")
    failed = await bus.wait_for("notice.alert_failed", notice_id=ids[unlucky.national_id])
    assert failed[0]["data"]["channels"] == ["sms", "email"] and failed[0]["data"]["attempts"] == 5
    metrics = httpx.get(platform["notification"].url + "/metrics").text
    assert 'notices_stuck{reason="alerts-failed"}' in metrics

    # SMS failed for the other party too, and email reached them.
    alerted = await bus.wait_for("notice.alerted", notice_id=ids[rescued.national_id])
    assert alerted[0]["data"]["channel"] == "email" and alerted[0]["data"]["attempts"] == 4
    mail = api.get("/sandbox-email", params={"to": rescued_email}).json()
    assert len(mail) == 1 and mail[0]["subject"].startswith("دستور موقت")  # in the jurisdiction's language


async def test_bad_notices_are_refused_naming_every_field(platform, bus, api):
    (party,) = parties(1)
    filing_id = await accept_case(bus, party)
    court = platform.token(f"court-{COURT}", "court", court_id=COURT)
    not_a_pdf = [{"filename": "j.pdf", "content_base64": base64.b64encode(b"no").decode()}]
    problem = post(api, court, {"reference": "bad-1", "kind": "judgment", "filing_id": filing_id,
                                "addressees": ["0012345678"], "documents": not_a_pdf,
                                "hearing": {"at": "2026-12-20T09:30:00+03:30", "room": "1"}}, status=422)
    fields = {e["field"]: e["code"] for e in problem["errors"]}
    assert fields == {"hearing": "hearing-not-allowed", "addressees.0": "not-a-party",
                      "documents.0.content_base64": "not-a-pdf"}
    orders = post(api, court, {"reference": "bad-2", "kind": "documents-ordered", "filing_id": filing_id}, status=422)
    assert {e["field"] for e in orders["errors"]} == {"deadline_days", "text"}


async def test_a_judgment_posted_on_the_courts_routing_key_is_served_with_its_document(platform, bus, api):
    (party,) = parties(1)
    citizen = await open_ebox(platform, bus, api, party.national_id, iranian_mobile(seed()))
    filing_id = await accept_case(bus, party)
    judgment = {"reference": f"judgment-{uuid.uuid4().hex[:8]}", "kind": "judgment", "filing_id": filing_id,
                "text": "The claim is upheld.",
                "documents": [{"filename": "judgment.pdf", "content_base64": base64.b64encode(PDF).decode()}]}
    # The case may not be known yet: the court hears back that it was rejected, and publishes again.
    for _ in range(50):
        posted = CourtNoticePosted.model_validate({"court_id": COURT, "notice": judgment})
        await bus.publish(Envelope.wrap(posted, source=f"court-{COURT}", subject=judgment["reference"]))
        try:
            await bus.wait_for("court_notice.recorded", reference=judgment["reference"], timeout=2)
            break
        except AssertionError:
            continue
    recorded = await bus.wait_for("court_notice.recorded", reference=judgment["reference"])
    notice_id = recorded[0]["data"]["addressees"][0]["notice_id"]
    read = api.get(f"/notices/{notice_id}", headers=citizen).json()
    (document,) = read["documents"]
    download = api.get(f"/notices/{notice_id}/documents/{document['sha256']}", headers=citizen)
    assert download.content == PDF and download.headers["x-content-sha256"] == document["sha256"]

    # Published on its own key but naming another court: ignored. Naming an unknown case: rejected, with reasons.
    forged = CourtNoticePosted.model_validate({"court_id": "IR-ISF-CIVIL", "notice": {**judgment, "reference": "f"}})
    envelope = Envelope.wrap(forged, source="court", subject="f").model_copy(
        update={"routing_key": f"by-court.{COURT}.notice.posted"})
    await bus.publish(envelope)
    unknown = CourtNoticePosted.model_validate({"court_id": COURT, "notice": {**judgment, "reference": "u-1",
                                                                               "filing_id": "no-such-case"}})
    await bus.publish(Envelope.wrap(unknown, source="court", subject="u-1"))
    rejected = await bus.wait_for("court_notice.rejected", reference="u-1")
    assert rejected[0]["routing_key"] == f"court.{COURT}.court_notice.rejected"
    assert not await bus.events("court_notice.recorded", reference="f")
    assert not await bus.events("court_notice.rejected", reference="f")


async def test_a_batch_with_bad_lines_is_refused_whole_naming_each_line(platform, api):
    court = platform.token(f"court-{COURT}", "court", court_id=COURT)
    body = b'{"reference": "ok-1", "kind": "interim-order", "filing_id": "f", "text": "t"}\n{"reference": "bad 2"}\n'
    answer = api.post("/court-notices/batches", content=body,
                      headers={**court, "content-type": "application/x-ndjson"})
    assert answer.status_code == 422
    fields = {e["field"] for e in answer.json()["errors"]}
    assert {"lines.2.reference", "lines.2.kind", "lines.2.filing_id"} <= fields and not any(
        f.startswith("lines.1") for f in fields)
    assert api.post("/court-notices/batches", content=b"\n",
                    headers={**court, "content-type": "application/x-ndjson"}).status_code == 422
