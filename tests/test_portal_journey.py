"""The citizen portal in a browser: from sign-up to reading the acceptance notice and downloading the receipt.

Runs in Persian (Iran, right to left) and Vietnamese (Vietnam, with the national e-ID), and once in English with
JavaScript off. Every page on the way is checked with axe-core for WCAG 2.2 A and AA (with JavaScript off, in a
twin browser context that shares the cookies). Set EJUSTICE_SCREENSHOTS=1 to refresh docs/screenshots/.
"""

import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from persiantools import digits

from tests.support import browser
from tests.support.people import iranian_mobile, iranian_national_code, seed, vietnamese_citizen_id, vietnamese_mobile

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(browser.chromium_path() is None, reason="Debian's chromium is not installed")

# A word of the acceptance notice's title in each language, as the PDF's text gives it back.
ACCEPTED = {"fa": "پذیرفته", "vi": "thụ lý", "en": "accepted"}
SCREENSHOT_PAGES = {"home", "sign-in", "new-filing", "parties", "check", "case", "receipt", "before-opening",
                    "notice"}
SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


@dataclass
class Person:
    lang: str
    jurisdiction: str
    national_id: str
    mobile: str
    name: str
    city: str
    respondent_id: str
    respondent_city: str
    subject: str
    documents: tuple[str, ...]
    amount: str


def person(lang: str) -> Person:
    n = seed()
    if lang == "vi":
        return Person("vi", "VN", vietnamese_citizen_id(n), vietnamese_mobile(n), "Nguyễn Thị Lan", "VN-HN",
                      vietnamese_citizen_id(n + 1), "VN-HCM", "damages", ("evidence-of-loss", "identity-document"),
                      "50.000.000")
    return Person(lang, "IR", iranian_national_code(n), iranian_mobile(n), "مریم احمدی" if lang == "fa" else
                  "Maryam Ahmadi", "IR-ABK", iranian_national_code(n + 1), "IR-THR", "cheque-claim",
                  ("cheque", "bank-certificate-of-non-payment", "identity-document"),
                  "۵۰۰٬۰۰۰٬۰۰۰" if lang == "fa" else "500,000,000")


@dataclass
class Visit:
    """The browser a person uses, and the checks made on every page it shows."""

    page: object
    gateway: str
    lang: str
    twin: object | None = None  # a JavaScript-enabled context for axe when the person's has JavaScript off
    violations: dict = field(default_factory=dict)
    shots: list = field(default_factory=list)

    def check(self, name: str) -> None:
        page = self.page
        assert page.get_attribute("html", "lang") == self.lang, page.url
        assert page.get_attribute("html", "dir") == ("rtl" if self.lang == "fa" else "ltr"), page.url
        if self.twin is None:
            found = browser.axe_violations(page)
        else:
            self.twin.context.clear_cookies()
            self.twin.context.add_cookies(page.context.cookies())
            self.twin.goto(page.url)
            found = browser.axe_violations(self.twin)
        if found:
            self.violations[f"{name} {page.url}"] = found
        if os.environ.get("EJUSTICE_SCREENSHOTS") and name in SCREENSHOT_PAGES:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"{self.lang}-{name}.png"), full_page=True)


