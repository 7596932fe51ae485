"""The citizen journey end to end, through the gateway, all five services and the court client as processes.

Register for e-service → file a cheque claim → pay the fee → the court accepts it with the
court client → both parties with an e-box get a notice, the other is served on paper →
every step is in the filing's hash-chained dossier log.
"""

import json
import subprocess
import sys
import uuid

import httpx
import pytest

from tests.support.journey import PDF, cheque_claim_draft, ok, submit
from tests.support.people import iranian_mobile, iranian_national_code
from tests.support.platform import ROOT, wait_until

PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def register(client: httpx.Client, *, national_id: str, mobile: str) -> dict:
    """Register for e-service, reading the one-time code from the sandbox SMS outbox as a phone would."""
    local = "0" + mobile.removeprefix("+98")
    started = ok(client.post("/api/registrations", json={
        "jurisdiction": "IR", "national_id": national_id.translate(PERSIAN), "mobile": local.translate(PERSIAN)}), 201)
    code = wait_until(lambda: otp_in(client, mobile), timeout=15, what="one-time code by SMS")
    return ok(client.post(f"/api/registrations/{started['registration_id']}/verify", json={"code": code}))


def otp_in(client: httpx.Client, mobile: str) -> str | None:
    messages = client.get("/api/sandbox-sms", params={"to": mobile}).json()
    for message in messages:
        digits = "".join(ch for ch in message["text"] if ch.isdigit())
        for start in range(len(digits) - 5):
            candidate = digits[start:start + 6]
            if candidate in message["text"]:
                return candidate
    return None


def bearer(session: dict) -> dict[str, str]:
    return {"authorization": f"Bearer {session['access_token']}"}


def court_client(platform, court_id: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ejustice_court_client", "--url", platform.gateway, "--client-id", f"court-{court_id}",
         "--client-secret", f"dev-secret-{court_id}", *args],
        capture_output=True, text=True, timeout=60, cwd=ROOT)


@pytest.fixture(scope="module")
def journey(platform):
    """Walk the journey once; the tests below look at what it left."""
    seed = uuid.uuid4().int % 10**6
    applicant_id, respondent_id, unregistered_id = (iranian_national_code(seed + n) for n in range(3))
    applicant_mobile, respondent_mobile = iranian_mobile(seed), iranian_mobile(seed + 1)
    with httpx.Client(base_url=platform.gateway, timeout=30) as client:
        applicant = register(client, national_id=applicant_id, mobile=applicant_mobile)
        respondent = register(client, national_id=respondent_id, mobile=respondent_mobile)
        assert applicant["new_account"]
        ebox = wait_until(lambda: client.get("/api/eboxes/me", headers=bearer(applicant)).json().get("user_code"),
                          timeout=15, what="the e-box")

        draft = cheque_claim_draft(client, bearer(applicant), applicant=applicant_id, respondent=respondent_id)
        ok(client.put(f"/api/filings/{draft['id']}/parties", headers=bearer(applicant), json={"parties": [
            {"role": "applicant", "national_id": applicant_id, "name": "Maryam Ahmadi", "city_id": "IR-ABK"},
            {"role": "respondent", "national_id": respondent_id, "name": "Reza Karimi", "city_id": "IR-THR"},
            {"role": "respondent", "national_id": unregistered_id, "name": "Ali Rostami", "city_id": "IR-THR"},
        ]}))
        submitted = submit(client, bearer(applicant), draft["id"])
        filing_id = submitted["id"]
        wait_until(lambda: ok(client.get(f"/api/filings/{filing_id}", headers=bearer(applicant)))["fee"],
                   timeout=30, what="the fee")

        key = {"idempotency-key": f"pay-{filing_id}"}
        payment = ok(client.post("/api/payments", json={"filing_id": filing_id}, headers=bearer(applicant) | key), 201)
        again = client.post("/api/payments", json={"filing_id": filing_id}, headers=bearer(applicant) | key)
        assert again.json()["payment_id"] == payment["payment_id"]
        ok(client.post(f"/api/payments/sandbox/{payment['payment_id']}/pay", json={"outcome": "paid"}), 202)
        forwarded = wait_until(
            lambda: (f := ok(client.get(f"/api/filings/{filing_id}", headers=bearer(applicant))))["status"]
            == "forwarded" and f, timeout=30, what="forwarding to the court")

        inbox = court_client(platform, "IR-THR-CIVIL", "inbox", "--json")
        other_inbox = court_client(platform, "IR-ISF-CIVIL", "inbox", "--json")
        other_accept = court_client(platform, "IR-ISF-CIVIL", "accept", filing_id, "--case-number", "1", "--branch",
                                    "IR-ISF-CIVIL-B1")
        fetched = court_client(platform, "IR-THR-CIVIL", "fetch", filing_id,
                               forwarded["documents"][0]["document_id"], "--out", str(ROOT / ".data" / "fetched.pdf"))
        accepted = court_client(platform, "IR-THR-CIVIL", "accept", filing_id, "--case-number", "140509981234",
                                "--branch", "IR-THR-CIVIL-B12")
        accepted_filing = wait_until(
            lambda: (f := ok(client.get(f"/api/filings/{filing_id}", headers=bearer(applicant))))["status"]
            == "accepted" and f, timeout=30, what="acceptance")
        notices = wait_until(lambda: ok(client.get("/api/notices", headers=bearer(applicant))), timeout=30,
                             what="the applicant's notice")
        return {"platform": platform, "applicant": applicant, "respondent": respondent, "ebox": ebox,
                "filing_id": filing_id, "submitted": submitted, "payment": payment, "inbox": inbox,
                "other_inbox": other_inbox, "other_accept": other_accept, "fetched": fetched, "accepted": accepted,
                "accepted_filing": accepted_filing, "notices": notices, "applicant_mobile": applicant_mobile,
                "unregistered": unregistered_id}


