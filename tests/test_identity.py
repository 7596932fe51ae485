"""Identity is proven, not assumed: the gateway's proofing port, sessions and the account takeover test.

All five services run as processes; the gateway's sandboxes stand in for the mobile operators'
ownership inquiry and for the national e-ID (VNeID), with their reserved numbers (README).
"""

import base64
import json
import uuid

import httpx

from ejustice_shared.events import Envelope, FilingAccepted, Party
from tests.support.bus import Bus
from tests.support.journey import ok
from tests.support.people import iranian_mobile, iranian_national_code, seed, vietnamese_citizen_id, vietnamese_mobile
from tests.support.platform import wait_until
from tests.support.stores import commits, events_of
from tests.test_journey import bearer, otp_in

PROBLEM = "application/problem+json"
UNKNOWN_MOBILE = "+989129991{:03d}"
UNAVAILABLE_MOBILE = "+989129992{:03d}"


def start(client: httpx.Client, national_id: str, mobile: str, jurisdiction: str = "IR", **headers) -> httpx.Response:
    return client.post("/api/registrations", headers=headers,
                       json={"jurisdiction": jurisdiction, "national_id": national_id, "mobile": mobile})


def finish(client: httpx.Client, started: dict, mobile: str) -> dict:
    code = wait_until(lambda: otp_in(client, mobile), timeout=15, what="one-time code by SMS")
    return ok(client.post(f"/api/registrations/{started['registration_id']}/verify", json={"code": code}))


def register(client: httpx.Client, national_id: str, mobile: str) -> dict:
    return finish(client, ok(start(client, national_id, mobile), 201), mobile)


def refused(answer: httpx.Response, status: int) -> dict[str, str]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == PROBLEM
    return {e["field"]: e["code"] for e in answer.json().get("errors", [])}


def sms_to(client: httpx.Client, mobile: str) -> list[dict]:
    return ok(client.get("/api/sandbox-sms", params={"to": mobile}))


def claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


async def account_log(platform, jurisdiction: str, national_id: str) -> list[dict]:
    return await commits(platform.database("gateway"), f"account-{jurisdiction}-{national_id}$")


# --- mobile ownership (Iran) --------------------------------------------------------------------------


async def test_the_first_mobile_owns_a_national_code_and_another_is_refused_before_any_code_is_sent(platform, client):
    n = seed()
    national_id, owner, other = iranian_national_code(n), iranian_mobile(n), iranian_mobile(n + 1)
    started = ok(start(client, national_id, owner), 201)
    assert started["code_sent"] and started["proven_by"] == "mobile-operator"

    answer = start(client, national_id, other, **{"accept-language": "fa"})
    assert refused(answer, 403) == {"mobile": "mobile-not-owner"}
    assert answer.json()["next_step"] == "visit-service-office"
    assert "دفاتر خدمات الکترونیک قضایی" in answer.json()["errors"][0]["reason"]
    assert sms_to(client, other) == []                   # no text to a mobile that is not the owner's

    session = finish(client, started, owner)
    assert session["new_account"] and session["expires_in"] == 600
    log = await account_log(platform, "IR", national_id)
    proven = events_of(log, "account.mobile_proven")
    assert [(e["data"]["mobile"], e["data"]["method"], e["data"]["provider"]) for e in proven] == [
        (owner, "mobile-operator", "sandbox-mobile-directory")]

    again = ok(start(client, national_id, owner), 201)     # the account's own mobile: no new inquiry needed
    assert again["proven_by"] == "account-mobile"


async def test_unknown_and_unavailable_answers_open_nothing(platform, client):
    n = seed()
    national_id = iranian_national_code(n)
    unknown, unavailable = UNKNOWN_MOBILE.format(n % 1000), UNAVAILABLE_MOBILE.format(n % 1000)

    answer = start(client, national_id, unknown, **{"accept-language": "vi"})
    assert refused(answer, 403) == {"mobile": "mobile-owner-unknown"}
    assert "văn phòng dịch vụ" in answer.json()["errors"][0]["reason"]

    answer = start(client, national_id, unavailable)
    assert refused(answer, 503) == {"mobile": "proofing-unavailable"}
    assert int(answer.headers["retry-after"]) > 0 and answer.json()["retry_after"] > 0

    assert sms_to(client, unknown) == [] and sms_to(client, unavailable) == []
    assert await account_log(platform, "IR", national_id) == []
    registrations = events_of(await commits(platform.database("gateway"), "registration-"), "registration.started")
    assert national_id not in {e["data"]["national_id"] for e in registrations}
    # Neither answer claimed the national code: its owner can still register.
    assert ok(start(client, national_id, iranian_mobile(n)), 201)["proven_by"] == "mobile-operator"


