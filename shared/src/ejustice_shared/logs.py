"""JSON logs with the trace and correlation ids, and personal numbers masked."""

import logging
import re
import sys

import structlog
from opentelemetry import trace

from ejustice_shared.context import correlation_id

# National codes (10 digits), citizen IDs (12) and mobile numbers: never written to a log.
PERSONAL_NUMBER = re.compile(r"(?<!\d)\+?\d{9,15}(?!\d)")


def _mask(text: str) -> str:
    return PERSONAL_NUMBER.sub(lambda m: "*" * (len(m.group()) - 2) + m.group()[-2:], text)


def _mask_personal_numbers(_, __, event_dict: dict) -> dict:
    for key, value in event_dict.items():
        if isinstance(value, str):
            event_dict[key] = _mask(value)
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
