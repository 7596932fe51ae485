"""The portal's PDFs: a Persian notice and a Vietnamese receipt, read back with pdftotext.

Persian must come back as the words it was written in (shaped, right to left, in logical order), Vietnamese with
its diacritics, and each paper must carry its verification code and the address that checks it.
"""

import asyncio
import shutil
import subprocess

import pytest
from persiantools import digits

from ejustice_gateway.web.papers import service

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")

NOTICE = {
    "notice_id": "n-1", "kind": "case-accepted", "tracking_code": "428022689445", "case_number": "140509981234",
    "title": {"fa": "ثبت پرونده به شمارهٔ ۱۴۰۵۰۹۹۸۱۲۳۴", "vi": "Vụ án đã được thụ lý", "en": "Case registered"},
    "body": {"fa": "درخواست شما در دادگاه عمومی حقوقی تهران پذیرفته شد.", "vi": "Tòa án đã chấp nhận.",
             "en": "The court accepted it."},
    "delivered_at": "2026-11-30T20:00:00+00:00", "served_at": None, "viewed_at": "2026-11-30T20:05:00+00:00",
}
PAYMENT = {
    "payment_id": "p-1", "status": "paid", "amount": {"amount": 2_500_000, "currency": "VND"},
    "fee_code": "VN-CIVIL-VALUED", "fee_version": 1,
    "receipt": {"receipt_number": "979597338111", "verification_code": "28413969",
                "paid_at": "2026-11-30T20:10:00+00:00"},
}


def text_of(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "paper.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def render(template: str, lang: str, **context) -> bytes:
    return asyncio.run(service.render_pdf("http://127.0.0.1:8000/", template, lang, context))


def test_a_persian_notice_reads_back_in_persian_with_its_code(tmp_path):
    url = "http://127.0.0.1:8000/verify/paper?code=123456789012"
    pdf = render("notice_pdf.html", "fa", notice=NOTICE, code="123456789012", verify_url=url,
                 qr=service.qr_svg(url))
    text = text_of(pdf, tmp_path)
    for word in ("دادگاه", "عمومی", "حقوقی", "تهران", "پذیرفته", "عدالت", "الکترونیک"):
        assert word in text, word
    assert "۱۲۳۴۵۶۷۸۹۰۱۲" in text  # the code, in Persian digits
    assert "۴۲۸۰۲۲۶۸۹۴۴۵" in text and "آذر" in text and "۱۴۰۵" in text  # tracking code; the Jalali date
    assert "code=123456789012" in text.replace("\n", "")


def test_a_vietnamese_receipt_reads_back_in_vietnamese_with_its_code(tmp_path):
    url = "http://127.0.0.1:8000/verify/receipt?receipt_number=979597338111&verification_code=28413969"
    pdf = render("receipt_pdf.html", "vi", payment=PAYMENT, tracking_code="428022689445", code="28413969",
                 verify_url=url, qr=service.qr_svg(url))
    text = text_of(pdf, tmp_path)
    for words in ("Biên lai án phí", "Số biên lai", "Mã xác minh", "2.500.000 đồng", "01/12/2026"):
        assert words in text, words
    assert "979597338111" in text and "28413969" in text
    assert "verification_code=28413969" in text.replace("\n", "")


def test_the_same_paper_always_gets_the_same_code():
    class Settings:
        jwt_private_key = "k"

    class Runtime:
        settings = Settings()

    first = service.paper_code(Runtime(), "notice", "n-1")
    assert first == service.paper_code(Runtime(), "notice", "n-1") and len(first) == 12 and first.isdigit()
    assert first != service.paper_code(Runtime(), "filing", "n-1")
    assert digits.fa_to_en(digits.en_to_fa(first)) == first
