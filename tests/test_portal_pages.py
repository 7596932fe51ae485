"""The portal's pages over plain HTTP: languages, headers, CSRF, friendly errors; organisations as parties."""

import base64
import json
import re
import socket
import uuid

import httpx
import pytest

from ejustice_gateway.web.filing.service import resume_step
from ejustice_gateway.web.i18n import format_date, local_digits
from ejustice_shared.people import (
    valid_iranian_legal_entity_id,
    valid_organisation_id,
    valid_vietnamese_enterprise_code,
)
from tests.support.bus import Bus
from tests.support.journey import ok
from tests.support.people import iranian_mobile, iranian_national_code, seed
from tests.support.platform import wait_until
from tests.test_court_notices import COURT, accept_case, open_ebox, parties, post


@pytest.fixture
def page(platform):
    with httpx.Client(base_url=platform.gateway, timeout=30) as client:
        yield client


def html_lang(answer: httpx.Response) -> tuple[str, str]:
    found = re.search(r'<html lang="(\w+)" dir="(\w+)"', answer.text)
    return found.group(1), found.group(2)


def test_language_by_cookie_then_accept_language_then_persian(page):
    assert html_lang(page.get("/")) == ("fa", "rtl")
    assert html_lang(page.get("/", headers={"accept-language": "vi-VN,vi;q=0.9,en;q=0.5"})) == ("vi", "ltr")
    switched = page.get("/language/en", params={"next": "/verify"})
    assert switched.status_code == 303 and switched.headers["location"] == "/verify"
    assert html_lang(page.get("/", headers={"accept-language": "vi", "cookie": "ej_lang=en"})) == ("en", "ltr")
    # The switcher never sends anyone to another site.
    assert page.get("/language/fa", params={"next": "https://elsewhere.example/"}).headers["location"] == "/"
    assert page.get("/language/fa", params={"next": "//elsewhere.example/"}).headers["location"] == "/"


def test_every_page_has_strict_headers_and_cookie_rules(page):
    answer = page.get("/sign-in")
    csp = answer.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert answer.headers["x-content-type-options"] == "nosniff"
    cookie = answer.headers["set-cookie"].lower()
    assert "ej_csrf=" in cookie and "httponly" in cookie and "secure" in cookie and "samesite=strict" in cookie
    assert 'name="csrf_token"' in answer.text
    assert "<script>" not in answer.text and " style=" not in answer.text  # nothing inline for the CSP to allow
    language = page.get("/language/vi").headers["set-cookie"].lower()
    assert "httponly" in language and "secure" in language and "samesite=lax" in language


def test_a_form_without_its_token_is_refused(page):
    form = {"jurisdiction": "IR", "national_id": "0012424862", "mobile": "09121234567"}
    refused = page.post("/sign-in", data=form)
    assert refused.status_code == 403 and "<html" in refused.text
    forged = page.post("/sign-in", data={**form, "csrf_token": "forged"}, headers={"cookie": "ej_csrf=another"})
    assert forged.status_code == 403


def csrf(page: httpx.Client, path: str) -> tuple[str, str]:
    """A form's CSRF token and its cookie (sent by hand: the cookie is Secure and the test speaks plain HTTP)."""
    answer = page.get(path)
    token = re.search(r'name="csrf_token" value="([^"]+)"', answer.text).group(1)
    return token, answer.cookies["ej_csrf"]


def office_codes(text: str) -> set[str]:
    return set(re.findall(r"<strong>([^<]+)</strong>", text.split('class="govuk-list govuk-list--bullet ej-offices"')[1]
                          .split("</ul>")[0]))


