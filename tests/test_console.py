"""The office console in a browser: a clerk at a service office counter, through the real services.

The main path, in Persian (right to left) and in English with JavaScript off: the clerk signs in with password and
authenticator code, calls the visitor's ticket, checks their ID and registers them (a slip PDF with the e-box user
code), files a cheque claim for them with the portal's own steps, confirmed by the code on the citizen's phone,
and takes the fee on the counter's sandbox POS terminal (a declined card first in Persian), printing the receipt.
Then the office's paper-service tasks and appointments, and a suspended office's clerk refused. Every page is
checked with axe-core for WCAG 2.2 A and AA, and has the language's `lang` and `dir`. EJUSTICE_SCREENSHOTS=1
refreshes docs/screenshots/console-*.png.
"""

import os
import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pyotp
import pytest
from persiantools import digits

from ejustice_gateway.identity.accounts import account_id_for
from tests.support import browser
from tests.support.people import iranian_mobile, iranian_national_code
from tests.support.platform import Platform, wait_until
from tests.test_offices import PASSWORD, enrol, new_office, paper_task_in_astara

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(browser.chromium_path() is None, reason="Debian's chromium is not installed")

SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
SCREENSHOT_PAGES = {"sign-in", "queue", "visitor", "slip", "check", "terminal", "receipt", "papers", "appointments"}
CHEQUE_DOCUMENTS = ("cheque", "bank-certificate-of-non-payment", "identity-document")


@pytest.fixture(scope="module")
def console_platform(infrastructure):
    """A platform of the module's own: a quick sandbox terminal, and offices this module may suspend."""
    platform = Platform(settings={"PAYMENT_POS_SANDBOX_DELAY_SECONDS": "0.5", "PAYMENT_POS_TIMEOUT_SECONDS": "3",
                                  "REGISTRY_DIRECTORY_REFRESH_SECONDS": "1"}).start()
    yield platform
    platform.stop()


@pytest.fixture(scope="module")
def chromium():
    with playwright_api.sync_playwright() as playwright:
        launched = browser.launch(playwright)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def api(console_platform):
    with httpx.Client(base_url=console_platform.gateway, timeout=60) as client:
        yield client


class Counter:
    """A browser at the counter, checking every page it shows."""

    def __init__(self, chromium, gateway: str, lang: str, *, javascript: bool = True):
        self.gateway, self.lang = gateway, lang
        self.context = chromium.new_context(java_script_enabled=javascript, bypass_csp=javascript,
                                            accept_downloads=True, locale=lang)
        self.page = self.context.new_page()
        # With JavaScript off, axe runs in a twin context that shares the cookies.
        self.twin_context = None if javascript else chromium.new_context(bypass_csp=True)
        self.twin = self.twin_context.new_page() if self.twin_context else None
        self.violations: dict[str, list] = {}

    def check(self, name: str) -> None:
        page = self.page
        assert page.get_attribute("html", "lang") == self.lang, page.url
        assert page.get_attribute("html", "dir") == ("rtl" if self.lang == "fa" else "ltr"), page.url
        persian = bool(re.search("[\u0600-\u06ff]", page.inner_text("h1")))
        assert persian == (self.lang == "fa"), f"{page.url}: the heading is not in {self.lang}"
        if self.twin is None:
            found = browser.axe_violations(page)
        else:
            self.twin_context.clear_cookies()
            self.twin_context.add_cookies(self.context.cookies())
            self.twin.goto(page.url)
            found = browser.axe_violations(self.twin)
        if found:
            self.violations[f"{name} {page.url}"] = found
        if os.environ.get("EJUSTICE_SCREENSHOTS") and name in SCREENSHOT_PAGES:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"console-{self.lang}-{name}.png"), full_page=True)

    def sign_in(self, staff: dict, counter: str | None = "1") -> None:
        page = self.page
        page.goto(f"{self.gateway}/language/{self.lang}?next=/console/sign-in")
        self.check("sign-in")
        page.fill("#username", staff["username"])
        page.fill("#password", PASSWORD)
        page.fill("#totp_code", fresh_code(staff))
        if counter:
            page.fill("#counter", counter)
        page.click("form[action='/console/sign-in'] button")

    def download_text(self, selector: str, tmp_path: Path) -> str:
        with self.page.expect_download() as download:
            self.page.click(selector)
        return digits.fa_to_en(browser.pdf_text(Path(download.value.path()).read_bytes(), tmp_path))

    def close(self) -> None:
        self.context.close()
        if self.twin_context:
            self.twin_context.close()


