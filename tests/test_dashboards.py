"""Every dashboard panel is proven: after a journey, a real Prometheus that scraped the platform answers
each panel's query with data. The generated dashboards and their tables in docs/operations.md are current."""

import asyncio
import datetime
import importlib.util
import subprocess
import time
import uuid

import aio_pika
import httpx
import pytest

from tests.support.journey import cheque_claim_draft, ok, submit
from tests.support.observability import Prometheus, start_patiently
from tests.support.people import iranian_mobile, iranian_national_code
from tests.support.platform import ROOT, Platform, wait_until
from tests.support.stores import AMQP_URL
from tests.test_journey import bearer, court_client, register

spec = importlib.util.spec_from_file_location("dashboards", ROOT / "deploy" / "grafana" / "dashboards.py")
dashboards = importlib.util.module_from_spec(spec)
spec.loader.exec_module(dashboards)


def test_generated_dashboards_and_their_tables_are_current():
    boards = dashboards.rendered()
    written = {path.stem for path in dashboards.OUT.glob("*.json")}
    assert written == set(boards), "run .venv/bin/python deploy/grafana/dashboards.py"
    for uid, board in boards.items():
        assert (dashboards.OUT / f"{uid}.json").read_text("utf-8") == dashboards.as_json(board), uid
    docs = dashboards.DOCS.read_text("utf-8")
    assert dashboards.docs_with_tables(docs, boards) == docs, "run .venv/bin/python deploy/grafana/dashboards.py"
    for board in boards.values():
        assert board["panels"] and all(panel["targets"] for panel in board["panels"])
        assert all(t["datasource"]["uid"] == "prometheus" for p in board["panels"] for t in p["targets"])


@pytest.fixture(scope="module")
def platform(infrastructure):
    """A platform of this module's own, so that its counters are the journey's alone."""
    started = start_patiently(Platform())
    yield started
    started.stop()


@pytest.fixture(scope="module")
def scraped(platform):
    """A Prometheus scraping the platform's services and RabbitMQ every second."""
    subprocess.run(["bash", str(ROOT / "scripts" / "infra.sh"), "rabbitmq-metrics"], check=True)
    jobs = {"ejustice": [{"targets": [f"127.0.0.1:{service.port}"], "labels": {"service": name}}
                         for name, service in platform.services.items()],
            "rabbitmq": [{"targets": ["127.0.0.1:15692"]}]}
    queues = {"job_name": "rabbitmq-queues", "metrics_path": "/metrics/detailed",
              "params": {"family": ["queue_coarse_metrics", "queue_consumer_count"]},
              "static_configs": [{"targets": ["127.0.0.1:15692"]}]}
    prometheus = Prometheus(jobs, extra_jobs=[queues]).start(platform.namespace)
    yield prometheus
    prometheus.stop()


def poison(platform) -> None:
    """A submission no fee exists for: payment's handler fails until the message is dead-lettered."""
    from ejustice_shared.events import Envelope, FilingSubmitted, Money

    filing_id = uuid.uuid4().hex
    envelope = Envelope.wrap(FilingSubmitted(filing_id=filing_id, kind="petition", subject_code="no-such-subject",
                                             jurisdiction="IR", claim=Money(amount=1_000_000, currency="IRR"),
                                             filer_id="citizen-poison"), source="filing", subject=filing_id)

    async def publish():
        connection = await aio_pika.connect(AMQP_URL)
        try:
            channel = await connection.channel(publisher_confirms=True)
            exchange = await channel.get_exchange(f"{platform.namespace}.events")
            await exchange.publish(aio_pika.Message(envelope.model_dump_json().encode(), message_id=envelope.id,
                                                    delivery_mode=2), routing_key="filing.submitted", mandatory=True)
        finally:
            await connection.close()

    asyncio.run(publish())


def visit_office(client, platform) -> None:
    """A visitor takes a ticket at a sample office and a clerk calls it: the ticket's wait is measured."""
    office = "IR-ABK-303"  # a sample office: Abarkuh, one counter
    clerk = platform.token("clerk-dashboards", "clerk", office_id=office, counter="1")
    ticket = ok(client.post(f"/api/offices/{office}/tickets", json={"service": "filing"}), 201)
    called = ok(client.post(f"/api/offices/{office}/queue/call-next", headers=clerk))
    while called["ticket_id"] != ticket["ticket_id"]:  # a ticket left from before is closed first
        ok(client.post(f"/api/offices/{office}/tickets/{called['ticket_id']}/close", headers=clerk,
                       json={"outcome": "no-show"}))
        called = ok(client.post(f"/api/offices/{office}/queue/call-next", headers=clerk))
    ok(client.post(f"/api/offices/{office}/tickets/{ticket['ticket_id']}/close", headers=clerk,
                   json={"outcome": "served"}))