def test_a_refused_identity_lists_the_capitals_offices_and_a_city_choice_changes_them(page, platform):
    n = seed()
    national_id, owner, other = iranian_national_code(n), iranian_mobile(n), iranian_mobile(n + 1)
    ok(page.post("/api/registrations", json={"jurisdiction": "IR", "national_id": national_id, "mobile": owner}), 201)
    token, cookie = csrf(page, "/sign-in")
    refused = page.post("/sign-in", headers={"cookie": f"ej_csrf={cookie}", "accept-language": "en"}, data={
        "jurisdiction": "IR", "national_id": national_id, "mobile": other, "csrf_token": token})
    assert refused.status_code == 403, refused.text
    tehran = office_codes(refused.text)
    assert tehran and '<option value="IR-THR" selected>Tehran</option>' in refused.text
    offices = ok(page.get("/api/offices", params={"city_id": "IR-THR"}))
    assert tehran == {o["name"] for o in offices}
    assert ("Open now" in refused.text) == any(o["opening"] == "open" for o in offices)
    assert "people waiting" in refused.text or "person waiting" in refused.text

    isfahan = page.get("/service-offices", params={"jurisdiction": "IR", "city_id": "IR-ISF"},
                       headers={"accept-language": "fa"})
    assert isfahan.status_code == 200 and '<option value="IR-ISF" selected>اصفهان</option>' in isfahan.text
    chosen = office_codes(isfahan.text)
    assert chosen == {o["name"] for o in ok(page.get("/api/offices", params={"city_id": "IR-ISF"}))}
    assert chosen and chosen.isdisjoint(tehran)
    # An unknown city falls back to the capital rather than to an empty list.
    assert office_codes(page.get("/service-offices", params={"city_id": "XX-NOPE"}).text) == tehran


async def test_a_notice_with_a_deadline_says_its_days_before_opening_and_its_date_after(page, platform):
    api = httpx.Client(base_url=platform.gateway + "/api", timeout=30)
    bus = await Bus(platform.namespace, ("notice.*",)).open()
    try:
        addressee, other = parties(2)
        citizen = await open_ebox(platform, bus, api, addressee.national_id, iranian_mobile(seed()))
        filing_id = await accept_case(bus, addressee, other)
    finally:
        await bus.close()
    court = platform.token(f"court-{COURT}", "court", court_id=COURT)
    posted = post(api, court, {"reference": f"summons-{uuid.uuid4().hex[:8]}", "kind": "summons",
                               "filing_id": filing_id, "deadline_days": 10,
                               "hearing": {"at": "2026-12-20T09:30:00+03:30", "branch_id": f"{COURT}-B12",
                                           "room": "4"}})
    notice_id = next(a["notice_id"] for a in posted["addressees"] if a["national_id"] == addressee.national_id)
    access = citizen["authorization"].removeprefix("Bearer ")
    web = base64.urlsafe_b64encode(json.dumps({"access_token": access, "refresh_token": "unused",
                                               "jurisdiction": "IR", "lang": "fa"}).encode()).decode()
    signed_in = {"cookie": f"ej_session={web}", "accept-language": "fa"}
    before = wait_until(lambda: (a := page.get(f"/ebox/{notice_id}", headers=signed_in)).status_code == 200 and a,
                        what="the notice in the e-box")
    assert f"از روز ابلاغ {local_digits(10, 'fa')} روز" in before.text
    token, cookie = csrf(page, "/sign-in")
    opened = page.post(f"/ebox/{notice_id}/open", data={"csrf_token": token},
                       headers={**signed_in, "cookie": f"ej_session={web}; ej_csrf={cookie}"})
    assert opened.status_code == 303
    deadline = wait_until(lambda: api.get(f"/notices/{notice_id}/deadline", headers=citizen).json()["deadline"],
                          what="the deadline set")
    shown = page.get(f"/ebox/{notice_id}", headers=signed_in).text
    assert "مهلت" in shown and format_date(deadline["ends_at"], "fa") in shown
    assert format_date(deadline["ends_at"], "fa") != format_date(deadline["served_at"], "fa")
    api.close()


def test_errors_are_friendly_pages_in_the_readers_language(page):
    missing = page.get("/no-such-page", headers={"accept-language": "fa"})
    assert missing.status_code == 404 and html_lang(missing) == ("fa", "rtl") and "صفحه پیدا نشد" in missing.text
    assert "Traceback" not in missing.text
    assert page.get("/api/no-such-resource").headers["content-type"].startswith("application/problem+json")
    signed_out = page.get("/cases")  # pages that need a sign-in send the person there
    assert signed_out.status_code == 303 and signed_out.headers["location"] == "/sign-in?next=/cases"
    too_large = announced_upload(page.base_url, 30 * 1024 * 1024, "vi")
    assert too_large.startswith("HTTP/1.1 413") and "Tệp quá lớn" in too_large