def run_journey(visit: Visit, who: Person, tmp_path: Path) -> None:
    page, gateway = visit.page, visit.gateway
    page.goto(gateway + "/")
    page.click(f"a[hreflang={who.lang}]")
    visit.check("home")

    page.click("main a[href='/sign-in']")
    page.check("#jurisdiction" if who.jurisdiction == "IR" else "#jurisdiction-2")
    page.fill("#national_id", digits.en_to_fa(who.national_id) if who.lang == "fa" else who.national_id)
    page.fill("#mobile", who.mobile)
    visit.check("sign-in")
    page.click("form[action='/sign-in'] button")
    if who.jurisdiction == "VN":
        visit.check("national-eid")
        page.click("form[action='/sign-in/national-eid/sandbox'] button")
    visit.check("code")
    page.fill("#code", browser.sms_code(gateway, who.mobile))
    page.click("form[action='/sign-in/code'] button")
    assert page.url.endswith("/cases")

    page.click("main a[href='/filings/new']")
    page.check(f"input[name=subject_code][value={who.subject}]")
    visit.check("new-filing")
    page.click("form[action='/filings/new'] button")

    assert page.input_value("#parties-0-national_id") == who.national_id  # the person's own, from their sign-in
    page.fill("#parties-0-name", who.name)
    page.select_option("#parties-0-city_id", who.city)
    page.fill("#parties-1-national_id", who.respondent_id)
    page.fill("#parties-1-name", "Reza Karimi" if who.jurisdiction == "IR" else "Trần Văn Bình")
    page.select_option("#parties-1-city_id", who.respondent_city)
    visit.check("parties")
    page.click("main form button")
    page.fill("#amount", who.amount)
    page.click("main form button")
    page.fill("#statement", "The respondent's cheque bounced." if who.jurisdiction == "IR" else "Bị đơn gây thiệt hại.")
    page.click("main form button")
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(browser.PDF)
    for document in who.documents:
        page.check(f"input[name=document_type][value={document}]")
        page.set_input_files("#file", str(scan))
        page.click("form[enctype] button")
    visit.check("documents")
    page.click("main a[href$='/check']")
    assert page.locator("#fee").is_visible() and page.locator("#court").is_visible()
    visit.check("check")
    page.click("form[action$='/submit'] button")
    filing_id = page.url.rsplit("/", 1)[1]

    browser.reload_until(page, lambda: page.locator("form[action$='/pay']").count() > 0)
    visit.check("case")
    page.click("form[action$='/pay'] button")
    page.click("button[value=paid]")  # the payment provider's own page
    browser.reload_until(page, lambda: page.locator(".govuk-panel--confirmation").count() > 0)
    visit.check("receipt")
    receipt_number = digits.fa_to_en(page.locator(".govuk-panel__body .ej-code").inner_text()).strip()
    with page.expect_download() as download:
        page.click("main a[href^='/papers/receipts/']")
    text = digits.fa_to_en(browser.pdf_text(Path(download.value.path()).read_bytes(), tmp_path))
    assert receipt_number in text
    receipt_code = re.search(r"verification_code=(\d{8})", text.replace("\n", "")).group(1)
    page.goto(gateway + f"/verify/receipt?receipt_number={receipt_number}&verification_code={receipt_code}")
    assert page.locator(".govuk-panel--confirmation").is_visible()  # the receipt's own code verifies it

    court_accepts(gateway, who, filing_id)
    page.goto(gateway + "/ebox")
    browser.reload_until(page, lambda: page.locator("main table a").count() > 0)
    visit.check("ebox")
    page.click("main table a")
    assert page.locator(".govuk-warning-text").is_visible()  # what opening means, before opening
    visit.check("before-opening")
    page.click("main form button")
    assert page.locator("a[href^='/papers/notices/']").is_visible()
    visit.check("notice")
    with page.expect_download() as download:
        page.click("main a[href^='/papers/notices/']")
    text = digits.fa_to_en(browser.pdf_text(Path(download.value.path()).read_bytes(), tmp_path))
    assert ACCEPTED[who.lang] in text and "140509981234" in text
    paper_code = re.search(r"code=(\d{12})", text.replace("\n", "")).group(1)
    page.goto(gateway + f"/verify/paper?code={paper_code}")
    assert page.locator(".govuk-panel--confirmation").is_visible()  # anyone can check the notice's code
    visit.check("verified-notice")

    page.goto(gateway + f"/cases/{filing_id}?verify=true")
    assert page.locator(".govuk-panel--confirmation").is_visible()
    visit.check("case-verified")
    code = digits.fa_to_en(page.locator(".ej-code").first.inner_text()).strip()
    assert code.isdigit()
    page.goto(gateway + "/verify")
    visit.check("verify")
    assert visit.violations == {}, visit.violations


def court_accepts(gateway: str, who: Person, filing_id: str) -> None:
    with httpx.Client(base_url=gateway, timeout=30) as api:
        court = api.get("/api/jurisdiction/competent-court", params={
            "subject_code": who.subject, "jurisdiction": who.jurisdiction, "applicant_city": who.city,
            "respondent_city": who.respondent_city}).json()["court_id"]
        branch = next(c for c in api.get("/api/courts", params={"jurisdiction": who.jurisdiction}).json()
                      if c["court_id"] == court)["branches"][0]["branch_id"]
        token = api.post("/api/auth/court-token", json={"client_id": f"court-{court}",
                                                        "client_secret": f"dev-secret-{court}"}).json()
        headers = {"authorization": f"Bearer {token['access_token']}"}
        for _ in range(120):  # forwarded once the fee is paid
            if api.get(f"/api/court/filings/{filing_id}", headers=headers).status_code == 200:
                break
            time.sleep(0.5)
        answer = api.post(f"/api/court/filings/{filing_id}/accept", headers=headers,
                          json={"case_number": "140509981234", "branch_id": branch})
        assert answer.status_code == 200, answer.text


