"""A court's batch of notices: 202 at once, served in the background, and a crash halfway loses and
duplicates nothing (the notification service is killed, by the process id this test started, and restarted)."""

import asyncio
import json
import uuid

import httpx
from pymongo import MongoClient

from ejustice_shared.events import AccountRegistered, Envelope, FilingAccepted, Party
from tests.support.bus import Bus
from tests.support.people import iranian_mobile, iranian_national_code, seed
from tests.support.platform import wait_until
from tests.support.stores import MONGODB_URL

COURT = "IR-THR-CIVIL"
CASES, PER_CASE = 20, 20  # 400 notices, each to a party with an e-box and one without
SETTINGS = {"NOTIFICATION_BATCH_CHUNK_LINES": "50", "NOTIFICATION_BATCH_PARALLEL": "8",
            "NOTIFICATION_ALERT_RATE_PER_SECOND": "200"}


async def prepare(platform, bus: Bus) -> list[tuple[str, Party, Party, str]]:
    """Cases with two parties each: the applicant has an e-box, the respondent none."""
    base = seed() * 100
    cases = []
    for n in range(CASES):
        applicant = Party(role="applicant", national_id=iranian_national_code(base + 2 * n), name="A", city_id="IR-THR")
        respondent = Party(role="respondent", national_id=iranian_national_code(base + 2 * n + 1), name="R",
                           city_id="IR-ABK")
        mobile = iranian_mobile(base + n)
        account = f"account-{applicant.national_id}"
        await bus.publish(Envelope.wrap(AccountRegistered(account_id=account, jurisdiction="IR",
                                                          national_id=applicant.national_id, mobile=mobile),
                                        source="gateway", subject=account))
        cases.append((uuid.uuid4().hex, applicant, respondent, mobile))
    wait_until(lambda: count(platform, "ebox-") >= CASES, timeout=120, what="e-boxes")
    for filing_id, applicant, respondent, _ in cases:
        await bus.publish(Envelope.wrap(FilingAccepted(
            filing_id=filing_id, tracking_code="123456789012", court_id=COURT, case_number=f"1405{seed():08d}",
            branch_id=f"{COURT}-B12", jurisdiction="IR", parties=[applicant, respondent], accepted_by="court"),
            source="filing", subject=filing_id))
    return cases


def db(platform):
    return MongoClient(MONGODB_URL)[platform.database("notification")]


def count(platform, prefix: str, event_type: str | None = None) -> int:
    """Commits of the streams with this prefix (holding an event of this type)."""
    query = {"stream": {"$regex": f"^{prefix}"}}
    if event_type:
        query["events.type"] = event_type
    return db(platform)["commits"].count_documents(query)


def ndjson(cases, reference: str) -> bytes:
    lines = [json.dumps({"reference": f"{reference}-{n}-{k}", "kind": "summons", "filing_id": filing_id,
                         "hearing": {"at": "2026-12-21T10:00:00+03:30", "video_url": "https://video.example/h/1"}})
             for n, (filing_id, *_) in enumerate(cases) for k in range(PER_CASE)]
    return ("\n".join(lines) + "\n").encode()


async def test_a_batch_survives_a_crash_of_the_notification_service_halfway(fresh_platform):
    platform = fresh_platform()
    platform["gateway"].start()
    bus = await Bus(platform.namespace, ("notice.*", "paper_service.*", "court.#")).open()
    try:
        platform.start("notification", **SETTINGS)
        cases = await prepare(platform, bus)
        # The gateway's readiness waits for all five services (two run here); its routes do not.
        wait_until(lambda: httpx.get(platform.gateway + "/healthz", timeout=2).status_code == 200, timeout=240,
                   what="the gateway")
        court = platform.token(f"court-{COURT}", "court", court_id=COURT)
        api = httpx.Client(base_url=platform.gateway + "/api", timeout=60)
        # Every case known before the batch, so that no line is rejected for a case still on its way.
        wait_until(lambda: count(platform, "ebox-", "ebox.notice_filed") >= CASES,
                   timeout=120, what="acceptance notices")
        reference = f"cause-list-{uuid.uuid4().hex[:6]}"
        answer = api.post("/court-notices/batches", headers={**court, "content-type": "application/x-ndjson"},
                          content=ndjson(cases, reference))
        assert answer.status_code == 202, answer.text
        batch = answer.json()
        assert batch["notices"] == CASES * PER_CASE and batch["status"] == "serving"
        progress = f"/court-notices/batches/{batch['batch_id']}"

        # Halfway: some chunks done, not all. Then the service dies without warning, and comes back.
        wait_until(lambda: 0 < api.get(progress, headers=court).json()["processed"] < CASES * PER_CASE / 2,
                   interval=0.05, timeout=300, what="the batch under way")
        platform["notification"].kill()
        platform["notification"].start(**SETTINGS)
        platform["notification"].wait_ready()
        done = wait_until(lambda: (b := api.get(progress, headers=court).json())["status"] == "completed" and b,
                          timeout=600, what="the batch completed")
        assert done["processed"] == CASES * PER_CASE and done["rejected"] == 0

        # Nothing lost, nothing twice: one posting, one e-box notice and one paper task per line.
        total = CASES * PER_CASE
        assert count(platform, "posting-") == total
        assert count(platform, "notice-", "notice.deposited") == total + CASES  # and each acceptance notice
        assert count(platform, "ebox-", "ebox.notice_filed") == total + CASES
        assert count(platform, "paper-", "paper_service.opened") == total + CASES
        postings = db(platform)["commits"].find({"stream": {"$regex": "^posting-"}}, {"seq": 1}).to_list(None)
        assert {p["seq"] for p in postings} == {1}
        # Every e-box notice alerted, each once: the acceptance's text and one per summons for each mobile.
        wait_until(lambda: count(platform, "notice-", "notice.alerted") == total,
                   timeout=300, what="every alert sent")
        for _, _, _, mobile in cases:
            assert db(platform)["sandbox_sms"].count_documents({"to": mobile}) == PER_CASE + 1
        # Every notice's notice.delivered published (the batch publishes a chunk's together; twice is allowed).
        deposited = {c["stream"].removeprefix("notice-") for c in db(platform)["commits"].find(
            {"stream": {"$regex": "^notice-"}, "events.type": "notice.deposited"}, {"stream": 1})}
        for _ in range(600):
            if deposited <= {e["data"]["notice_id"] for e in await bus.events("notice.delivered")}:
                break
            await asyncio.sleep(0.5)
        assert deposited <= {e["data"]["notice_id"] for e in await bus.events("notice.delivered")}
        completed = await bus.wait_for("notice_batch.completed", batch_id=batch["batch_id"])
        assert completed[0]["routing_key"] == f"court.{COURT}.notice_batch.completed"
        assert completed[0]["data"]["notices"] == total
        other = platform.token("court-IR-ISF-CIVIL", "court", court_id="IR-ISF-CIVIL")
        assert api.get(progress, headers=other).status_code == 404
    finally:
        await bus.close()

