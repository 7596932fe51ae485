"""JSON logs with the trace and correlation ids, and personal numbers masked."""

import logging
import re
import sys

import structlog
from opentelemetry import trace

from ejustice_shared.context import correlation_id
from ejustice_shared.people import (
    normalize_mobile,
    only_digits,
    valid_iranian_national_code,
    valid_vietnamese_citizen_id,
)

# Numbers people read out on the phone: written to logs as they are, in any field of these names.
READABLE_FIELDS = frozenset({"tracking_code", "case_number", "receipt_number", "verification_code",
                             "provider_reference", "reference", "user_code"})
# Fields that hold a person's number whatever it looks like.
PERSONAL_FIELDS = frozenset({"national_id", "mobile", "to", "phone", "phone_number"})
# A run of digits (any script), possibly with a leading + and single spaces or dashes inside, as numbers are typed.
NUMBER = re.compile(r"(?<![\w+])\+?\d(?:[ \-]?\d){7,14}(?!\w)")


def _masked(number: str) -> str:
    digits = only_digits(number)
    return "*" * (len(digits) - 2) + digits[-2:]


def _is_personal(number: str) -> bool:
    """A national ID (Iran's checked national code, Vietnam's citizen ID) or a mobile number in either country."""
    digits = only_digits(number).removeprefix("+")
    if valid_iranian_national_code(digits) or valid_vietnamese_citizen_id(digits):
        return True
    for region in ("IR", "VN"):
        try:
            normalize_mobile(number, region)
            return True
        except ValueError:
            continue
    return False


def mask(text: str) -> str:
    """Personal numbers in free text masked by what they are; tracking, case and receipt numbers left readable."""
    return NUMBER.sub(lambda m: _masked(m.group()) if _is_personal(m.group()) else m.group(), text)


def _mask_personal_numbers(_, __, event_dict: dict) -> dict:
    for key, value in event_dict.items():
        if not isinstance(value, str) or key in READABLE_FIELDS:
            continue
        if key in PERSONAL_FIELDS and any(ch.isdigit() for ch in value):
            event_dict[key] = _masked(value) if len(only_digits(value)) > 2 else "**"
        else:
            event_dict[key] = mask(value)
    return event_dict


def _add_trace(_, __, event_dict: dict) -> dict:
    span = trace.get_current_span().get_span_context()
    if span.is_valid:
        event_dict["trace_id"] = format(span.trace_id, "032x")
        event_dict["span_id"] = format(span.span_id, "016x")
    if cid := correlation_id.get():
        event_dict["correlation_id"] = cid
    return event_dict


def configure(service: str, level: str = "INFO") -> None:
    processors = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_trace,
        structlog.processors.format_exc_info,
        _mask_personal_numbers,
    ]
    structlog.configure(
        processors=[*processors, structlog.processors.JSONRenderer(ensure_ascii=False)],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service)
    # Route the standard library's records (uvicorn, aio-pika, pymongo) through the same pipeline.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.add_logger_name, *processors],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.JSONRenderer(ensure_ascii=False)],
    ))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for chatty in ("uvicorn.access", "httpx", "aiormq", "aio_pika"):
        logging.getLogger(chatty).setLevel(logging.WARNING)


def get(name: str | None = None):
    return structlog.get_logger(name)
