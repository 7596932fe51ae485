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
