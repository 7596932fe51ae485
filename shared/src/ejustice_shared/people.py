"""Personal numbers and text as people type them: Persian and Arabic digits, spaces, dashes, any Unicode form.

The annotated types below normalise first, then validate, so every model that uses them
accepts "۰۴۹۹-۳۷۰-۸۹۹" and stores "0499370899".
"""

import re
import unicodedata
from datetime import date
from typing import Annotated, Literal

import phonenumbers
from persiantools import digits
from pydantic import AfterValidator, BeforeValidator

Jurisdiction = Literal["IR", "VN"]


def normalize_text(value: str) -> str:
    """NFC, with Persian and Arabic-Indic digits as ASCII digits."""
    return digits.fa_to_en(digits.ar_to_fa(unicodedata.normalize("NFC", value)))


def only_digits(value: str) -> str:
    """The digits of a number as typed: separators dropped, Persian and Arabic digits made ASCII."""
    return "".join(ch for ch in normalize_text(value) if not ch.isspace() and ch not in "-_./")


# Thousands grouped with dots, as Vietnamese write them ("500.000.000"): only whole groups of three, so that a
# decimal such as "12.5" is never read as a whole number.
_DOT_GROUPED = re.compile(r"^\d{1,3}(\.\d{3})+$")


def typed_number(value: object) -> object:
    """A whole number typed as text ("۵۰۰٬۰۰۰", "500,000", "500.000") becomes its digits; anything else is judged
    as it is."""
    if isinstance(value, str):
        text = normalize_text(value).strip().replace(",", "").replace("٬", "").replace(" ", "")
        if _DOT_GROUPED.match(text):
            text = text.replace(".", "")
        return text if text.isdigit() else value
    return value


def valid_iranian_national_code(code: str) -> bool:
    """Iran's 10-digit national code (کد ملی): the last digit checks the first nine."""
    if len(code) != 10 or not code.isdigit() or len(set(code)) == 1:
        return False
    total = sum(int(code[i]) * (10 - i) for i in range(9)) % 11
    check = int(code[9])
    return check == total if total < 2 else check == 11 - total


# Where the citizen ID was first registered: the 63 provinces and centrally run cities, by the codes of the
# Ministry of Public Security's circular on citizen ID numbers (07/2016/TT-BCA, as amended by 59/2021/TT-BCA).
# IDs keep their code after provinces merge, so the list stays as issued.
VIETNAMESE_PROVINCE_CODES = frozenset({
    "001", "002", "004", "006", "008", "010", "011", "012", "014", "015", "017", "019", "020", "022", "024", "025",
    "026", "027", "030", "031", "033", "034", "035", "036", "037", "038", "040", "042", "044", "045", "046", "048",
    "049", "051", "052", "054", "056", "058", "060", "062", "064", "066", "067", "068", "070", "072", "074", "075",
    "077", "079", "080", "082", "083", "084", "086", "087", "089", "091", "092", "093", "094", "095", "096",
})


def vietnamese_birth_year(code: str) -> int | None:
    """The birth year a citizen ID encodes: its 4th digit is the century (0/1: 1900s, 2/3: 2000s, ...; even for
    men, odd for women), its 5th and 6th the year within it. None if the number is not a citizen ID."""
    if len(code) != 12 or not code.isdigit() or code[:3] not in VIETNAMESE_PROVINCE_CODES:
        return None
    return 1900 + int(code[3]) // 2 * 100 + int(code[4:6])


def valid_vietnamese_citizen_id(code: str, *, today: date | None = None) -> bool:
    """Vietnam's 12-digit citizen ID (CCCD): province (3), sex and century (1), birth year (2), serial (6).

    The province must be one that issues IDs, and the century and year must name a year that has begun."""
    year = vietnamese_birth_year(code)
    return year is not None and year <= (today or date.today()).year


def valid_national_id(code: str, jurisdiction: Jurisdiction) -> bool:
    if jurisdiction == "IR":
        return valid_iranian_national_code(code)
    return valid_vietnamese_citizen_id(code)


# Iran's legal-entity national ID (شناسه ملی اشخاص حقوقی): 11 digits; the check digit comes from the first ten, each
# raised by the tenth digit plus two and weighted, modulo 11 (10 counts as 0).
_LEGAL_ENTITY_WEIGHTS = (29, 27, 23, 19, 17, 29, 27, 23, 19, 17)
# Vietnam's enterprise and tax code (mã số doanh nghiệp / mã số thuế): 10 digits, the tenth checking the first nine;
# a branch or dependent unit adds a 3-digit suffix (written "0101234567-001").
_ENTERPRISE_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)


def valid_iranian_legal_entity_id(code: str) -> bool:
    if len(code) != 11 or not code.isdigit() or len(set(code)) == 1:
        return False
    raise_by = int(code[9]) + 2
    total = sum((int(code[i]) + raise_by) * w for i, w in enumerate(_LEGAL_ENTITY_WEIGHTS)) % 11
    return int(code[10]) == total % 10


def valid_vietnamese_enterprise_code(code: str) -> bool:
    if len(code) not in (10, 13) or not code.isdigit() or code[:2] == "00":
        return False
    if len(code) == 13 and code[10:] == "000":
        return False
    check = 10 - sum(int(code[i]) * w for i, w in enumerate(_ENTERPRISE_WEIGHTS)) % 11
    return check < 10 and int(code[9]) == check


def valid_organisation_id(code: str, jurisdiction: Jurisdiction) -> bool:
    """An organisation's identifier: the legal-entity national ID in Iran, the enterprise or tax code in Vietnam."""
    if jurisdiction == "IR":
        return valid_iranian_legal_entity_id(code)
    return valid_vietnamese_enterprise_code(code)


def normalize_mobile(number: str, jurisdiction: Jurisdiction) -> str:
    """A mobile number in E.164 (+98..., +84...); raises ValueError if it is not a mobile number there."""
    try:
        parsed = phonenumbers.parse(normalize_text(number), jurisdiction)
    except phonenumbers.NumberParseException as exc:
        raise ValueError("This is not a phone number.") from exc
    if not phonenumbers.is_valid_number(parsed) or phonenumbers.region_code_for_number(parsed) != jurisdiction:
        raise ValueError(f"This is not a valid phone number in {jurisdiction}.")
    if phonenumbers.number_type(parsed) not in (phonenumbers.PhoneNumberType.MOBILE,
                                                phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
        raise ValueError("This is not a mobile number.")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _digits_or_error(value: object) -> object:
    return only_digits(value) if isinstance(value, str) else value


def _is_national_id_shape(value: str) -> str:
    if len(value) not in (10, 12) or not value.isdigit():
        raise ValueError("A national ID is 10 (Iran) or 12 (Vietnam) digits.")
    return value


def _is_party_id_shape(value: str) -> str:
    if not 10 <= len(value) <= 13 or not value.isdigit():
        raise ValueError("A national ID or organisation ID is 10 to 13 digits.")
    return value


# Digits as typed, normalised; the checksum needs the jurisdiction, so models check it with valid_national_id.
NationalId = Annotated[str, BeforeValidator(_digits_or_error), AfterValidator(_is_national_id_shape)]
# A person's national ID or an organisation's ID (Iran 11 digits; Vietnam 10, or 13 for a branch).
PartyId = Annotated[str, BeforeValidator(_digits_or_error), AfterValidator(_is_party_id_shape)]
Text = Annotated[str, BeforeValidator(lambda v: normalize_text(v).strip() if isinstance(v, str) else v)]
# A whole number as a person types it: Persian or Arabic digits and thousands separators welcome.
WholeNumber = Annotated[int, BeforeValidator(typed_number)]