# --- in person ------------------------------------------------------------------------------------------


async def test_a_clerks_check_at_the_counter_proves_the_person_and_lets_the_office_act_for_them(platform, client):
    n = seed()
    national_id, mobile = iranian_national_code(n), UNKNOWN_MOBILE.format(n % 1000)
    assert refused(start(client, national_id, mobile), 403) == {"mobile": "mobile-owner-unknown"}

    clerk = platform.token("clerk-7", "clerk", office_id="abarkuh-1")
    proof_body = {"jurisdiction": "IR", "national_id": national_id, "mobile": "0" + mobile[3:],
                  "document_kind": "national-card", "document_number": "AB123456"}
    citizen = platform.token("citizen-x", "citizen", national_id=iranian_national_code(n + 1), jurisdiction="IR")
    assert client.post("/api/identity-proofs", json=proof_body, headers=citizen).status_code == 403
    assert client.post("/api/identity-proofs", json=proof_body).status_code == 401
    assert refused(client.post("/api/identity-proofs", headers=clerk, json={**proof_body, "document_kind": "selfie"}),
                   422) == {"document_kind": "literal_error"}
    proof = ok(client.post("/api/identity-proofs", json=proof_body, headers=clerk), 201)
    assert proof["office_id"] == "abarkuh-1" and proof["clerk"] == "clerk-7" and "*" in proof["mobile"]

    # A clerk cannot act for someone without an account yet.
    on_behalf = {"jurisdiction": "IR", "national_id": national_id}
    assert refused(client.post("/api/auth/on-behalf", json=on_behalf, headers=clerk), 404) == {
        "national_id": "no-account"}

    started = ok(start(client, national_id, mobile), 201)
    assert started["proven_by"] == "in-person"
    session = finish(client, started, mobile)
    log = await account_log(platform, "IR", national_id)
    assert events_of(log, "account.registered")[0]["data"]["registered_via"] == "office"
    proven = events_of(log, "account.mobile_proven")[0]["data"]
    assert (proven["method"], proven["office_id"], proven["clerk"], proven["document_kind"], proven["reference"]) == (
        "in-person", "abarkuh-1", "clerk-7", "national-card", proof["proof_id"])

    token = ok(client.post("/api/auth/on-behalf", json=on_behalf, headers=clerk))["access_token"]
    assert claims(token)["on_behalf_of"] == session["account_id"] and claims(token)["office_id"] == "abarkuh-1"
    assert events_of(await account_log(platform, "IR", national_id), "account.acted_for_by_clerk")
    other_office = platform.token("clerk-9", "clerk", office_id="astara-1")
    assert refused(client.post("/api/auth/on-behalf", json=on_behalf, headers=other_office), 403) == {
        "national_id": "not-proven-at-office"}
    unproven = {"jurisdiction": "IR", "national_id": iranian_national_code(n + 2)}
    assert refused(client.post("/api/auth/on-behalf", json=unproven, headers=clerk), 403) == {
        "national_id": "not-proven-at-office"}
    assert client.post("/api/auth/on-behalf", json=on_behalf, headers=bearer(session)).status_code == 403


async def test_a_new_mobile_needs_a_new_proof_and_the_account_keeps_both(platform, client):
    n = seed()
    national_id, first, second = iranian_national_code(n), iranian_mobile(n), iranian_mobile(n + 1)
    account = register(client, national_id, first)
    assert refused(start(client, national_id, second), 403) == {"mobile": "mobile-not-owner"}

    clerk = platform.token("clerk-3", "clerk", office_id="astara-1")
    ok(client.post("/api/identity-proofs", headers=clerk, json={
        "jurisdiction": "IR", "national_id": national_id, "mobile": second, "document_kind": "birth-certificate",
        "document_number": "123456"}), 201)
    assert register(client, national_id, second)["account_id"] == account["account_id"]
    assert ok(start(client, national_id, second), 201)["proven_by"] == "account-mobile"
    log = await account_log(platform, "IR", national_id)
    assert [(e["data"]["mobile"], e["data"]["method"], e["data"]["office_id"])
            for e in events_of(log, "account.mobile_proven")] == [
        (first, "mobile-operator", None), (second, "in-person", "astara-1")]
    assert len(events_of(log, "account.registered")) == 1 and len(events_of(log, "account.signed_in")) == 2


# --- sessions -------------------------------------------------------------------------------------------


def refresh(client: httpx.Client, token: str) -> httpx.Response:
    return client.post("/api/auth/refresh", json={"refresh_token": token})


