"""What the registry tells a person about a field at fault, in their language (fa, vi, en).

Every answer names the field and a stable code, so clients can act on the code and people on the reason.
"""

from typing import Any

from ejustice_registry.places.models import Language
from ejustice_shared.problems import REASONS, Problem

MESSAGES: dict[str, dict[Language, str]] = {
    "missing": REASONS["missing"],
    "unknown-jurisdiction": {
        "en": "Choose IR or VN.", "fa": "یکی از IR یا VN را انتخاب کنید.", "vi": "Hãy chọn IR hoặc VN."},
    "unknown-subject": {
        "en": "There is no subject '{value}'; see GET /subjects.",
        "fa": "موضوعی با کد «{value}» وجود ندارد؛ فهرست موضوعات در GET /subjects است.",
        "vi": "Không có loại việc '{value}'; xem GET /subjects."},
    "unknown-province": {
        "en": "There is no province '{value}'; see GET /provinces.",
        "fa": "استانی با شناسه «{value}» وجود ندارد؛ فهرست استان‌ها در GET /provinces است.",
        "vi": "Không có tỉnh '{value}'; xem GET /provinces."},
    "unknown-city": {
        "en": "There is no city '{value}'; see GET /cities.",
        "fa": "شهری با شناسه «{value}» وجود ندارد؛ فهرست شهرها در GET /cities است.",
        "vi": "Không có thành phố '{value}'; xem GET /cities."},
    "unknown-court": {
        "en": "There is no court '{value}'; see GET /courts.",
        "fa": "دادگاهی با شناسه «{value}» وجود ندارد؛ فهرست دادگاه‌ها در GET /courts است.",
        "vi": "Không có tòa án '{value}'; xem GET /courts."},
    "other-jurisdiction": {
        "en": "'{value}' belongs to jurisdiction {actual}, not {jurisdiction}.",
        "fa": "«{value}» در حوزه قضایی {actual} است، نه {jurisdiction}.",
        "vi": "'{value}' thuộc hệ thống tài phán {actual}, không phải {jurisdiction}."},
    "required-for-subject": {
        "en": "'{subject}' needs {needs}.",
        "fa": "برای موضوع «{subject}» {needs} لازم است.",
        "vi": "Loại việc '{subject}' cần {needs}."},
    "no-competent-court": {
        "en": "{city} has no {court_type} court, which '{subject}' needs.",
        "fa": "در {city} دادگاه {court_type} که موضوع «{subject}» لازم دارد وجود ندارد.",
        "vi": "{city} không có tòa án loại {court_type} mà loại việc '{subject}' cần."},
}

# Joins alternatives in a reason: "the respondent's city (respondent_city) or the city of the bank (event_city)".
OR: dict[Language, str] = {"en": " or ", "fa": " یا ", "vi": " hoặc "}


def field_error(field: str, code: str, language: Language, **values: Any) -> dict[str, str]:
    return {"field": field, "code": code, "reason": MESSAGES[code][language].format(**values)}


def invalid(errors: list[dict[str, str]]) -> Problem:
    """One 422 answer naming every field at fault."""
    return Problem(422, "validation", errors=errors)