_spent: dict[str, set[int]] = {}


def fresh_code(staff: dict) -> str:
    """The authenticator's code for a time step this account has not signed in with yet (each signs in once)."""
    totp = pyotp.TOTP(staff["totp_secret"])
    spent = _spent.setdefault(staff["username"], set())
    step = int(time.time()) // 30
    while step in spent:
        if step > int(time.time()) // 30:  # the next code is accepted early; beyond that, wait for it
            time.sleep(1)
            continue
        step += 1
    spent.add(step)
    return totp.at(step * 30)


def sms_code(api: httpx.Client, mobile: str, seen: set[str]) -> str:
    """The newest one-time code sent to this mobile that was not seen before."""
    def newest() -> str | None:
        for message in api.get("/api/sandbox-sms", params={"to": mobile}).json():  # newest first
            found = re.search(r"\b\d{6}\b", digits.fa_to_en(message["text"]))
            if found and found.group(0) not in seen:
                return found.group(0)
        return None

    code = wait_until(newest, timeout=30, what=f"a new code to {mobile}")
    seen.add(code)
    return code


def reload_until(page, selector: str) -> None:
    browser.reload_until(page, lambda: page.locator(selector).count() > 0)


def press(page, selector: str) -> None:
    """A "check again" button: the page looks again (with or without script)."""
    for _ in range(120):
        if page.locator(selector).count() == 0:
            return
        time.sleep(0.5)
        page.click(selector)
    raise AssertionError(f"{page.url} kept showing {selector}")


