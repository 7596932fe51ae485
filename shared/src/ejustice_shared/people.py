"""Personal numbers and text as people type them: Persian and Arabic digits, spaces, dashes, any Unicode form.

The annotated types below normalise first, then validate, so every model that uses them
accepts "۰۴۹۹-۳۷۰-۸۹۹" and stores "0499370899".
"""

import unicodedata
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


def typed_number(value: object) -> object:
    """A whole number typed as text ("۵۰۰٬۰۰۰", "500,000") becomes its digits; anything else is judged as it is."""
    if isinstance(value, str):
        text = normalize_text(value).strip().replace(",", "").replace("٬", "").replace(" ", "")
        return text if text.isdigit() else value
    return value


def valid_iranian_national_code(code: str) -> bool:
    """Iran's 10-digit national code (کد ملی): the last digit checks the first nine."""
    if len(code) != 10 or not code.isdigit() or len(set(code)) == 1:
        return False
    total = sum(int(code[i]) * (10 - i) for i in range(9)) % 11
    check = int(code[9])
    return check == total if total < 2 else check == 11 - total


def valid_vietnamese_citizen_id(code: str) -> bool:
    """Vietnam's 12-digit citizen ID (CCCD): province (3), sex and century (1), birth year (2), serial (6)."""
    return len(code) == 12 and code.isdigit() and code[3] in "0123456789"


def valid_national_id(code: str, jurisdiction: Jurisdiction) -> bool:
    if jurisdiction == "IR":
        return valid_iranian_national_code(code)
    return valid_vietnamese_citizen_id(code)


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


# Digits as typed, normalised; the checksum needs the jurisdiction, so models check it with valid_national_id.
NationalId = Annotated[str, BeforeValidator(_digits_or_error), AfterValidator(_is_national_id_shape)]
Text = Annotated[str, BeforeValidator(lambda v: normalize_text(v).strip() if isinstance(v, str) else v)]
# A whole number as a person types it: Persian or Arabic digits and thousands separators welcome.
WholeNumber = Annotated[int, BeforeValidator(typed_number)]
