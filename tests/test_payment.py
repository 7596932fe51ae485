"""Payments against the real broker and database, with the payment service as a process of its own.

The test stands in for the filing service (it publishes filing.submitted) and for the consumers of
fee.assessed and payment.completed (a spy queue, so the service's mandatory publishes route). The
sandbox provider posts its signed callbacks straight to the payment service's own /payments/callback.
"""

import asyncio
import inspect
import json
import time
import uuid

import aio_pika
import httpx
import pytest

from ejustice_payment.providers.service import signed_headers
from ejustice_payment.settings import DEVELOPMENT_SANDBOX_SECRET
from ejustice_shared.auth import Principal, Role, TokenIssuer
from ejustice_shared.auth.keys import DEVELOPMENT_PRIVATE_KEY
from ejustice_shared.events import Envelope, FilingSubmitted, Money
from tests.support.platform import Platform
from tests.support.stores import AMQP_URL, commits, events_of, mongo

ISSUER = TokenIssuer(private_key=DEVELOPMENT_PRIVATE_KEY, issuer="ejustice")
# 3.5 % of the claim under version 2 of IR-CIVIL-FINANCIAL, in force since 2026-03-21.
CLAIM = Money(amount=500_000_000, currency="IRR")


def token(subject: str, *roles: Role, **claims: str) -> dict[str, str]:
    principal = Principal(subject=subject, roles=list(roles or (Role.CITIZEN,)), **claims)
    return {"authorization": f"Bearer {ISSUER.issue(principal)}"}


def key() -> dict[str, str]:
    return {"idempotency-key": uuid.uuid4().hex}


