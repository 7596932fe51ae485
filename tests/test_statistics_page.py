"""The public statistics page: after a court's summons reaches two e-boxes and one paper task, and two cheque
claims are filed and paid, anyone reads the figures in Persian and English, with small counts suppressed.

The test publishes filing.submitted and payment.completed itself (as the courts test publishes filing.accepted),
so only the gateway, registry, filing (subject names) and notification run. In a browser the page passes axe-core's
WCAG 2.2 A/AA check and breaks no rule of the Content-Security-Policy; EJUSTICE_SCREENSHOTS=1 refreshes its
screenshots in docs/screenshots/.
"""

import os
import uuid
from datetime import UTC, datetime

import httpx
import pytest
import pytest_asyncio
from persiantools import digits

from ejustice_gateway.web import i18n
from ejustice_shared.events import Envelope, FilingSubmitted, Money, PaymentCompleted
from tests.support import browser
from tests.support.bus import Bus
from tests.support.people import iranian_mobile, seed
from tests.support.platform import Platform, wait_until
from tests.test_court_notices import COURT, accept_case, open_ebox, parties, post

SCREENSHOTS = browser.ROOT / "docs" / "screenshots"
FEE_CODE = "IR-CIVIL-FINANCIAL"


@pytest.fixture(scope="module")
def platform(infrastructure):
    running = Platform()
    running["gateway"].start()  # not ready without payment; its routes to the services started here answer
    running.start("registry", "filing")
    # Two of a kind are shown, one is not: the paper channel's single notice stays suppressed.
    running.start("notification", NOTIFICATION_STATISTICS_MIN_COUNT="2")
    wait_until(lambda: httpx.get(running.gateway + "/healthz", timeout=2).status_code == 200, what="gateway",
               timeout=300)
    yield running
    running.stop()


@pytest_asyncio.fixture
async def bus(platform):
    spy = await Bus(platform.namespace, ("notice.*", "paper_service.*")).open()
    yield spy
    await spy.close()


@pytest.fixture(scope="module")
def figures(platform):
    """The statistics once everything the module's first test caused is counted."""
    def counted():
        body = httpx.get(platform.gateway + "/api/statistics", timeout=30).json()
        ebox = next((r for r in body["by_channel"] if r["channel"] == "ebox"), {})
        done = ebox.get("seen") == 2 and body["filings"] and body["fees"] and body["fees"][0]["payments"] == 2
        return body if done else None
    return counted