def test_submission_fixed_the_court_and_a_readable_tracking_code(journey):
    from ejustice_filing.filings.service import valid_tracking_code

    submitted = journey["submitted"]
    assert valid_tracking_code(submitted["tracking_code"])
    assert submitted["court"]["court_id"] == "IR-THR-CIVIL"
    assert "Tehran" in submitted["court"]["reason"]["en"]  # filed from Abarkuh, for the court of another province


def test_only_the_competent_court_sees_and_answers_the_filing(journey):
    assert journey["inbox"].returncode == 0, journey["inbox"].stderr
    assert journey["filing_id"] in {f["id"] for f in json.loads(journey["inbox"].stdout)}
    assert journey["other_inbox"].returncode == 0
    assert journey["filing_id"] not in {f["id"] for f in json.loads(journey["other_inbox"].stdout)}
    assert journey["other_accept"].returncode != 0 and "404" in journey["other_accept"].stderr
    assert journey["fetched"].returncode == 0, journey["fetched"].stderr
    assert (ROOT / ".data" / "fetched.pdf").read_bytes() == PDF
    assert journey["accepted"].returncode == 0, journey["accepted"].stderr
    accepted = journey["accepted_filing"]
    assert (accepted["case_number"], accepted["branch_id"]) == ("140509981234", "IR-THR-CIVIL-B12")


def test_parties_are_served_in_their_e_boxes_or_on_paper(journey):
    platform = journey["platform"]
    with httpx.Client(base_url=platform.gateway, timeout=30) as client:
        (notice,) = [n for n in journey["notices"] if n.get("case_number") == "140509981234"]
        opened = ok(client.get(f"/api/notices/{notice['notice_id']}", headers=bearer(journey["applicant"])))
        assert opened["case_number"] == "140509981234"
        respondent_notices = wait_until(lambda: ok(client.get("/api/notices", headers=bearer(journey["respondent"]))),
                                        timeout=30, what="the respondent's notice")
        assert any(n.get("case_number") == "140509981234" for n in respondent_notices)
        stranger = platform.token("stranger", "citizen", national_id=iranian_national_code(999_999),
                                  jurisdiction="IR")
        assert client.get(f"/api/notices/{notice['notice_id']}", headers=stranger).status_code == 404
        alerts = client.get("/api/sandbox-sms", params={"to": journey["applicant_mobile"]}).json()
        assert any("140509981234" in m["text"] for m in alerts)

        clerk = platform.token("clerk-1", "clerk", office_id="IR-THR-101")  # the office serving Tehran
        tasks = wait_until(lambda: [t for t in ok(client.get("/api/paper-service", headers=clerk))
                                    if t.get("filing_id") == journey["filing_id"]], timeout=30, what="paper task")
        ok(client.post(f"/api/paper-service/{tasks[0]['task_id']}/outcome", headers=clerk, json={"outcome": "served"}))


