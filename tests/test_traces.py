"""One trace, read back from Jaeger's query API, follows a person's journey through every service and the bus.

The test is the person's client: it starts a trace and sends its W3C `traceparent` with every request
(registering, filing, paying), as an instrumented browser or app would. The services continue it through
HTTP calls, the outbox and RabbitMQ, and export their spans over OTLP to a real Jaeger.
"""

import json
import secrets
import uuid

import httpx
import pytest

from tests.support.journey import cheque_claim_draft, ok, submit
from tests.support.observability import Jaeger, start_patiently
from tests.support.people import iranian_mobile, iranian_national_code
from tests.support.platform import wait_until
from tests.test_journey import bearer, register

SERVICES = {f"ejustice-{name}" for name in ("gateway", "filing", "payment", "notification")}


@pytest.fixture
def traced(fresh_platform):
    """A Jaeger of the test's own, and a platform exporting its spans to it (fresh_platform stops it)."""
    jaeger = Jaeger()
    try:
        jaeger.start(uuid.uuid4().hex[:8])
        yield start_patiently(fresh_platform(), OTEL_EXPORTER_OTLP_ENDPOINT=jaeger.otlp_endpoint), jaeger
    finally:
        jaeger.stop()


def tag(span: dict, key: str):
    return next((t["value"] for t in span.get("tags", []) if t["key"] == key), None)


def kinds_by_service(trace: dict) -> dict[str, set[str]]:
    """Which kinds of span each service recorded: http-server, http-client, amqp-publish, amqp-consume, mongodb."""
    found: dict[str, set[str]] = {}
    for span in trace["spans"]:
        service = trace["processes"][span["processID"]]["serviceName"]
        kind = tag(span, "span.kind")
        if tag(span, "db.system") == "mongodb" or tag(span, "db.system.name") == "mongodb":
            what = "mongodb"
        elif tag(span, "messaging.system") == "rabbitmq":
            what = {"producer": "amqp-publish", "consumer": "amqp-consume"}.get(kind, "amqp")
        elif kind in ("server", "client") and (tag(span, "http.method") or tag(span, "http.request.method")):
            what = f"http-{kind}"
        else:
            continue
        found.setdefault(service, set()).add(what)
    return found


def test_one_trace_spans_the_gateway_filing_the_bus_payment_and_notification(traced):
    platform, jaeger = traced
    trace_id = secrets.token_hex(16)
    headers = {"traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"}
    seed = uuid.uuid4().int % 10**6
    applicant_id, respondent_id = iranian_national_code(seed), iranian_national_code(seed + 1)
    with httpx.Client(base_url=platform.gateway, timeout=30, headers=headers) as client:
        applicant = bearer(register(client, national_id=applicant_id, mobile=iranian_mobile(seed)))
        wait_until(lambda: client.get("/api/eboxes/me", headers=applicant).json().get("user_code"), timeout=30,
                   what="the e-box")  # the notification service made it on account.registered
        draft = cheque_claim_draft(client, applicant, applicant=applicant_id, respondent=respondent_id)
        filing_id = submit(client, applicant, draft["id"])["id"]
        wait_until(lambda: ok(client.get(f"/api/filings/{filing_id}", headers=applicant))["fee"], timeout=30,
                   what="the fee")
        payment = ok(client.post("/api/payments", json={"filing_id": filing_id},
                                 headers=applicant | {"idempotency-key": f"pay-{filing_id}"}), 201)
        ok(client.post(f"/api/payments/sandbox/{payment['payment_id']}/pay", json={"outcome": "paid"}), 202)
        wait_until(lambda: ok(client.get(f"/api/filings/{filing_id}", headers=applicant))["status"] == "forwarded",
                   timeout=60, what="forwarding to the court")

    wanted = {
        "ejustice-gateway": {"http-server", "http-client", "amqp-publish", "mongodb"},
        "ejustice-filing": {"http-server", "amqp-publish", "amqp-consume", "mongodb"},
        "ejustice-payment": {"http-server", "amqp-publish", "amqp-consume", "mongodb"},
        "ejustice-notification": {"amqp-consume", "mongodb"},
    }

    def servers(trace: dict) -> set[tuple[str, str]]:
        return {(trace["processes"][s["processID"]]["serviceName"], tag(s, "http.route") or s["operationName"])
                for s in trace["spans"] if tag(s, "span.kind") == "server"}

    def complete():
        trace = jaeger.trace(trace_id)
        if trace is None:
            return None
        found = kinds_by_service(trace)
        every_kind = all(kinds <= found.get(service, set()) for service, kinds in wanted.items())
        # The sandbox provider's callback came back through the gateway to payment within the same trace.
        return trace if every_kind and ("ejustice-payment", "/payments/callback") in servers(trace) else None

    # Spans reach Jaeger in batches, a few seconds after the work: wait for the whole trace.
    try:
        trace = wait_until(complete, timeout=90, interval=1, what="the whole trace in Jaeger")
    except AssertionError:
        found = jaeger.trace(trace_id)
        raise AssertionError(f"trace {trace_id} in Jaeger: {found and (kinds_by_service(found), servers(found))}") \
            from None
    assert {p["serviceName"] for p in trace["processes"].values()} >= SERVICES
    # The services' logs carry the same trace id: the sandbox provider's callback is logged within the trace.
    logged = [json.loads(line) for line in platform["payment"].log_path.read_text("utf-8").splitlines()
              if line.startswith("{") and trace_id in line]
    assert any(entry.get("trace_id") == trace_id and entry["event"] == "sandbox callback answered"
               for entry in logged), logged
