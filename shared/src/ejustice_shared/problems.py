"""RFC 9457 problem details for every error a service answers.

Each problem names the fields at fault and the reason, in the reader's language
(Accept-Language: fa, vi or en), so a person can act on all of them at once.
"""

import json
from http import HTTPStatus
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://ejustice.example/problems/"
LANGUAGES = ("en", "fa", "vi")

# Reasons for the pydantic error types people meet most, per language; others fall back to pydantic's text.
REASONS: dict[str, dict[str, str]] = {
    "missing": {"en": "This field is required.", "fa": "این فیلد الزامی است.", "vi": "Trường này là bắt buộc."},
    "extra_forbidden": {"en": "This field is not allowed.", "fa": "این فیلد مجاز نیست.",
                        "vi": "Trường này không được phép."},
    "json_invalid": {"en": "The body is not valid JSON.", "fa": "بدنهٔ درخواست JSON معتبر نیست.",
                     "vi": "Nội dung không phải JSON hợp lệ."},
    "int_type": {"en": "Enter a whole number.", "fa": "یک عدد صحیح وارد کنید.", "vi": "Hãy nhập một số nguyên."},
    "int_parsing": {"en": "Enter a whole number.", "fa": "یک عدد صحیح وارد کنید.", "vi": "Hãy nhập một số nguyên."},
    "string_type": {"en": "Enter text.", "fa": "متن وارد کنید.", "vi": "Hãy nhập văn bản."},
    "string_too_short": {"en": "This is too short.", "fa": "این مقدار بیش از حد کوتاه است.", "vi": "Giá trị quá ngắn."},
    "string_too_long": {"en": "This is too long.", "fa": "این مقدار بیش از حد طولانی است.", "vi": "Giá trị quá dài."},
    "literal_error": {"en": "Choose one of the allowed values.", "fa": "یکی از مقادیر مجاز را انتخاب کنید.",
                      "vi": "Hãy chọn một giá trị được phép."},
    "enum": {"en": "Choose one of the allowed values.", "fa": "یکی از مقادیر مجاز را انتخاب کنید.",
             "vi": "Hãy chọn một giá trị được phép."},
    "greater_than": {"en": "This must be larger.", "fa": "این مقدار باید بزرگ‌تر باشد.", "vi": "Giá trị phải lớn hơn."},
    "greater_than_equal": {"en": "This must be larger.", "fa": "این مقدار باید بزرگ‌تر باشد.",
                           "vi": "Giá trị phải lớn hơn."},
    "less_than": {"en": "This must be less than {lt}.", "fa": "این مقدار باید کمتر از {lt} باشد.",
                  "vi": "Giá trị phải nhỏ hơn {lt}."},
    "less_than_equal": {"en": "This may be at most {le}.", "fa": "این مقدار حداکثر می‌تواند {le} باشد.",
                        "vi": "Giá trị tối đa là {le}."},
    "too_long": {"en": "At most {max_length} items are allowed.", "fa": "حداکثر {max_length} مورد مجاز است.",
                 "vi": "Cho phép tối đa {max_length} mục."},
    "too_short": {"en": "At least {min_length} items are needed.", "fa": "دست‌کم {min_length} مورد لازم است.",
                  "vi": "Cần ít nhất {min_length} mục."},
    "model_attributes_type": {"en": "This must be an object.", "fa": "این مقدار باید یک شیء باشد.",
                              "vi": "Giá trị phải là một đối tượng."},
    "dict_type": {"en": "This must be an object.", "fa": "این مقدار باید یک شیء باشد.",
                  "vi": "Giá trị phải là một đối tượng."},
}

TITLES: dict[str, dict[str, str]] = {
    "validation": {"en": "Some of what you sent needs correcting.", "fa": "برخی از اطلاعات ارسالی نیاز به اصلاح دارد.",
                   "vi": "Một số thông tin gửi lên cần sửa lại."},
    "malformed-body": {"en": "The request body could not be read.", "fa": "بدنهٔ درخواست قابل خواندن نیست.",
                       "vi": "Không đọc được nội dung yêu cầu."},
}


# How every problem answer looks, for the OpenAPI documents: clients and fuzzers check answers against it.
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"}, "instance": {"type": "string"},
        "errors": {"type": "array", "items": {
            "type": "object", "required": ["field", "reason", "code"],
            "properties": {"field": {"type": "string"}, "reason": {"type": "string"}, "code": {"type": "string"}}}},
    },
}
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"description": description, "content": {MEDIA_TYPE: {"schema": PROBLEM_SCHEMA}}}
    for status, description in ((422, "Some of what was sent needs correcting (RFC 9457 problem details)."),
                                ("4XX", "The request cannot be answered as sent (RFC 9457 problem details)."),
                                ("5XX", "The service or one it needs failed (RFC 9457 problem details)."))
}