def test_the_dossier_log_records_every_step_and_verifies(journey):
    platform, filing_id = journey["platform"], journey["filing_id"]
    applicant = bearer(journey["applicant"])
    with httpx.Client(base_url=platform.gateway, timeout=30) as client:
        def types() -> set[str]:
            log = ok(client.get(f"/api/filings/{filing_id}/dossier", headers=applicant))
            return {e["type"] for entry in log for e in entry["events"]} | {
                e["data"].get("event_type") for entry in log for e in entry["events"] if e["type"] == "filing.noted"}

        expected = {"filing.opened", "filing.parties_set", "filing.claim_set", "filing.statement_set",
                    "filing.document_added", "filing.submitted", "filing.fee_recorded", "filing.paid",
                    "filing.forwarded", "filing.accepted", "notice.delivered", "notice.viewed",
                    "paper_service.requested"}
        wait_until(lambda: expected <= types(), timeout=30, what=f"dossier entries {expected}")
        log = ok(client.get(f"/api/filings/{filing_id}/dossier", headers=applicant))
        assert all(entry["prev_hash"] == before["hash"] for before, entry in zip(log, log[1:], strict=False))
        submitted = next(e for e in log if any(ev["type"] == "filing.submitted" for ev in e["events"]))
        assert submitted["actor"]["subject"] == journey["applicant"]["account_id"]
        assert ok(client.get(f"/api/filings/{filing_id}/dossier/verify", headers=applicant))["valid"] is True

        stranger = platform.token("stranger", "citizen", national_id=iranian_national_code(999_998), jurisdiction="IR")
        for path in ("", "/dossier", "/dossier/verify",
                     f"/documents/{journey['accepted_filing']['documents'][0]['document_id']}"):
            assert client.get(f"/api/filings/{filing_id}{path}", headers=stranger).status_code == 404, path
        # The respondent is a party: they see the filing too.
        assert client.get(f"/api/filings/{filing_id}", headers=bearer(journey["respondent"])).status_code == 200


def test_the_receipt_verifies(journey):
    platform = journey["platform"]
    with httpx.Client(base_url=platform.gateway, timeout=30) as client:
        payment = ok(client.get(f"/api/payments/{journey['payment']['payment_id']}",
                                headers=bearer(journey["applicant"])))
        receipt = payment["receipt"]
        verified = ok(client.get("/api/receipts/verify", params={
            "receipt_number": receipt["receipt_number"], "verification_code": receipt["verification_code"]}))
        assert verified["valid"] is True and verified["filing_id"] == journey["filing_id"]


def test_a_returned_filing_is_corrected_and_goes_back_to_the_court(platform):
    """The court returns a filing with coded reasons; the filer corrects it and it is forwarded again, unpaid twice."""
    seed = uuid.uuid4().int % 10**6
    applicant_id, respondent_id = iranian_national_code(seed), iranian_national_code(seed + 1)
    with httpx.Client(base_url=platform.gateway, timeout=30) as client:
        applicant = bearer(register(client, national_id=applicant_id, mobile=iranian_mobile(seed)))
        draft = cheque_claim_draft(client, applicant, applicant=applicant_id, respondent=respondent_id)
        filing_id = submit(client, applicant, draft["id"])["id"]
        wait_until(lambda: ok(client.get(f"/api/filings/{filing_id}", headers=applicant))["fee"], timeout=30,
                   what="the fee")
        payment = ok(client.post("/api/payments", json={"filing_id": filing_id},
                                 headers=applicant | {"idempotency-key": "k1"}), 201)
        ok(client.post(f"/api/payments/sandbox/{payment['payment_id']}/pay", json={}), 202)

        def status() -> str:
            return ok(client.get(f"/api/filings/{filing_id}", headers=applicant))["status"]

        wait_until(lambda: status() == "forwarded", timeout=30, what="forwarding")
        returned = court_client(platform, "IR-THR-CIVIL", "return", filing_id, "--reason",
                                "illegible-document:the cheque scan is unreadable", "--reason", "unsigned")
        assert returned.returncode == 0, returned.stderr
        filing = ok(client.get(f"/api/filings/{filing_id}", headers=applicant))
        assert filing["status"] == "returned"
        assert [r["code"] for r in filing["return_reasons"]] == ["illegible-document", "unsigned"]
        deficiency = wait_until(lambda: [n for n in ok(client.get("/api/notices", headers=applicant))
                                         if n.get("filing_id") == filing_id], timeout=30, what="deficiency notice")
        assert deficiency

        ok(client.post(f"/api/filings/{filing_id}/documents", headers=applicant, data={"document_type": "cheque"},
                       files={"file": ("cheque-rescanned.pdf", PDF + b"%rescan\n", "application/pdf")}), 201)
        again = submit(client, applicant, filing_id)
        assert again["status"] == "forwarded" and again["payment"]["payment_id"] == payment["payment_id"]
        accepted = court_client(platform, "IR-THR-CIVIL", "accept", filing_id, "--case-number", "140509981299",
                                "--branch", "IR-THR-CIVIL-B15")
        assert accepted.returncode == 0, accepted.stderr
        assert status() == "accepted"