class Spy:
    """A queue of the test's own on the platform's exchange, bound to the events the service publishes."""

    def __init__(self) -> None:
        self.seen: list[Envelope] = []

    async def start(self, namespace: str) -> None:
        self.connection = await aio_pika.connect(AMQP_URL)
        channel = await self.connection.channel(publisher_confirms=True)
        self.exchange = await channel.get_exchange(f"{namespace}.events")
        queue = await channel.declare_queue(exclusive=True)
        for routing_key in ("fee.*", "payment.*"):
            await queue.bind(self.exchange, routing_key)
        await queue.consume(self._take, no_ack=True)

    async def _take(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        self.seen.append(Envelope.model_validate_json(message.body))

    def completed(self, payment_id: str) -> list[dict]:
        """The payment's distinct payment.completed events (the relay may publish one twice, with its id)."""
        return list({e.id: e.data for e in self.seen
                     if e.type == "payment.completed" and e.data["payment_id"] == payment_id}.values())

    async def completion_of(self, payment_id: str) -> list[dict]:
        """The payment.completed events of a payment, once one has come. Whether another was stored is the
        payment stream's to say (a callback answers after its commit); the tests read it."""
        await eventually(lambda: self.completed(payment_id), what="payment.completed")
        return self.completed(payment_id)

    async def publish(self, envelope: Envelope) -> None:
        await self.exchange.publish(aio_pika.Message(envelope.model_dump_json().encode(), message_id=envelope.id,
                                                     delivery_mode=2),
                                    routing_key=envelope.routing_key, mandatory=True)


class Payments:
    """The running service, the spy, and what a test needs to drive them."""

    def __init__(self, platform: Platform, spy: Spy, http: httpx.AsyncClient):
        self.platform, self.spy, self.http = platform, spy, http
        self.url = platform["payment"].url
        self.database = platform.database("payment")

    async def submit_filing(self, payer: str, *, filing_id: str | None = None) -> str:
        filing_id = filing_id or uuid.uuid4().hex
        data = FilingSubmitted(filing_id=filing_id, kind="petition", subject_code="cheque-claim", jurisdiction="IR",
                               claim=CLAIM, filer_id=payer)
        await self.spy.publish(Envelope.wrap(data, source="filing", subject=filing_id))
        await eventually(lambda: self.assessment(filing_id, payer), what="the fee assessed")
        return filing_id

    async def assessment(self, filing_id: str, payer: str) -> dict | None:
        answer = await self.http.get(f"{self.url}/assessments/{filing_id}", headers=token(payer))
        return answer.json() if answer.status_code == 200 else None

    async def request(self, filing_id: str, payer: str, headers: dict[str, str]) -> httpx.Response:
        return await self.http.post(f"{self.url}/payments", json={"filing_id": filing_id},
                                    headers={**token(payer), **headers})

    async def pending_payment(self, payer: str) -> dict:
        filing_id = await self.submit_filing(payer)
        answer = await self.request(filing_id, payer, key())
        assert answer.status_code == 201, answer.text
        return answer.json()

    async def read(self, payment_id: str, payer: str) -> dict:
        answer = await self.http.get(f"{self.url}/payments/{payment_id}", headers=token(payer))
        assert answer.status_code == 200, answer.text
        return answer.json()

    async def callback(self, body: dict, *, secret: str = DEVELOPMENT_SANDBOX_SECRET, at: float | None = None,
                       raw: bytes | None = None) -> httpx.Response:
        raw = raw if raw is not None else json.dumps(body).encode()
        headers = {"content-type": "application/json", **signed_headers(secret, raw, now=at or time.time())}
        return await self.http.post(f"{self.url}/payments/callback", content=raw, headers=headers)

    async def stream(self, prefix: str) -> list[dict]:
        return await commits(self.database, prefix)


async def eventually(check, *, timeout: float = 15.0, what: str = "condition"):
    """Poll a check (plain or async) until it answers something truthy, letting the loop run in between."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result := await result if inspect.isawaitable(result) else result:
            return result
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
async def payments(infrastructure):
    platform = Platform()
    own_url = platform["payment"].url
    platform.start("payment", PAYMENT_CALLBACK_URL=f"{own_url}/payments/callback",
                   PAYMENT_REFUND_CALLBACK_URL=f"{own_url}/payments/refunds/callback",
                   PAYMENT_SANDBOX_PAGE_URL=f"{own_url}/payments/sandbox", PAYMENT_SANDBOX_DELAY_SECONDS="0.2")
    spy = Spy()
    await spy.start(platform.namespace)
    async with httpx.AsyncClient(timeout=20) as http:
        yield Payments(platform, spy, http)
    platform.stop()
    await spy.connection.close()


def problem_type(answer: httpx.Response) -> str:
    assert answer.headers["content-type"] == "application/problem+json", answer.text
    return answer.json()["type"].rsplit("/", 1)[-1]


# --- requesting a payment ---------------------------------------------------------------------------


async def test_an_idempotency_key_replays_its_payment_and_refuses_another_body(payments):
    payer = "citizen-idem"
    filing_id = await payments.submit_filing(payer)
    first_key = key()

    first = await payments.request(filing_id, payer, first_key)
    assert first.status_code == 201, first.text
    created = first.json()
    assessment = await payments.assessment(filing_id, payer)
    assert created == {"payment_id": created["payment_id"], "filing_id": filing_id, "status": "pending",
                       "amount": {"amount": 17_500_000, "currency": "IRR"}, "fee_code": assessment["fee_code"],
                       "fee_version": assessment["fee_version"], "provider": "sandbox",
                       "pay_url": f"{payments.url}/payments/sandbox/{created['payment_id']}"}

    replay = await payments.request(filing_id, payer, first_key)
    assert replay.status_code == 200 and replay.json() == created

    other_filing = await payments.submit_filing(payer)
    misuse = await payments.request(other_filing, payer, first_key)
    assert misuse.status_code == 422 and problem_type(misuse) == "idempotency-key-reused"
    assert misuse.json()["errors"][0]["field"] == "header.idempotency-key"

    # Another key while the first payment is pending: refused, pointing at the pending one.
    second = await payments.request(filing_id, payer, key())
    assert second.status_code == 409 and problem_type(second) == "payment-pending"
    assert second.json()["payment_id"] == created["payment_id"]

    opened = events_of(await payments.stream(f"filing-payments-{filing_id}"), "payment.opened")
    assert [e["data"]["payment_id"] for e in opened] == [created["payment_id"]]
    assert len(await payments.stream(f"payment-{created['payment_id']}")) == 1
    assert await payments.stream(f"filing-payments-{other_filing}") == []


async def test_one_key_sent_many_times_at_once_makes_one_payment(payments):
    payer = "citizen-race"
    filing_id = await payments.submit_filing(payer)
    same_key = key()
    answers = await asyncio.gather(*(payments.request(filing_id, payer, same_key) for _ in range(8)))
    assert sorted(a.status_code for a in answers) == [200] * 7 + [201]
    assert len({json.dumps(a.json(), sort_keys=True) for a in answers}) == 1

    # Different keys at once for one filing: one request opens, the others learn it is pending.
    other_filing = await payments.submit_filing(payer)
    answers = await asyncio.gather(*(payments.request(other_filing, payer, key()) for _ in range(8)))
    assert sorted(a.status_code for a in answers) == [201] + [409] * 7
    assert len(events_of(await payments.stream(f"filing-payments-{other_filing}"), "payment.opened")) == 1


async def test_bad_requests_store_nothing_and_say_everything_at_once(payments):
    payer = "citizen-bad"
    missing_all = await payments.http.post(f"{payments.url}/payments", json={"filing": "x"}, headers=token(payer))
    assert missing_all.status_code == 422
    assert {e["field"] for e in missing_all.json()["errors"]} == {"header.idempotency-key", "filing_id", "filing"}
    too_long = await payments.request("x", payer, {"idempotency-key": "k" * 101})
    assert too_long.status_code == 422 and problem_type(too_long) == "validation"

    # No assessment yet: 409 and nothing stored; the same request succeeds once the fee is assessed.
    filing_id, early_key = uuid.uuid4().hex, key()
    early = await payments.request(filing_id, payer, early_key)
    assert early.status_code == 409 and problem_type(early) == "fee-not-assessed"
    assert early.headers["retry-after"]
    assert await payments.stream(f"filing-payments-{filing_id}") == []
    await payments.submit_filing(payer, filing_id=filing_id)
    later = await payments.request(filing_id, payer, early_key)
    assert later.status_code == 201, later.text

    stranger = await payments.request(filing_id, "citizen-stranger", key())
    assert stranger.status_code == 404 and problem_type(stranger) == "assessment-not-found"
    no_token = await payments.http.post(f"{payments.url}/payments", json={"filing_id": filing_id}, headers=key())
    assert no_token.status_code == 401


async def test_a_request_cut_short_by_a_crash_is_finished_not_doubled(infrastructure):
    """Killed between the filing's index entry and the payment's first commit: another request for the
    filing finishes the interrupted payment and is told it is pending; the key's retry answers that payment."""
    platform = Platform()
    service = platform["payment"]
    platform.start("payment", EJUSTICE_CRASH_AT="payment.after_index_entry")
    spy = Spy()
    await spy.start(platform.namespace)
    try:
        async with httpx.AsyncClient(timeout=20) as http:
            payments = Payments(platform, spy, http)
            payer, same_key = "citizen-crash", key()
            filing_id = await payments.submit_filing(payer)
            with pytest.raises(httpx.HTTPError):
                await payments.request(filing_id, payer, same_key)
            assert service.wait_exit() == 70
            opened = events_of(await payments.stream(f"filing-payments-{filing_id}"), "payment.opened")
            interrupted = opened[0]["data"]["payment_id"]
            assert await payments.stream(f"payment-{interrupted}") == []

            platform.start("payment")
            other = await payments.request(filing_id, payer, key())
            assert other.status_code == 409 and problem_type(other) == "payment-pending"
            assert other.json()["payment_id"] == interrupted
            assert (await payments.read(interrupted, payer))["status"] == "pending"
            retry = await payments.request(filing_id, payer, same_key)
            assert retry.status_code == 200 and retry.json()["payment_id"] == interrupted
            assert len(events_of(await payments.stream(f"filing-payments-{filing_id}"), "payment.opened")) == 1
            assert len(await payments.stream(f"payment-{interrupted}")) == 1
    finally:
        platform.stop()
        await spy.connection.close()


# --- the sandbox and its callbacks ------------------------------------------------------------------


async def test_the_sandbox_pays_and_the_callback_completes_the_payment_once_with_its_fee_version(payments):
    payer = "citizen-pays"
    payment = await payments.pending_payment(payer)
    payment_id = payment["payment_id"]

    page = await payments.http.get(payment["pay_url"])
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "17,500,000 IRR" in page.text and f'action="{payment_id}/pay"' in page.text

    paying = await payments.http.post(f"{payment['pay_url']}/pay", json={})
    assert paying.status_code == 202 and paying.json()["outcome"] == "paid"

    async def paid():
        read = await payments.read(payment_id, payer)
        return read if read["status"] == "paid" else None

    read = await eventually(paid, what="the sandbox's callback")
    receipt = read["receipt"]
    assert receipt["provider_reference"] == paying.json()["provider_reference"]
    assert len(receipt["receipt_number"]) == 12 and receipt["receipt_number"].isdigit()
    assert (read["fee_code"], read["fee_version"]) == (payment["fee_code"], payment["fee_version"])
    assert read["pay_url"] is None

    completed = await payments.spy.completion_of(payment_id)
    assert len(completed) == 1
    history = await payments.stream(f"payment-{payment_id}")
    assert [e["type"] for c in history for e in c["events"]] == ["payment.requested", "payment.completed"]
    event = completed[0]
    assert (event["fee_code"], event["fee_version"], event["amount"]) == (
        payment["fee_code"], payment["fee_version"], payment["amount"])
    assert (event["receipt_number"], event["verification_code"]) == (
        receipt["receipt_number"], receipt["verification_code"])
    assert event["payer_id"] == payer and event["filing_id"] == payment["filing_id"]

    again = await payments.http.post(f"{payment['pay_url']}/pay", json={"outcome": "paid"})
    assert again.status_code == 409 and problem_type(again) == "payment-not-pending"
    once_more = await payments.request(payment["filing_id"], payer, key())
    assert once_more.status_code == 409 and problem_type(once_more) == "already-paid"
    assert len(payments.spy.completed(payment_id)) == 1


async def test_forged_stale_replayed_and_duplicated_callbacks_change_nothing(payments):
    payer = "citizen-callbacks"
    payment = await payments.pending_payment(payer)
    payment_id = payment["payment_id"]
    body = {"payment_id": payment_id, "provider_reference": f"bank-{uuid.uuid4().hex}", "status": "paid",
            "amount": payment["amount"]}

    refused = {
        "forged": await payments.callback(body, secret="guessed-secret"),
        "stale": await payments.callback(body, at=time.time() - 301),
        "future": await payments.callback(body, at=time.time() + 301),
        "malformed": await payments.callback(body, raw=b'{"payment_id": '),
        "incomplete": await payments.callback({"payment_id": payment_id, "status": "paid"}),
        "amount": await payments.callback({**body, "amount": {"amount": 1, "currency": "IRR"}}),
        "currency": await payments.callback({**body, "amount": {**payment["amount"], "currency": "VND"}}),
        "unknown": await payments.callback({**body, "payment_id": "no-such-payment"}),
    }
    unsigned = await payments.http.post(f"{payments.url}/payments/callback", json=body)
    tampered_headers = signed_headers(DEVELOPMENT_SANDBOX_SECRET, json.dumps(body).encode(), now=time.time())
    tampered = await payments.http.post(f"{payments.url}/payments/callback", headers=tampered_headers,
                                        content=json.dumps({**body, "amount": {"amount": 0, "currency": "IRR"}}))
    statuses = {name: (answer.status_code, problem_type(answer)) for name, answer in refused.items()}
    assert statuses == {
        "forged": (401, "callback-signature-invalid"), "stale": (401, "callback-timestamp-stale"),
        "future": (401, "callback-timestamp-stale"), "malformed": (400, "callback-malformed"),
        "incomplete": (422, "callback-malformed"), "amount": (422, "callback-amount-mismatch"),
        "currency": (422, "callback-amount-mismatch"), "unknown": (404, "payment-not-found"),
    }
    assert (unsigned.status_code, tampered.status_code) == (401, 401)
    assert (await payments.read(payment_id, payer))["status"] == "pending"
    assert len(await payments.stream(f"payment-{payment_id}")) == 1

    # The provider delivers the same callback several times at once, then once more later.
    answers = await asyncio.gather(*(payments.callback(body) for _ in range(8)))
    assert sorted(a.json()["status"] for a in answers) == ["already-processed"] * 7 + ["processed"]
    replay = await payments.callback(body)
    assert replay.status_code == 200 and replay.json() == {"status": "already-processed"}
    # The provider took the money a second time for a paid payment: flagged and refunded, not completed again.
    other_reference = await payments.callback({**body, "provider_reference": "bank-another"})
    assert other_reference.json() == {"status": "processed"}
    assert (await payments.callback({**body, "provider_reference": "bank-another"})).json() == {
        "status": "already-processed"}
    late_failure = await payments.callback({**body, "provider_reference": "bank-late", "status": "failed"})
    assert late_failure.json() == {"status": "already-processed"}

    assert len(await payments.spy.completion_of(payment_id)) == 1
    history = await payments.stream(f"payment-{payment_id}")
    assert [e["type"] for c in history for e in c["events"]] == ["payment.requested", "payment.completed"]
    assert history[1]["cause"] == body["provider_reference"]
    assert (await payments.read(payment_id, payer))["status"] == "paid"
    # The receipt numbers drawn by the callbacks that lost the race were given back.
    client = mongo()
    try:
        assert await client[payments.database]["receipts"].count_documents(
            {"payment_id": payment_id, "refund_id": None}) == 1
    finally:
        await client.close()


async def test_a_failed_payment_lets_a_new_request_pay(payments):
    payer = "citizen-declined"
    first = await payments.pending_payment(payer)
    declined = await payments.http.post(f"{first['pay_url']}/pay", json={"outcome": "failed"})
    assert declined.status_code == 202

    async def failed():
        read = await payments.read(first["payment_id"], payer)
        return read if read["status"] == "failed" else None

    assert (await eventually(failed, what="the failure"))["failed_at"]
    second = await payments.request(first["filing_id"], payer, key())
    assert second.status_code == 201, second.text
    assert second.json()["payment_id"] != first["payment_id"]
    # The sandbox's page form posts form-encoded, and is answered with a page.
    paying = await payments.http.post(f"{second.json()['pay_url']}/pay", data={"outcome": "paid"})
    assert paying.status_code == 202 and paying.headers["content-type"].startswith("text/html")

    async def paid():
        return (await payments.read(second.json()["payment_id"], payer))["status"] == "paid"

    await eventually(paid, what="the second payment")
    assert (await payments.read(first["payment_id"], payer))["status"] == "failed"
    assert payments.spy.completed(first["payment_id"]) == []


# --- who sees what ----------------------------------------------------------------------------------


async def test_only_the_payer_sees_a_payment(payments):
    payer = "citizen-owner"
    payment = await payments.pending_payment(payer)
    url = f"{payments.url}/payments/{payment['payment_id']}"
    stranger = await payments.http.get(url, headers=token("citizen-someone-else"))
    assert stranger.status_code == 404 and problem_type(stranger) == "payment-not-found"
    unknown = await payments.http.get(f"{payments.url}/payments/no-such-payment", headers=token(payer))
    assert unknown.status_code == 404
    clerk = await payments.http.get(url, headers=token("clerk-1", Role.CLERK, on_behalf_of=payer))
    assert clerk.status_code == 200 and clerk.json()["payment_id"] == payment["payment_id"]


async def test_a_receipt_verifies_by_number_and_code_and_nothing_else_does(payments):
    payer = "citizen-receipt"
    payment = await payments.pending_payment(payer)
    body = {"payment_id": payment["payment_id"], "provider_reference": f"bank-{uuid.uuid4().hex}",
            "status": "paid", "amount": payment["amount"]}
    assert (await payments.callback(body)).json() == {"status": "processed"}
    receipt = (await payments.read(payment["payment_id"], payer))["receipt"]
    number, code = receipt["receipt_number"], receipt["verification_code"]

    async def verify(receipt_number: str, verification_code: str) -> dict:
        answer = await payments.http.get(f"{payments.url}/receipts/verify", params={
            "receipt_number": receipt_number, "verification_code": verification_code})
        assert answer.status_code == 200, answer.text
        return answer.json()

    assert await verify(number, code) == {"valid": True, "filing_id": payment["filing_id"],
                                          "amount": payment["amount"], "paid_at": receipt["paid_at"]}
    persian = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
    spaced = f"{number[:4]}-{number[4:8]} {number[8:]}".translate(persian)
    assert (await verify(spaced, code.translate(persian)))["valid"] is True

    wrong_code = f"{(int(code[0]) + 1) % 10}{code[1:]}"
    mistyped = f"{number[:3]}{(int(number[3]) + 1) % 10}{number[4:]}"
    at = next(i for i in range(11) if number[i] != number[i + 1])
    swapped = number[:at] + number[at + 1] + number[at] + number[at + 2:]
    unknown = "000000000098"  # well formed (its check digits hold) but never issued
    for receipt_number, verification_code in ((number, wrong_code), (mistyped, code), (swapped, code),
                                              (unknown, code), ("not-a-number", code)):
        assert await verify(receipt_number, verification_code) == {"valid": False}
    missing = await payments.http.get(f"{payments.url}/receipts/verify", params={"receipt_number": number})
    assert missing.status_code == 422
