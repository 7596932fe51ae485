"""Bad input at every step of the journey: a problem+json answer naming each field, and nothing half-stored."""

import hashlib
import hmac
import time
import uuid

import httpx

from tests.support.journey import PDF, cheque_claim_draft, citizen, ok
from tests.support.people import iranian_mobile, iranian_national_code
from tests.support.platform import wait_until
from tests.support.stores import commits
from tests.test_journey import otp_in

PROBLEM = "application/problem+json"


def errors_of(answer: httpx.Response) -> dict[str, str]:
    assert answer.headers["content-type"] == PROBLEM, answer.text
    return {e["field"]: e["code"] for e in answer.json().get("errors", [])}


def test_registration_refuses_a_bad_national_code_and_mobile_at_once(client):
    answer = client.post("/api/registrations", json={"jurisdiction": "IR", "national_id": "0499370898",
                                                     "mobile": "021 1234 5678"})
    assert answer.status_code == 422
    assert errors_of(answer) == {"national_id": "invalid-national-id", "mobile": "invalid-mobile"}
    answer = client.post("/api/registrations", json={"jurisdiction": "VN", "national_id": "12345",
                                                     "mobile": "0912345678", "nickname": "x"})
    assert errors_of(answer) == {"national_id": "value_error", "nickname": "extra_forbidden"}


def test_wrong_codes_lock_the_registration_and_a_code_is_single_use(client):
    seed = uuid.uuid4().int % 10**6
    mobile = iranian_mobile(seed)
    started = ok(client.post("/api/registrations", json={
        "jurisdiction": "IR", "national_id": iranian_national_code(seed), "mobile": mobile}), 201)
    code = wait_until(lambda: otp_in(client, mobile), timeout=15, what="code")
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    verify = f"/api/registrations/{started['registration_id']}/verify"
    lefts = []
    for _ in range(5):
        answer = client.post(verify, json={"code": wrong})
        assert answer.status_code == 422 and errors_of(answer) == {"code": "wrong-code"}
        lefts.append(answer.json()["attempts_left"])
    assert lefts == [4, 3, 2, 1, 0]
    locked = client.post(verify, json={"code": code})
    assert locked.status_code == 429 and locked.json()["type"].endswith("/registration-locked")

    seed += 1
    mobile = iranian_mobile(seed)
    started = ok(client.post("/api/registrations", json={
        "jurisdiction": "IR", "national_id": iranian_national_code(seed), "mobile": mobile}), 201)
    code = wait_until(lambda: otp_in(client, mobile), timeout=15, what="code")
    verify = f"/api/registrations/{started['registration_id']}/verify"
    ok(client.post(verify, json={"code": code}))
    assert client.post(verify, json={"code": code}).status_code == 409


def test_codes_per_mobile_are_rate_limited(client):
    seed = uuid.uuid4().int % 10**6
    body = {"jurisdiction": "IR", "national_id": iranian_national_code(seed), "mobile": iranian_mobile(seed)}
    for _ in range(5):
        ok(client.post("/api/registrations", json=body), 201)
    limited = client.post("/api/registrations", json=body)
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0


async def test_submission_answers_every_problem_at_once_and_stores_nothing(platform, client):
    headers, national_id = citizen(platform, 800)
    draft = ok(client.post("/api/filings", json={"subject_code": "mahr-claim"}, headers=headers), 201)
    before = len(await commits(platform.database("filing"), f"filing-{draft['id']}"))
    answer = client.post(f"/api/filings/{draft['id']}/submit", headers=headers)
    assert answer.status_code == 422
    assert {(e["field"], e["code"]) for e in answer.json()["errors"]} == {
        ("statement", "required"), ("parties", "applicant-required"), ("parties", "respondent-required"),
        ("claim", "claim-required"), ("documents.marriage-certificate", "document-required"),
        ("documents.identity-document", "document-required")}
    assert len(await commits(platform.database("filing"), f"filing-{draft['id']}")) == before
    assert ok(client.get(f"/api/filings/{draft['id']}", headers=headers))["status"] == "draft"