def announced_upload(base_url: httpx.URL, size: int, lang: str) -> str:
    """An upload announcing more than the portal takes: refused before a byte of it is read."""
    with socket.create_connection((base_url.host, base_url.port), timeout=30) as sock:
        sock.sendall((f"POST /filings/x/documents HTTP/1.1\r\nHost: {base_url.host}\r\nAccept-Language: {lang}\r\n"
                      f"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: {size}\r\n"
                      "Connection: close\r\n\r\n").encode())
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer.decode("utf-8", "replace")


def test_verification_pages_answer_anyone(page):
    answer = page.get("/verify/paper", params={"code": "۱۲۳۴ ۵۶۷۸ ۹۰۱۲"}, headers={"accept-language": "en"})
    assert answer.status_code == 200 and "No paper matches this code" in answer.text
    receipt = page.get("/verify/receipt", params={"receipt_number": "979597338111", "verification_code": "1"},
                       headers={"accept-language": "en"})
    assert receipt.status_code == 200 and "No receipt matches" in receipt.text


def test_organisation_ids_have_their_check_digits():
    assert valid_iranian_legal_entity_id("10380284790")
    assert not valid_iranian_legal_entity_id("10380284791") and not valid_iranian_legal_entity_id("11111111111")
    assert valid_vietnamese_enterprise_code("0100109106") and valid_vietnamese_enterprise_code("0100109106001")
    assert not valid_vietnamese_enterprise_code("0100109107")
    assert not valid_vietnamese_enterprise_code("0100109106000")
    assert valid_organisation_id("10380284790", "IR") and not valid_organisation_id("10380284790", "VN")


def test_an_organisation_files_through_the_person_who_represents_it(platform, client):
    national_id = iranian_national_code(seed())
    headers = platform.token(f"citizen-{national_id}", "citizen", national_id=national_id, jurisdiction="IR")
    draft = ok(client.post("/api/filings", json={"subject_code": "cheque-claim", "jurisdiction": "IR"},
                           headers=headers), 201)
    base = f"/api/filings/{draft['id']}/parties"
    respondent = {"role": "respondent", "national_id": iranian_national_code(seed()), "name": "Reza Karimi",
                  "city_id": "IR-THR"}
    company = {"role": "applicant", "kind": "organisation", "national_id": "۱۰۳۸۰۲۸۴۷۹۰", "name": "Sahand Trading Co.",
               "city_id": "IR-ABK"}

    refused = client.put(base, headers=headers, json={"parties": [
        {**company, "national_id": "10380284791"}, respondent]})
    assert refused.status_code == 422
    fields = {e["field"] for e in refused.json()["errors"]}
    assert {"parties.0.national_id", "parties.0.representative", "parties"} <= fields

    someone_else = client.put(base, headers=headers, json={"parties": [
        {**company, "representative": {"national_id": iranian_national_code(seed()), "name": "Ali"}}, respondent]})
    assert {e["field"] for e in someone_else.json()["errors"]} == {"parties"}  # the filer must be its representative

    saved = ok(client.put(base, headers=headers, json={"parties": [
        {**company, "representative": {"national_id": national_id, "name": "Maryam Ahmadi", "position": "Director"}},
        respondent]}))
    applicant = saved["parties"][0]
    assert applicant["kind"] == "organisation" and applicant["national_id"] == "10380284790"
    assert applicant["representative"] == {"national_id": national_id, "name": "Maryam Ahmadi",
                                           "position": "Director"}
    dossier = ok(client.get(f"/api/filings/{draft['id']}/dossier", headers=headers))
    recorded = [e["data"] for entry in dossier for e in entry["events"] if e["type"] == "filing.parties_set"]
    assert recorded[-1]["parties"][0]["representative"]["national_id"] == national_id  # in the dossier


def test_a_draft_resumes_where_it_was_left():
    cheque = {"code": "cheque-claim", "claim_required": True, "documents_required": ["cheque", "identity-document"]}
    draft = {"parties": [], "claim": None, "statement": None, "documents": []}
    assert resume_step(draft, cheque) == "parties"
    draft["parties"] = [{"role": "applicant"}]
    assert resume_step(draft, cheque) == "claim"
    assert resume_step(draft, {**cheque, "claim_required": False}) == "statement"
    draft |= {"claim": {"amount": 1, "currency": "IRR"}, "statement": "…", "documents": [{"document_type": "cheque"}]}
    assert resume_step(draft, cheque) == "documents"
    draft["documents"].append({"document_type": "identity-document"})
    assert resume_step(draft, cheque) == "check"