def walk_journey(platform) -> None:
    """Register, file, pay (the sandbox leaves the capture out of its settlement file), the court accepts, the
    notice is read, the respondent is served on paper, an operator reconciles the day, a clerk calls a visitor's
    ticket at an office; and one poison event."""
    seed = uuid.uuid4().int % 10**6
    applicant_id, respondent_id = iranian_national_code(seed), iranian_national_code(seed + 1)
    with httpx.Client(base_url=platform.gateway, timeout=30) as client:
        applicant = bearer(register(client, national_id=applicant_id, mobile=iranian_mobile(seed)))
        wait_until(lambda: client.get("/api/eboxes/me", headers=applicant).json().get("user_code"), timeout=15,
                   what="the e-box")
        draft = cheque_claim_draft(client, applicant, applicant=applicant_id, respondent=respondent_id)
        filing_id = submit(client, applicant, draft["id"])["id"]
        wait_until(lambda: ok(client.get(f"/api/filings/{filing_id}", headers=applicant))["fee"], timeout=30,
                   what="the fee")
        payment = ok(client.post("/api/payments", json={"filing_id": filing_id},
                                 headers=applicant | {"idempotency-key": f"pay-{filing_id}"}), 201)
        ok(client.post(f"/api/payments/sandbox/{payment['payment_id']}/pay",
                       json={"outcome": "paid", "settlement": "omit"}), 202)
        wait_until(lambda: ok(client.get(f"/api/filings/{filing_id}", headers=applicant))["status"] == "forwarded",
                   timeout=30, what="forwarding to the court")
        accepted = court_client(platform, "IR-THR-CIVIL", "accept", filing_id, "--case-number", "140509981234",
                                "--branch", "IR-THR-CIVIL-B12")
        assert accepted.returncode == 0, accepted.stderr
        notices = wait_until(lambda: ok(client.get("/api/notices", headers=applicant)), timeout=30, what="notice")
        ok(client.get(f"/api/notices/{notices[0]['notice_id']}", headers=applicant))
        operator = platform.token("operator-metrics", "operator")
        tasks = wait_until(lambda: [t for t in ok(client.get("/api/paper-service", headers=operator))
                                    if t.get("filing_id") == filing_id and t.get("office_id")], timeout=30,
                           what="paper task assigned to an office")
        clerk = platform.token("clerk-1", "clerk", office_id=tasks[0]["office_id"])  # a clerk of that office
        ok(client.post(f"/api/paper-service/{tasks[0]['task_id']}/outcome", headers=clerk, json={"outcome": "served"}))
        day = datetime.datetime.now(datetime.UTC).date().isoformat()
        report = ok(client.post("/api/payments/reconciliations", json={"day": day}, headers=operator))
        assert report["mismatches"], report
        visit_office(client, platform)
    poison(platform)


def test_every_panel_returns_data_from_prometheus_after_a_journey(platform, scraped):
    walk_journey(platform)
    # The business counters the journey moved, each counted by the service that recorded the fact.
    mine = {name: f'service="{name}"' for name in platform.services}
    counted = {
        f'sum(filings_submitted_total{{{mine["filing"]}, subject="cheque-claim", court="IR-THR-CIVIL"}})': 1,
        f'sum(filings_decided_total{{{mine["filing"]}, decision="accepted"}})': 1,
        f'sum(payments_completed_total{{{mine["payment"]}}})': 1,
        f'sum(fees_collected_total{{{mine["payment"]}, currency="IRR"}})': 1,
        f'sum(notices_total{{{mine["notification"]}, step="viewed"}})': 1,
        f'sum(notices_total{{{mine["notification"]}, step="paper-recorded"}})': 1,
        f'sum(payment_reconciliation_mismatches_total{{{mine["payment"]}, kind="missing-at-provider"}})': 1,
        f'sum(events_dead_lettered_total{{{mine["payment"]}}})': 1,
        f'sum(office_ticket_wait_seconds_count{{{mine["registry"]}, office="IR-ABK-303"}})': 1,
    }
    panels = [(uid, panel["title"], target["expr"]) for uid, board in dashboards.rendered().items()
              for panel in board["panels"] for target in panel["targets"]]

    def missing() -> list[str]:
        gaps = [f"{expr} < {least}" for expr, least in counted.items()
                if not any(float(r["value"][1]) >= least for r in scraped.query(expr))]
        gaps += [f"{uid} / {title}: {expr}" for uid, title, expr in panels if not scraped.query(expr)]
        return gaps

    # Wait for the scrapes to catch up with the journey (the poison event needs its retries first).
    deadline = time.monotonic() + 120
    while (gaps := missing()) and time.monotonic() < deadline:
        time.sleep(1)
    assert not gaps, "no data for:\n" + "\n".join(gaps)
