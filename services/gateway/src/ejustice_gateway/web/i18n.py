"""Languages of the portal: which one a page is in, its direction, and dates, numbers and money as its reader
writes them (Jalali dates and Persian digits in fa)."""

from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.support import Translations
from fastapi import Request
from persiantools import digits
from persiantools.jdatetime import JalaliDateTime

LOCALES = Path(__file__).parent / "locales"
LANGUAGES = {"fa": "فارسی", "vi": "Tiếng Việt", "en": "English"}
DEFAULT = "fa"
COOKIE = "ej_lang"
# The reader's clock: Iran's for Persian, Vietnam's otherwise.
ZONES = {"fa": ZoneInfo("Asia/Tehran"), "vi": ZoneInfo("Asia/Ho_Chi_Minh"), "en": ZoneInfo("Asia/Tehran")}
JALALI_MONTHS = ("فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر", "دی", "بهمن",
                 "اسفند")
EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")


def direction(lang: str) -> str:
    return "rtl" if lang == "fa" else "ltr"


def choose(request: Request, preference: str | None = None) -> str:
    """The account's preference, else the language cookie, else the browser's Accept-Language, else Persian."""
    for candidate in (preference, request.cookies.get(COOKIE)):
        if candidate in LANGUAGES:
            return candidate
    for part in request.headers.get("accept-language", "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGUAGES:
            return tag
    return DEFAULT


@cache
def translations(lang: str) -> Translations:
    return Translations.load(str(LOCALES), [lang], domain="messages")


def local_digits(value: object, lang: str) -> str:
    text = str(value)
    return digits.en_to_fa(text) if lang == "fa" else text


def _moment(value: str | datetime | date) -> datetime | date:
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00")) if "T" in value else date.fromisoformat(value)
    return value


def format_date(value: str | datetime | date | None, lang: str, *, with_time: bool = False) -> str:
    """A date in the reader's calendar: Jalali in Persian ("۹ آذر ۱۴۰۵"), day/month/year in Vietnamese."""
    if value is None:
        return ""
    moment = _moment(value)
    if isinstance(moment, datetime):
        moment = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(ZONES[lang])
    clock = f" {moment:%H:%M}" if with_time and isinstance(moment, datetime) else ""
    if lang == "fa":
        jalali = JalaliDateTime(moment) if isinstance(moment, datetime) else JalaliDateTime(
            datetime(moment.year, moment.month, moment.day))
        return local_digits(f"{jalali.day} {JALALI_MONTHS[jalali.month - 1]} {jalali.year}{clock}", lang)
    if lang == "vi":
        return f"{clock.strip()} ngày {moment.day:02d}/{moment.month:02d}/{moment.year}".strip() if clock else \
            f"{moment.day:02d}/{moment.month:02d}/{moment.year}"
    return f"{moment.day} {EN_MONTHS[moment.month - 1]} {moment.year}{clock}"


def format_month(value: str | None, lang: str) -> str:
    """A calendar month ("2026-11") as its reader names it. A Gregorian month spans two Jalali months, so Persian
    readers see both ("آبان–آذر ۱۴۰۵")."""
    if not value:
        return ""
    year, month = (int(part) for part in value.split("-"))
    if lang == "fa":
        last_day = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
        first, last = (JalaliDateTime(datetime(year, month, day)) for day in (1, last_day))
        if first.year == last.year:
            text = f"{JALALI_MONTHS[first.month - 1]}–{JALALI_MONTHS[last.month - 1]} {first.year}"
        else:
            text = f"{JALALI_MONTHS[first.month - 1]} {first.year}–{JALALI_MONTHS[last.month - 1]} {last.year}"
        return local_digits(text, lang)
    if lang == "vi":
        return f"tháng {month}/{year}"
    return f"{EN_MONTHS[month - 1]} {year}"


def format_decimal(value: float, lang: str) -> str:
    """A figure with one decimal at most, in the reader's digits and decimal sign."""
    text = f"{value:,.1f}".rstrip("0").rstrip(".")
    if lang == "fa":
        return digits.en_to_fa(text.replace(",", "٬").replace(".", "٫"))
    return text.translate(str.maketrans(",.", ".,")) if lang == "vi" else text


def format_number(value: int, lang: str) -> str:
    text = format(value, ",")
    if lang == "fa":
        return digits.en_to_fa(text).replace(",", "٬")
    return text.replace(",", ".") if lang == "vi" else text


CURRENCY_NAMES = {"IRR": {"fa": "ریال", "vi": "rial", "en": "rials"}, "VND": {"fa": "دانگ", "vi": "đồng",
                                                                            "en": "dong"}}


def format_money(money: dict | None, lang: str) -> str:
    """Minor units as the reader writes the sum: rials and dong have no minor unit in use."""
    if not money:
        return ""
    names = CURRENCY_NAMES.get(money["currency"], {})
    return f"{format_number(int(money['amount']), lang)} {names.get(lang, money['currency'])}"


def locale_name(lang: str) -> str:
    return Locale.parse(lang).get_display_name(lang)


def now() -> datetime:
    return datetime.now(UTC)