async def test_the_statistics_page_shows_the_figures_in_persian_and_english(platform, bus, figures):
    first, second, on_paper = parties(3)
    with httpx.Client(base_url=platform.gateway + "/api", timeout=30) as api:
        readers = [await open_ebox(platform, bus, api, p.national_id, iranian_mobile(seed())) for p in (first, second)]
        filing_id = await accept_case(bus, first, second, on_paper)
        court = platform.token(f"court-{COURT}", "court", court_id=COURT)
        posted = post(api, court, {"reference": f"summons-{uuid.uuid4().hex[:8]}", "kind": "summons",
                                   "filing_id": filing_id, "deadline_days": 10,
                                   "hearing": {"at": "2027-01-20T09:30:00+03:30", "branch_id": f"{COURT}-B12",
                                               "room": "4"}})
        notices = {a["national_id"]: a["notice_id"] for a in posted["addressees"]}
        for person, headers in zip((first, second), readers, strict=True):
            assert api.get(f"/notices/{notices[person.national_id]}", headers=headers).status_code == 200
    for _ in range(2):
        filed = uuid.uuid4().hex
        await bus.publish(Envelope.wrap(FilingSubmitted(
            filing_id=filed, kind="petition", subject_code="cheque-claim", jurisdiction="IR",
            claim=Money(amount=500_000_000, currency="IRR"), filer_id=f"account-{first.national_id}", court_id=COURT),
            source="filing", subject=filed))
        payment = uuid.uuid4().hex
        await bus.publish(Envelope.wrap(PaymentCompleted(
            payment_id=payment, filing_id=filed, payer_id=f"account-{first.national_id}",
            amount=Money(amount=2_500_000, currency="IRR"), fee_code=FEE_CODE, fee_version=1,
            receipt_number=f"{seed():012d}", verification_code="123456", provider="sandbox",
            provider_reference=payment, paid_at=datetime.now(UTC).isoformat()), source="payment", subject=payment))

    body = wait_until(figures, what="statistics counted")
    month = next(r["month"] for r in body["notices"] if r["channel"] == "ebox")

    english = httpx.get(platform.gateway + "/statistics", headers={"accept-language": "en"}, timeout=60)
    assert english.status_code == 200
    page = english.text
    assert '<html lang="en" dir="ltr"' in page
    # The headline: the e-box holds each e-box party's acceptance notice and summons; only the summonses were
    # opened. Two paper notices are shown (none handed over yet); each kind alone on paper is one: suppressed.
    assert '<p class="ej-figure__number">50%</p>' in page and "seen of 4 notices" in page
    assert '<p class="ej-figure__number">0%</p>' in page and "seen of 2 notices" in page
    assert ">100%<" in page  # the summonses in the e-box
    assert page.count('<span class="ej-suppressed">too few</span>') >= 2 * 4  # the paper rows' figures
    assert i18n.format_month(month, "en") in page
    assert 'width="100.0"' in page and "Seen rate, e-box against paper" in page  # the chart, and its table
    assert "Tehran" in page  # the court by its name from the registry
    assert FEE_CODE in page and "5,000,000 rials" in page  # two fees of 2,500,000
    assert "style=" not in page and "<script>" not in page
    for person in (first, second, on_paper):
        assert person.national_id not in page and person.name not in page

    persian = httpx.get(platform.gateway + "/statistics", headers={"accept-language": "fa"}, timeout=60).text
    assert '<html lang="fa" dir="rtl"' in persian
    assert '<p class="ej-figure__number">۵۰٪</p>' in persian and "دیده‌شده از ۴ ابلاغیه" in persian
    assert "کمتر از حد نمایش" in persian
    assert i18n.format_month(month, "fa") in persian and digits.en_to_fa("1405") in persian  # a Jalali month
    assert "۵٬۰۰۰٬۰۰۰ ریال" in persian

    # Linked from the start page and every page's footer.
    home = httpx.get(platform.gateway + "/", headers={"accept-language": "en"}, timeout=60).text
    assert home.count('href="/statistics"') == 2


playwright_api = pytest.importorskip("playwright.sync_api")


@pytest.mark.skipif(browser.chromium_path() is None, reason="Debian's chromium is not installed")
@pytest.mark.parametrize("lang", ["fa", "en"])
def test_the_statistics_page_is_accessible_and_keeps_the_csp(lang, platform, figures):
    wait_until(figures, what="statistics counted")  # what the first test caused
    with playwright_api.sync_playwright() as playwright:
        chromium = browser.launch(playwright)
        try:
            # As served: no rule of the Content-Security-Policy is broken (the charts need no inline style).
            strict = chromium.new_context(locale=lang, java_script_enabled=False)
            page = strict.new_page()
            refused = []
            page.on("console", lambda message: refused.append(message.text)
                    if "Content Security Policy" in message.text else None)
            page.goto(platform.gateway + f"/language/{lang}?next=/statistics")
            assert page.get_attribute("html", "lang") == lang
            assert page.get_attribute("html", "dir") == ("rtl" if lang == "fa" else "ltr")
            assert page.locator(".ej-chart__fill").count() >= 2
            assert refused == []
            if os.environ.get("EJUSTICE_SCREENSHOTS"):
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(SCREENSHOTS / f"{lang}-statistics.png"), full_page=True)
            strict.close()
            # axe-core is injected, so this context bypasses the CSP.
            checked = chromium.new_context(locale=lang, bypass_csp=True)
            page = checked.new_page()
            page.goto(platform.gateway + f"/language/{lang}?next=/statistics")
            page.locator("summary").first.click()  # the chart's table open too
            assert browser.axe_violations(page) == []
            checked.close()
        finally:
            chromium.close()