def run_counter_journey(counter: Counter, api: httpx.Client, platform: Platform, office: str, tmp_path: Path,
                        *, decline_first: bool) -> None:
    page, lang = counter.page, counter.lang
    operator = platform.token("operator-console", "operator")
    clerk = enrol(api, operator, office, "clerk")
    n = uuid.uuid4().int % 10**6
    national_id, mobile = iranian_national_code(n), iranian_mobile(n)
    ticket = api.post(f"/api/offices/{office}/tickets", json={"service": "e-service-registration"}).json()

    counter.sign_in(clerk)
    assert page.url.endswith("/console/queue")
    counter.check("queue")
    page.click("#call-next")
    assert digits.fa_to_en(page.locator("#current-ticket .ej-code").inner_text()).strip() == str(ticket["number"])
    counter.check("ticket")
    page.click("#serve")

    # In person: the ID document checked, the registration code read out by the visitor.
    page.goto(counter.gateway + "/console/visitor")
    page.check("#jurisdiction")
    page.fill("#national_id", digits.en_to_fa(national_id) if lang == "fa" else national_id)
    page.fill("#mobile", mobile)
    page.check("#document_kind")
    page.fill("#document_number", "B7654321")
    counter.check("visitor")
    page.click("#prove")
    assert page.url.endswith("/console/visitor/code")
    counter.check("code")
    seen: set[str] = set()
    page.fill("#code", sms_code(api, mobile, seen))
    page.click("form[action='/console/visitor/code'] button")
    press(page, "#check-again")
    user_code = digits.fa_to_en(page.locator("#user-code").inner_text()).strip()
    assert re.fullmatch(r"\d{10}", user_code)
    counter.check("slip")
    assert user_code in counter.download_text("#slip", tmp_path)

    # Filing for them: the portal's steps, under the console.
    page.click("#act")
    assert page.url.endswith("/console/filings/new")
    page.check("input[name=subject_code][value=cheque-claim]")
    counter.check("new-filing")
    page.click("form[action='/console/filings/new'] button")
    assert page.input_value("#parties-0-national_id") == national_id  # the visitor's, not the clerk's
    page.fill("#parties-0-name", "مریم احمدی" if lang == "fa" else "Maryam Ahmadi")
    page.select_option("#parties-0-city_id", "IR-ABK")
    page.fill("#parties-1-national_id", iranian_national_code(n + 1))
    page.fill("#parties-1-name", "Reza Karimi")
    page.select_option("#parties-1-city_id", "IR-THR")
    counter.check("parties")
    page.click("main form button")
    page.fill("#amount", "۵۰۰٬۰۰۰٬۰۰۰" if lang == "fa" else "500,000,000")
    page.click("main form button")
    page.fill("#statement", "The respondent's cheque bounced.")
    page.click("main form button")
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(browser.PDF)
    for document in CHEQUE_DOCUMENTS:
        page.check(f"input[name=document_type][value={document}]")
        page.set_input_files("#file", str(scan))
        page.click("form[enctype] button")
    counter.check("documents")
    page.click("main a[href$='/check']")
    assert "/console/filings/" in page.url and page.locator("#fee").is_visible()
    page.click("#send-code")
    counter.check("check")
    page.fill("#code", "000000" if "000000" not in seen else "111111")  # a wrong code first: refused, nothing sent
    page.click("#submit")
    page.locator("#code-error").wait_for()
    assert page.locator(".govuk-error-summary a[href='#code']").count() == 1  # summarised at the top, linked
    page.fill("#code", sms_code(api, mobile, seen))
    page.click("#submit")
    assert page.url.endswith("/pay"), page.url
    filing_id = page.url.split("/")[-2]

    # The fee on the counter's terminal.
    press(page, "#check-again")
    counter.check("pay")
    if decline_first:
        page.check("input[name=sandbox_outcome][value=declined]")
        page.click("#pos")
        press(page, "#check-again")
        page.locator("#not-taken").wait_for()
        counter.check("declined")
        page.click("#try-again")
    if page.locator("input[name=sandbox_outcome]").count():
        page.check("input[name=sandbox_outcome][value=approved]")
    page.click("#pos")
    press(page, "#check-again")
    receipt_number = digits.fa_to_en(page.locator("#receipt-number").inner_text()).strip()
    counter.check("terminal")
    assert receipt_number in counter.download_text("#receipt", tmp_path).replace(" ", "")
    page.goto(counter.gateway + f"/console/filings/{filing_id}/pay")
    reload_until(page, "#receipt")  # the filing learns of the payment from the payment service's event
    counter.check("receipt")

    page.goto(counter.gateway + "/console/queue")
    page.check("#outcome")
    page.click("#close")
    page.locator("#call-next").wait_for()
    closed = api.get(f"/api/offices/{office}/tickets/{ticket['ticket_id']}").json()
    assert (closed["status"], closed["outcome"], closed["clerk"]) == ("closed", "served", clerk["staff_id"])

    # The filing says the clerk filed it for the citizen, at this office, confirmed by the citizen.
    citizen = platform.token(account_id_for("IR", national_id), "citizen", national_id=national_id,
                             jurisdiction="IR")
    assert api.get(f"/api/filings/{filing_id}", headers=citizen).json()["proxied_by"] == clerk["staff_id"]
    log = api.get(f"/api/filings/{filing_id}/dossier", headers=citizen).json()
    [submission] = [e for e in log if any(ev["type"] == "filing.submitted" for ev in e["events"])]
    assert (submission["actor"]["subject"], submission["actor"]["office_id"]) == (clerk["staff_id"], office)
    assert submission["actor"]["confirmed_by_citizen"] is True
    assert counter.violations == {}, counter.violations


def test_the_counter_journey_in_persian(console_platform, chromium, api, tmp_path):
    counter = Counter(chromium, console_platform.gateway, "fa")
    try:
        run_counter_journey(counter, api, console_platform, "IR-ABK-303", tmp_path, decline_first=True)
    finally:
        counter.close()


