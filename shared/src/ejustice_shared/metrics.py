"""The Prometheus metrics every service exposes on /metrics."""

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter("http_requests", "HTTP requests answered", ["method", "route", "status"])
HTTP_ERRORS = Counter("http_errors", "HTTP requests answered with a 5xx status", ["method", "route"])
HTTP_DURATION = Histogram("http_request_duration_seconds", "Time to answer an HTTP request", ["method", "route"],
                          buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))

EVENTS_PUBLISHED = Counter("events_published", "Events confirmed by the broker", ["type"])
EVENTS_CONSUMED = Counter("events_consumed", "Events handled and acknowledged", ["type", "outcome"])
EVENTS_FAILED = Counter("events_failed", "Event deliveries whose handler failed", ["type"])
EVENTS_DEAD_LETTERED = Counter("events_dead_lettered", "Events sent to the dead-letter queue", ["type", "reason"])
RELAY_BACKLOG = Gauge("outbox_relay_backlog", "Commits stored and still unpublished after RELAY_STALE_SECONDS")
RELAY_PUBLISH_FAILURES = Counter("outbox_relay_publish_failures", "Publishes the relay will retry")
DOSSIER_CHECKPOINT_REFUSALS = Counter("dossier_checkpoint_refusals",
                                      "Dossier heads not signed because they do not extend the head signed before")
DOSSIER_CHECKPOINT_MISMATCHES = Counter("dossier_checkpoint_mismatches",
                                        "Published dossier checkpoints that differ from the checkpoint log")

# --- business counts ---------------------------------------------------------------------------------
# Counted once per fact, when the commit that records it is inserted (not when an event is published,
# which the relay may do twice): runtime's commit hook calls count_business.
FILINGS_SUBMITTED = Counter("filings_submitted", "Filings submitted (first submissions)",
                            ["subject", "court", "jurisdiction"])
FILINGS_DECIDED = Counter("filings_decided", "Courts' decisions on filings", ["court", "decision"])
FEES_COLLECTED = Counter("fees_collected", "Fee money collected by completed payments, in the currency's minor units",
                         ["fee_code", "currency"])
PAYMENTS_COMPLETED = Counter("payments_completed", "Payments completed", ["fee_code"])
NOTICES = Counter("notices", "Notices by step: delivered to an e-box, viewed, served; paper service "
                  "requested and recorded", ["step"])
# Known label sets start at 0, so that the first one counted shows as an increase.
for _step in ("delivered", "viewed", "served", "paper-requested", "paper-recorded"):
    NOTICES.labels(_step)
CERTIFICATE_EXPIRY = Gauge("certificate_expiry_timestamp_seconds",
                           "When an X.509 certificate given in a setting expires (Unix time)", ["setting"])

COUNTING_FAILURES = Counter("business_counting_failures", "Commits whose business facts could not be counted")

_NOTICE_STEPS = {"notice.delivered": "delivered", "notice.viewed": "viewed", "notice.served": "served",
                 "paper_service.requested": "paper-requested", "paper_service.recorded": "paper-recorded"}


def count_business(commit) -> None:
    """Count the business facts a newly inserted commit records; counting never gets in the way of storing."""
    try:
        _count(commit)
    except (KeyError, TypeError, ValueError):
        COUNTING_FAILURES.inc()


def _count(commit) -> None:
    for envelope in commit.events:
        data = envelope.data
        match envelope.type:
            case "filing.submitted":
                FILINGS_SUBMITTED.labels(data["subject_code"], data.get("court_id") or "none",
                                         data["jurisdiction"]).inc()
            case "filing.accepted" | "filing.returned":
                FILINGS_DECIDED.labels(data.get("court_id") or "none", envelope.type.split(".")[1]).inc()
            case "payment.completed":
                PAYMENTS_COMPLETED.labels(data["fee_code"]).inc()
                FEES_COLLECTED.labels(data["fee_code"], data["amount"]["currency"]).inc(data["amount"]["amount"])
            case step if step in _NOTICE_STEPS:
                NOTICES.labels(_NOTICE_STEPS[step]).inc()


def watch_certificates(settings) -> None:
    """Export the expiry of every setting whose value is a PEM certificate (keys alone do not expire)."""
    from cryptography import x509

    for name, value in settings.model_dump().items():
        if isinstance(value, str) and "-----BEGIN CERTIFICATE-----" in value:
            certificate = x509.load_pem_x509_certificate(value.encode())
            CERTIFICATE_EXPIRY.labels(name).set(certificate.not_valid_after_utc.timestamp())