def test_refresh_tokens_rotate_and_a_reused_one_ends_the_session(client):
    n = seed()
    national_id, mobile = iranian_national_code(n), iranian_mobile(n)
    first = register(client, national_id, mobile)
    second = ok(refresh(client, first["refresh_token"]))
    assert second["refresh_token"] != first["refresh_token"] and second["account_id"] == first["account_id"]
    assert claims(second["access_token"])["national_id"] == national_id
    # The new access token works: the e-box, opened once notification hears of the account, is theirs.
    wait_until(lambda: client.get("/api/eboxes/me", headers=bearer(second)).status_code == 200, what="the e-box")
    third = ok(refresh(client, second["refresh_token"]))

    assert refused(refresh(client, first["refresh_token"]), 401) == {}     # a spent token comes back: stolen
    assert refresh(client, first["refresh_token"]).json()["type"].endswith("/session-revoked")
    assert refresh(client, third["refresh_token"]).json()["type"].endswith("/session-revoked")
    assert refresh(client, "not-a-token").json()["type"].endswith("/refresh-token-invalid")

    other = register(client, national_id, mobile)                          # signing in again opens a new session
    assert client.post("/api/auth/sign-out", json={"refresh_token": other["refresh_token"]}).status_code == 204
    assert refresh(client, other["refresh_token"]).json()["type"].endswith("/session-revoked")


def test_signing_out_everywhere_revokes_every_session_of_the_account(client):
    n = seed()
    national_id, mobile = iranian_national_code(n), iranian_mobile(n)
    laptop, phone = register(client, national_id, mobile), register(client, national_id, mobile)
    someone_else = register(client, iranian_national_code(n + 1), iranian_mobile(n + 1))
    assert client.post("/api/auth/sign-out-everywhere").status_code == 401
    assert client.post("/api/auth/sign-out-everywhere", headers=bearer(phone)).status_code == 204
    for session in (laptop, phone):
        assert refresh(client, session["refresh_token"]).json()["type"].endswith("/session-revoked")
    ok(refresh(client, someone_else["refresh_token"]))
    later = register(client, national_id, mobile)
    ok(refresh(client, later["refresh_token"]))


# --- Vietnam: national e-ID -----------------------------------------------------------------------------


def approve(client: httpx.Client, citizen_id: str, mobile: str, nonce: str) -> httpx.Response:
    return client.post("/api/sandbox-eid/approvals", json={"citizen_id": citizen_id, "mobile": mobile, "nonce": nonce})


async def test_a_vietnamese_citizen_registers_through_the_national_eid(platform, client):
    n = seed()
    citizen_id, mobile = vietnamese_citizen_id(n), vietnamese_mobile(n)
    started = ok(start(client, citizen_id, mobile, "VN"), 201)
    assert not started["code_sent"] and started["national_eid"]["provider"] == "sandbox-vneid"
    nonce = started["national_eid"]["nonce"]
    assert nonce in started["national_eid"]["authorize_url"]
    verify = f"/api/registrations/{started['registration_id']}/verify"
    assert refused(client.post(verify, json={"code": "123456"}), 403) == {"code": "eid-required"}
    assert sms_to(client, mobile) == []

    confirm = f"/api/registrations/{started['registration_id']}/national-eid"
    assertion = ok(approve(client, citizen_id, mobile, nonce), 201)["assertion"]
    forged = assertion[:-4] + ("AAAA" if not assertion.endswith("AAAA") else "BBBB")
    assert refused(client.post(confirm, json={"assertion": forged}), 403) == {"assertion": "eid-invalid"}
    elsewhere = ok(approve(client, citizen_id, mobile, "another-registration"), 201)["assertion"]
    assert refused(client.post(confirm, json={"assertion": elsewhere}), 403) == {"assertion": "eid-invalid"}
    # The e-ID account is the first phone's; another phone cannot approve for it.
    assert refused(approve(client, citizen_id, vietnamese_mobile(n + 1), nonce), 403) == {
        "mobile": "eid-not-your-account"}

    proven = ok(client.post(confirm, json={"assertion": assertion}))
    assert proven["code_sent"] and proven["proven_by"] == "national-eid"
    session = finish(client, started, mobile)
    assert claims(session["access_token"])["jurisdiction"] == "VN"
    log = await account_log(platform, "VN", citizen_id)
    entry = events_of(log, "account.mobile_proven")[0]["data"]
    assert (entry["method"], entry["provider"], entry["reference"]) == (
        "national-eid", "sandbox-vneid", f"vneid-{citizen_id}")
    wait_until(lambda: client.get("/api/eboxes/me", headers=bearer(session)).status_code == 200, what="the e-box")