@pytest.fixture(scope="module")
def chromium():
    with playwright_api.sync_playwright() as playwright:
        launched = browser.launch(playwright)
        yield launched
        launched.close()


@pytest.mark.parametrize("lang", ["fa", "vi"])
def test_whole_journey_in_a_browser(lang, platform, chromium, tmp_path):
    context = chromium.new_context(bypass_csp=True, accept_downloads=True, locale=lang)
    try:
        run_journey(Visit(context.new_page(), platform.gateway, lang), person(lang), tmp_path)
    finally:
        context.close()


def test_whole_journey_with_javascript_off(platform, chromium, tmp_path):
    context = chromium.new_context(java_script_enabled=False, accept_downloads=True, locale="en")
    twin = chromium.new_context(bypass_csp=True)
    try:
        run_journey(Visit(context.new_page(), platform.gateway, "en", twin=twin.new_page()), person("en"),
                    tmp_path)
    finally:
        context.close()
        twin.close()


def tab_to(page, selector: str, *, limit: int = 150) -> None:
    """Press Tab until the focus is on the element: as someone without a mouse moves through the page."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector} on {page.url}")


def arrow_to(page, value: str, *, limit: int = 40) -> None:
    """Arrow keys move through a radio group or a closed select until the value is chosen."""
    for _ in range(limit):
        if page.evaluate("v => document.activeElement.value === v", value):
            if page.evaluate("() => document.activeElement.type === 'radio' && !document.activeElement.checked"):
                page.keyboard.press("Space")
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"the arrow keys never chose {value} on {page.url}")


def type_into(page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(text)


def test_filing_form_by_keyboard_only(platform, chromium, tmp_path):
    """After signing in, the whole filing form is completed and submitted with the keyboard alone."""
    who = person("en")
    context = chromium.new_context(locale="en")
    page = context.new_page()
    try:
        gateway = platform.gateway
        page.goto(gateway + "/language/en?next=/sign-in")
        page.check("#jurisdiction")
        page.fill("#national_id", who.national_id)
        page.fill("#mobile", who.mobile)
        page.click("form[action='/sign-in'] button")
        page.fill("#code", browser.sms_code(gateway, who.mobile))
        page.click("form[action='/sign-in/code'] button")

        page.goto(gateway + "/filings/new")
        tab_to(page, "input[name=subject_code]")
        arrow_to(page, who.subject)
        tab_to(page, "form[action='/filings/new'] button")
        page.keyboard.press("Enter")
        page.wait_for_url("**/parties")

        type_into(page, "#parties-0-name", who.name)
        tab_to(page, "#parties-0-city_id")
        arrow_to(page, who.city)
        type_into(page, "#parties-1-national_id", who.respondent_id)
        type_into(page, "#parties-1-name", "Reza Karimi")
        tab_to(page, "#parties-1-city_id")
        arrow_to(page, who.respondent_city)
        tab_to(page, "main form button")
        page.keyboard.press("Enter")
        page.wait_for_url("**/claim")
        type_into(page, "#amount", who.amount)
        page.keyboard.press("Enter")  # Enter in a text field sends its form
        page.wait_for_url("**/statement")
        type_into(page, "#statement", "The respondent's cheque bounced on presentation.")
        tab_to(page, "main form button")
        page.keyboard.press("Enter")
        page.wait_for_url("**/documents")
        scan = tmp_path / "scan.pdf"
        scan.write_bytes(browser.PDF)
        for document in who.documents:
            tab_to(page, "input[name=document_type]")
            arrow_to(page, document)
            tab_to(page, "#file")
            with page.expect_file_chooser() as chooser:
                page.keyboard.press("Space")
            chooser.value.set_files(str(scan))
            tab_to(page, "form[enctype] button")
            with page.expect_navigation():
                page.keyboard.press("Enter")
        tab_to(page, "main a[href$='/check']")
        page.keyboard.press("Enter")
        page.wait_for_url("**/check")
        tab_to(page, "form[action$='/submit'] button")
        page.keyboard.press("Enter")
        page.wait_for_url("**/cases/*")
        assert page.locator(".ej-code").first.inner_text().strip().isdigit()  # submitted: it has a tracking code
    finally:
        context.close()