# Reasons of the errors services find themselves, per code (or "code@variant"), with {placeholders}.
MESSAGES: dict[str, dict[str, str]] = json.loads((Path(__file__).parent / "messages.json").read_text("utf-8"))


def field_error(field: str, code: str, *, variant: str | None = None, **params: Any) -> dict[str, Any]:
    """An error about one field, told in the reader's language when the problem is answered."""
    return {"field": field, "code": code, "reason": _render(code, variant, params, "en"),
            "_message": (variant, params)}


def _render(code: str, variant: str | None, params: dict[str, Any], lang: str) -> str:
    messages = MESSAGES.get(f"{code}@{variant}") or MESSAGES.get(code)
    if not messages:
        return code
    values = {k: v.get(lang, v.get("en")) if isinstance(v, dict) else v for k, v in params.items()}
    return (messages.get(lang) or messages["en"]).format(**values)


def _told(key: str, lang: str) -> str | None:
    """A problem's title or detail in the reader's language, when messages.json has it ("title@<kind>")."""
    messages = MESSAGES.get(key)
    return (messages.get(lang) or messages["en"]) if messages else None


def localized(errors: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    out = []
    for error in errors:
        error = dict(error)
        if "_message" in error:  # made by field_error: told again in the reader's language
            variant, params = error.pop("_message")
            error["reason"] = _render(error["code"], variant, params, lang)
        out.append(error)
    return out


def language(request: Request) -> str:
    for part in request.headers.get("accept-language", "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGUAGES:
            return tag
    return "en"


class Problem(Exception):
    """An error a client can act on. `kind` becomes the problem type URI's last segment."""

    def __init__(self, status: int, kind: str, *, title: str | None = None, detail: str | None = None,
                 errors: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None,
                 **extensions: Any):
        super().__init__(detail or title or kind)
        self.status = status
        self.kind = kind
        self.title = title
        self.detail = detail
        self.errors = errors
        self.headers = headers
        self.extensions = extensions

    def body(self, request: Request) -> dict[str, Any]:
        lang = language(request)
        # Words kept in messages.json for the kind are told in the reader's language before the code's own.
        title = (TITLES.get(self.kind, {}).get(lang) or _told(f"title@{self.kind}", lang) or self.title
                 or HTTPStatus(self.status).phrase)
        body: dict[str, Any] = {"type": TYPE_BASE + self.kind, "title": title, "status": self.status}
        if detail := _told(f"detail@{self.kind}", lang) or self.detail:
            body["detail"] = detail
        body["instance"] = request.url.path
        if self.errors:
            body["errors"] = localized(self.errors, lang)
        body.update(self.extensions)
        return body


def field_errors(errors: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """pydantic's errors as {field, reason, code}, the field a dotted path without the 'body' root."""
    out = []
    for error in errors:
        code = error.get("type", "invalid")
        reason = REASONS.get(code, {}).get(lang)
        try:  # a bound's reason tells the bound itself
            reason = reason.format_map(error.get("ctx") or {}) if reason else error.get("msg", "Invalid value.")
        except (KeyError, ValueError):
            reason = error.get("msg", "Invalid value.")
        location = [str(part) for part in error.get("loc", ()) if part != "body"]
        if code == "json_invalid":  # the location is a character offset, not a field
            reason, location = f"{reason} ({error.get('ctx', {}).get('error', 'syntax error')})", []
        out.append({"field": ".".join(location) or "body", "reason": reason, "code": code})
    return out


def problem_response(request: Request, problem: Problem) -> JSONResponse:
    return JSONResponse(problem.body(request), status_code=problem.status, media_type=MEDIA_TYPE,
                        headers=problem.headers)


async def _on_problem(request: Request, exc: Problem) -> JSONResponse:
    return problem_response(request, exc)


async def _on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    lang = language(request)
    if any(error.get("type") == "json_invalid" for error in errors):
        problem = Problem(400, "malformed-body", errors=field_errors(errors, lang))
    else:
        problem = Problem(422, "validation", errors=field_errors(errors, lang))
    return problem_response(request, problem)


async def _on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    kind = HTTPStatus(exc.status_code).phrase.lower().replace(" ", "-")
    detail = exc.detail if isinstance(exc.detail, str) else None
    return problem_response(request, Problem(exc.status_code, kind, detail=detail, headers=exc.headers))


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    return problem_response(request, Problem(500, "internal-error", detail="Something went wrong on our side."))


def install(app: FastAPI) -> None:
    app.add_exception_handler(Problem, _on_problem)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(Exception, _on_unexpected)