async def test_the_eid_refuses_level_one_and_its_outage_opens_nothing(platform, client):
    n = seed()
    for serial, status, code in ((999000 + n % 100, 403, "eid-level-too-low"),
                                 (999100 + n % 100, 503, "proofing-unavailable")):
        citizen_id, mobile = vietnamese_citizen_id(n, serial=serial), vietnamese_mobile(n + serial)
        started = ok(start(client, citizen_id, mobile, "VN"), 201)
        assertion = ok(approve(client, citizen_id, mobile, started["national_eid"]["nonce"]), 201)["assertion"]
        answer = client.post(f"/api/registrations/{started['registration_id']}/national-eid",
                             json={"assertion": assertion})
        assert refused(answer, status) == {"assertion": code}
        assert sms_to(client, mobile) == []
        assert await account_log(platform, "VN", citizen_id) == []


def test_vietnamese_citizen_ids_are_checked_for_real(client):
    for bad in ("003090123456", "001490123456", "001390123456"):   # no province 003; born in 2100, in 2090
        assert refused(start(client, bad, "0912345678", "VN"), 422) == {"national_id": "invalid-national-id"}


# --- the account takeover test --------------------------------------------------------------------------


async def test_registering_a_victims_national_code_with_another_mobile_never_reaches_their_filings_or_notices(
        platform, client):
    n = seed()
    victim_id, victim_mobile, attacker_mobile = iranian_national_code(n), iranian_mobile(n), iranian_mobile(n + 1)
    victim = register(client, victim_id, victim_mobile)
    wait_until(lambda: client.get("/api/eboxes/me", headers=bearer(victim)).status_code == 200, what="the e-box")
    filing = ok(client.post("/api/filings", json={"subject_code": "cheque-claim", "jurisdiction": "IR"},
                            headers=bearer(victim)), 201)
    court_accepts = FilingAccepted(
        filing_id=filing["id"], tracking_code="140300000001", court_id="IR-THR-CIVIL",
        case_number=f"1405{n:08d}", branch_id="IR-THR-CIVIL-B12", jurisdiction="IR", accepted_by="court-clerk-1",
        parties=[Party(role="respondent", national_id=victim_id, name="Reza Karimi", city_id="IR-THR")])
    bus = await Bus(platform.namespace).open()
    try:
        await bus.publish(Envelope.wrap(court_accepts, source="court", subject=court_accepts.filing_id))
    finally:
        await bus.close()
    notices = wait_until(lambda: ok(client.get("/api/notices", headers=bearer(victim))), what="the victim's notice")
    log_before = await account_log(platform, "IR", victim_id)

    # The attacker knows the victim's national code and has their own phone.
    for mobile, status in ((attacker_mobile, 403), (UNKNOWN_MOBILE.format(n % 1000), 403),
                           (UNAVAILABLE_MOBILE.format(n % 1000), 503)):
        answer = start(client, victim_id, mobile)
        assert answer.status_code == status and "registration_id" not in answer.json() and "token" not in answer.text
        assert sms_to(client, mobile) == []
    # No other route gives them a session or a clerk's power.
    assert refresh(client, f"{uuid.uuid4().hex}.{'x' * 43}").status_code == 401
    assert client.post("/api/auth/on-behalf", json={"jurisdiction": "IR", "national_id": victim_id}).status_code == 401
    assert client.post("/api/identity-proofs", json={
        "jurisdiction": "IR", "national_id": victim_id, "mobile": attacker_mobile, "document_kind": "national-card",
        "document_number": "FAKE1234"}).status_code == 401
    assert approve(client, victim_id, attacker_mobile, "x" * 16).status_code == 422   # the e-ID is Vietnam's
    # With an account of their own, they still see nothing of the victim's.
    attacker = register(client, iranian_national_code(n + 1), attacker_mobile)
    assert attacker["account_id"] != victim["account_id"]
    assert client.get(f"/api/filings/{filing['id']}", headers=bearer(attacker)).status_code in (403, 404)
    assert ok(client.get("/api/notices", headers=bearer(attacker))) == []
    assert client.get(f"/api/notices/{notices[0]['notice_id']}", headers=bearer(attacker)).status_code in (403, 404)

    assert await account_log(platform, "IR", victim_id) == log_before   # nothing added to the victim's account
    still = ok(client.get("/api/notices", headers=bearer(victim)))
    assert still[0]["viewed_at"] is None                                  # no first view started the clock
    ok(client.get(f"/api/filings/{filing['id']}", headers=bearer(victim)))