def test_the_counter_journey_in_english_without_javascript(console_platform, chromium, api, tmp_path):
    counter = Counter(chromium, console_platform.gateway, "en", javascript=False)
    try:
        run_counter_journey(counter, api, console_platform, "IR-ABK-304", tmp_path, decline_first=False)
    finally:
        counter.close()


@pytest.fixture(scope="module")
def astara_task(console_platform, api) -> str:
    """A paper-service task for a respondent in Astara, given to the sample office there."""
    return paper_task_in_astara(api, console_platform)


@pytest.mark.parametrize("lang", ["fa", "en"])
def test_paper_service_and_appointments(lang, console_platform, chromium, api, astara_task, tmp_path):
    office = "IR-AST-403"
    clerk = enrol(api, console_platform.token("operator-console", "operator"), office, "clerk")
    counter = Counter(chromium, console_platform.gateway, lang)
    page = counter.page
    try:
        page.goto(f"{console_platform.gateway}/language/{lang}?next=/console/sign-in")
        page.fill("#username", clerk["username"])
        page.fill("#password", "not the password")
        page.fill("#totp_code", "123456")
        page.fill("#counter", "1")
        page.click("form[action='/console/sign-in'] button")
        page.locator("#_page").wait_for()  # never which part was wrong
        counter.check("sign-in-refused")
        counter.sign_in(clerk)

        page.goto(console_platform.gateway + "/console/papers")
        reload_until(page, f"a[href='/console/papers/{astara_task}']")
        counter.check("papers")
        if lang == "en":  # the Persian visit only looks; the English one records the outcome
            page.click(f"a[href='/console/papers/{astara_task}']")
            page.check("#outcome")
            page.fill("#served_on", "not a date")
            page.click("#record")
            page.locator("#served_on-error").wait_for()
            counter.check("paper-task")
            today = datetime.now(ZoneInfo("Asia/Tehran")).date().isoformat()
            page.fill("#served_on", today)
            page.click("#record")
            page.locator("#recorded").wait_for()
            assert page.locator(f"a[href='/console/papers/{astara_task}']").count() == 0
        else:
            page.click(f"a[href='/console/papers/{astara_task}']")
            counter.check("paper-task")

        day = (datetime.now(UTC) + timedelta(days=2 if lang == "fa" else 3)).astimezone(ZoneInfo("Asia/Tehran"))
        page.goto(console_platform.gateway + f"/console/appointments?day={day.date().isoformat()}")
        counter.check("appointments")
        if page.locator("#closed").count():  # a day off: the next day is open
            page.goto(console_platform.gateway + f"/console/appointments?day={(day + timedelta(days=1)).date()}")
        page.check("#slot")
        chosen = page.get_attribute("#slot", "value")
        page.check("#service-2")
        page.click("#book")
        page.locator("#booked").wait_for()
        counter.check("booked")
        assert page.locator(f"input[name=slot][value='{chosen}']").count() == 0  # booked: no longer offered
        assert counter.violations == {}, counter.violations
    finally:
        counter.close()


def test_a_suspended_offices_clerk_is_refused(console_platform, chromium, api):
    platform = console_platform
    operator = platform.token("operator-console", "operator")
    code = f"IR-QZV-0{uuid.uuid4().int % 900 + 100}"
    new_office(api, operator, code=code, kind="single-counter", counters=1, lat=36.30, lon=50.01, city="IR-QZV")
    clerk = enrol(api, operator, code, "clerk")
    counter = Counter(chromium, platform.gateway, "fa")
    page = counter.page
    try:
        counter.sign_in(clerk)
        assert page.url.endswith("/console/queue")
        api.post(f"/api/offices/{code}/licence/suspend", headers=operator, json={"reason": "inspection failed"})

        wait_until(lambda: page.goto(platform.gateway + "/console/queue").status == 403, timeout=30,
                   what="the suspension reaching the console")
        assert page.locator("#call-next").count() == 0
        counter.check("office-suspended")
        counter.sign_in(clerk)
        page.locator("#refused").wait_for()
        counter.check("sign-in-suspended")
        assert counter.violations == {}, counter.violations
    finally:
        counter.close()