def test_parties_claim_and_documents_are_checked(platform, client):
    headers, national_id = citizen(platform, 801)
    draft = ok(client.post("/api/filings", json={"subject_code": "cheque-claim"}, headers=headers), 201)
    base = f"/api/filings/{draft['id']}"
    answer = client.put(base + "/parties", headers=headers, json={"parties": [
        {"role": "applicant", "national_id": national_id, "name": "Maryam Ahmadi", "city_id": "IR-ABK"},
        {"role": "respondent", "national_id": "1234567890", "name": "Reza Karimi", "city_id": "IR-THR"}]})
    assert answer.status_code == 422 and errors_of(answer) == {"parties.1.national_id": "invalid-national-id"}
    persian = iranian_national_code(802).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    parties = ok(client.put(base + "/parties", headers=headers, json={"parties": [
        {"role": "applicant", "national_id": national_id, "name": "Maryam Ahmadi", "city_id": "IR-ABK"},
        {"role": "respondent", "national_id": persian, "name": "Reza Karimi", "city_id": "IR-THR"}]}))["parties"]
    assert parties[1]["national_id"] == iranian_national_code(802)

    answer = client.put(base + "/claim", headers=headers, json={"claim": {"amount": 10, "currency": "VND"}})
    assert errors_of(answer) == {"claim.currency": "currency-mismatch"}
    answer = client.put(base + "/claim", headers=headers, json={"claim": {"amount": -5, "currency": "IRR"}})
    assert errors_of(answer) == {"claim.amount": "greater_than_equal"}
    typed = ok(client.put(base + "/claim", headers=headers,
                          json={"claim": {"amount": "۵۰۰٬۰۰۰٬۰۰۰", "currency": "IRR"}}))
    assert typed["claim"] == {"amount": 500_000_000, "currency": "IRR"}

    exe = b"MZ\x90\x00" + b"\x00" * 200
    answer = client.post(base + "/documents", headers=headers, data={"document_type": "cheque"},
                         files={"file": ("cheque.pdf", exe, "application/pdf")})
    assert answer.status_code == 415 and "Windows program" in answer.json()["detail"]
    answer = client.post(base + "/documents", headers=headers, data={"document_type": "cheque"},
                         files={"file": ("big.pdf", PDF + b"0" * (10 * 1024 * 1024), "application/pdf")})
    assert answer.status_code == 413 and errors_of(answer) == {"file": "too-large"}
    answer = client.post(base + "/documents", headers=headers, data={"document_type": "selfie"},
                         files={"file": ("x.pdf", PDF, "application/pdf")})
    assert errors_of(answer) == {"document_type": "unknown-document-type"}
    assert ok(client.get(base, headers=headers))["documents"] == []


def test_a_submitted_filing_cannot_change(platform, client):
    headers, national_id = citizen(platform, 803)
    draft = cheque_claim_draft(client, headers, applicant=national_id, respondent=iranian_national_code(804))
    ok(client.post(f"/api/filings/{draft['id']}/submit", headers=headers))
    answer = client.put(f"/api/filings/{draft['id']}/statement", headers=headers, json={"statement": "changed"})
    assert answer.status_code == 409 and answer.headers["content-type"] == PROBLEM
    assert client.post(f"/api/filings/{draft['id']}/submit", headers=headers).status_code == 409


def test_forged_or_stale_payment_callbacks_are_refused(client):
    body = (b'{"payment_id": "nope", "provider_reference": "r1", "status": "paid",'
            b' "amount": {"amount": 1, "currency": "IRR"}}')
    now = str(int(time.time()))
    forged = hmac.new(b"not-the-secret", f"{now}.".encode() + body, hashlib.sha256).hexdigest()
    answer = client.post("/api/payments/callback", content=body, headers={
        "content-type": "application/json", "x-provider-timestamp": now, "x-provider-signature": forged})
    assert answer.status_code == 401 and answer.headers["content-type"] == PROBLEM


def test_the_problems_a_person_reads_are_in_their_language(platform, client):
    headers, _ = citizen(platform, 805)
    draft = ok(client.post("/api/filings", json={"subject_code": "mahr-claim"}, headers=headers), 201)
    for language, expected in (("fa", "برای «مطالبه مهریه» تعیین مبلغ خواسته الزامی است."),
                               ("vi", "Loại việc 'Yêu cầu trả mahr (của hồi môn theo hôn ước)' "
                                      "phải ghi số tiền yêu cầu."),
                               ("en", "A claim amount is required for 'Claim for mahr'.")):
        answer = client.post(f"/api/filings/{draft['id']}/submit", headers=headers | {"accept-language": language})
        reasons = {e["field"]: e["reason"] for e in answer.json()["errors"]}
        assert reasons["claim"] == expected
    answer = client.post("/api/registrations", headers={"accept-language": "fa"},
                         json={"jurisdiction": "IR", "national_id": "0499370898", "mobile": "09121234567"})
    assert answer.json()["errors"] == [{"field": "national_id", "code": "invalid-national-id",
                                        "reason": "کد ملی ۱۰ رقم دارد و رقم کنترل آن باید درست باشد."}]
