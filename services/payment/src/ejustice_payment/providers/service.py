"""Payment providers: where the payer pays, and how the provider's callbacks are authenticated.

A provider starts a payment (giving the page where the payer pays) and later calls back with
the outcome. The callback carries no user token: its HMAC-SHA256 signature over
"<unix seconds>." + the raw body is its authentication, and a timestamp outside the tolerance
is refused so that a captured callback cannot be replayed later. The sandbox provider behaves
like a real one (signed callbacks, a delay, retries), so the same code path will serve one.
"""

import asyncio
import contextlib
import hashlib
import hmac
import time
import uuid
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import httpx
import structlog
from pydantic import ValidationError
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from ejustice_payment.providers.models import (
    CallbackData,
    PaymentOrder,
    RefundCallbackData,
    RefundOrder,
    SandboxPay,
)
from ejustice_payment.providers.pos import SANDBOX_POS_BOOK, SandboxPosTerminal
from ejustice_payment.reconciliation.models import SettlementRow
from ejustice_payment.reconciliation.settlement import write_settlement
from ejustice_payment.settings import PaymentSettings
from ejustice_shared import clock
from ejustice_shared.events import Money
from ejustice_shared.models import RequestModel
from ejustice_shared.problems import Problem, field_errors
from ejustice_shared.runtime import ServiceRuntime

log = structlog.get_logger()

TIMESTAMP_HEADER = "x-provider-timestamp"
SIGNATURE_HEADER = "x-provider-signature"
CALLBACK_ATTEMPTS = 6
# The sandbox provider's own book of captures and refunds: the provider's side, for its settlement files.
SANDBOX_BOOK = "sandbox_transactions"


# --- rejected callbacks ------------------------------------------------------------------------------


class CallbackRejected(Exception):
    """A callback that must not change anything; `problem` says why to the caller."""

    status = 401
    kind = "callback-rejected"

    def __init__(self, detail: str, errors: list[dict[str, Any]] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors  # pydantic's, for a malformed body

    def problem(self, lang: str) -> Problem:
        return Problem(self.status, self.kind, detail=self.detail,
                       errors=field_errors(self.errors, lang) if self.errors else None)


class BadSignature(CallbackRejected):
    kind = "callback-signature-invalid"


class StaleTimestamp(CallbackRejected):
    kind = "callback-timestamp-stale"


class MalformedCallback(CallbackRejected):
    status = 422
    kind = "callback-malformed"

    def __init__(self, detail: str, errors: list[dict[str, Any]]):
        super().__init__(detail, errors)
        if any(error.get("type") == "json_invalid" for error in errors):
            self.status = 400


# --- signatures (pure) ------------------------------------------------------------------------------


def signature(secret: str, timestamp: int, raw_body: bytes) -> str:
    """Hex HMAC-SHA256 of f"{timestamp}." + the raw body: the timestamp is signed with the body."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + raw_body, hashlib.sha256).hexdigest()


def signed_headers(secret: str, raw_body: bytes, *, now: float) -> dict[str, str]:
    timestamp = int(now)
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: signature(secret, timestamp, raw_body)}


def verify_signature(secret: str, headers: Mapping[str, str], raw_body: bytes, *, now: float,
                     tolerance_seconds: int) -> None:
    """Raise BadSignature or StaleTimestamp unless the body was signed with the secret within the tolerance."""
    lowered = {name.lower(): value for name, value in headers.items()}
    stamp = lowered.get(TIMESTAMP_HEADER, "").strip()
    given = lowered.get(SIGNATURE_HEADER, "").strip().lower()
    if not (stamp.isascii() and stamp.isdigit()) or not given:
        raise BadSignature(f"Send {TIMESTAMP_HEADER} (unix seconds) and {SIGNATURE_HEADER}.")
    expected = signature(secret, int(stamp), raw_body)
    if not hmac.compare_digest(expected.encode(), given.encode()):
        raise BadSignature("The callback's signature does not match its body.")
    if abs(now - int(stamp)) > tolerance_seconds:
        raise StaleTimestamp(f"The callback was signed more than {tolerance_seconds} seconds from now.")


def parse_callback(raw_body: bytes, model: type[RequestModel] = CallbackData) -> Any:
    try:
        return model.model_validate_json(raw_body)
    except ValidationError as exc:
        raise MalformedCallback("The callback's body could not be read.", exc.errors()) from None


# --- providers --------------------------------------------------------------------------------------


class PaymentProvider(Protocol):
    name: str

    async def start(self, order: PaymentOrder) -> str:
        """Register the order with the provider; the answer is the page where the payer pays."""

    def verify_callback(self, headers: Mapping[str, str], raw_body: bytes, now: float) -> CallbackData:
        """The callback's data, or CallbackRejected (bad signature, stale timestamp, malformed body)."""

    async def refund(self, order: RefundOrder) -> None:
        """Ask for (part of) a capture back; the outcome comes as a signed refund callback.

        Asking again for the same refund_id must not refund twice (providers key refunds by it).
        """

    def verify_refund_callback(self, headers: Mapping[str, str], raw_body: bytes,
                               now: float) -> RefundCallbackData:
        """The refund callback's data, or CallbackRejected."""

    async def settlement_file(self, day: date) -> str:
        """The provider's settlement file for a day (CSV, the layout in reconciliation.models)."""


class SandboxProvider:
    """A provider for development and tests: a page that pays, then a signed callback after a delay.

    It keeps its own book of what it captured and refunded (the collection `sandbox_transactions`,
    the provider's side, never read by the service's own logic) and writes a settlement file per
    day from it. Tests make it misbehave as real providers do: a callback held back (late or lost),
    a capture left out of the settlement file, or settled at another amount.
    """

    name = "sandbox"

    def __init__(self, *, secret: str, page_url: str, callback_url: str, refund_callback_url: str = "",
                 delay_seconds: float, tolerance_seconds: int, book: AsyncCollection | None = None,
                 settlement_dir: Path | None = None, merchant_id: str = "", terminal_id: str = "",
                 http: httpx.AsyncClient | None = None):
        self._secret = secret
        self.page_url = page_url.rstrip("/")
        self.callback_url = callback_url
        self.refund_callback_url = refund_callback_url
        self.delay_seconds = delay_seconds
        self.tolerance_seconds = tolerance_seconds
        self._book = book
        self.settlement_dir = settlement_dir
        self.merchant_id, self.terminal_id = merchant_id, terminal_id
        self._http = http
        self._callbacks: set[asyncio.Task] = set()

    async def start(self, order: PaymentOrder) -> str:
        return f"{self.page_url}/{order.payment_id}"

    def verify_callback(self, headers: Mapping[str, str], raw_body: bytes, now: float) -> CallbackData:
        verify_signature(self._secret, headers, raw_body, now=now, tolerance_seconds=self.tolerance_seconds)
        return parse_callback(raw_body)

    def verify_refund_callback(self, headers: Mapping[str, str], raw_body: bytes,
                               now: float) -> RefundCallbackData:
        verify_signature(self._secret, headers, raw_body, now=now, tolerance_seconds=self.tolerance_seconds)
        return parse_callback(raw_body, RefundCallbackData)

    async def pay(self, order: PaymentOrder, choice: SandboxPay) -> str:
        """The payer pressed Pay: book the capture, call back with the outcome; returns the provider reference."""
        callback = CallbackData(payment_id=order.payment_id, provider_reference=f"sbx-{uuid.uuid4().hex}",
                                status=choice.outcome, amount=order.amount)
        held = choice.callback == "hold"
        if choice.outcome == "paid":  # a declined payment moves no money and is not settled
            at = clock.now()
            await self._book.insert_one({
                "_id": callback.provider_reference, "type": "purchase", "payment_id": order.payment_id,
                "amount": order.amount.amount, "currency": order.amount.currency, "at": clock.iso(at),
                "day": at.date().isoformat(), "settlement": choice.settlement,
                "settled_amount": choice.settled_amount, "held_callback": callback.model_dump(mode="json") if held
                else None})
        if not held:
            self._send_later(self.callback_url, callback, order.payment_id)
        return callback.provider_reference

    async def deliver_held(self, payment_id: str) -> list[str]:
        """Send the callbacks held back for a payment (a provider's late callbacks); returns their references."""
        sent = []
        held = await self._book.find({"payment_id": payment_id, "held_callback": {"$ne": None}}).to_list(None)
        for entry in held:
            released = await self._book.update_one({"_id": entry["_id"], "held_callback": {"$ne": None}},
                                                   {"$set": {"held_callback": None}})
            if released.modified_count:
                self._send_later(self.callback_url, CallbackData.model_validate(entry["held_callback"]), payment_id)
                sent.append(entry["_id"])
        return sent

    async def refund(self, order: RefundOrder) -> None:
        """Book the refund once per refund_id, and (again) call back: asking twice never refunds twice."""
        reference = f"sbxr-{order.refund_id}"
        at = clock.now()
        with contextlib.suppress(DuplicateKeyError):
            await self._book.insert_one({
                "_id": reference, "type": "refund", "payment_id": order.payment_id, "refund_id": order.refund_id,
                "original_reference": order.provider_reference, "amount": order.amount.amount,
                "currency": order.amount.currency, "at": clock.iso(at), "day": at.date().isoformat(),
                "settlement": "as-paid", "settled_amount": None, "held_callback": None})
        booked = await self._book.find_one({"_id": reference})
        self._send_later(self.refund_callback_url, RefundCallbackData(
            refund_id=order.refund_id, payment_id=order.payment_id, refund_reference=reference, status="refunded",
            amount=Money(amount=booked["amount"], currency=booked["currency"])), order.payment_id)

    async def settlement_file(self, day: date) -> str:
        """Write the day's settlement file from the sandbox's own book (with its injected faults) and read it."""
        rows = []
        async for entry in self._book.find({"day": day.isoformat()}):
            if entry["settlement"] == "omit":
                continue
            rows.append(SettlementRow(
                settlement_date=day, merchant_id=self.merchant_id, terminal_id=self.terminal_id,
                transaction_time=entry["at"], transaction_type=entry["type"], rrn=entry["_id"],
                order_id=entry["payment_id"], amount=entry["settled_amount"] if entry["settled_amount"] is not None
                else entry["amount"], currency=entry["currency"], status="SETTLED"))
        text = write_settlement(sorted(rows, key=lambda row: row.transaction_time))
        self.settlement_dir.mkdir(parents=True, exist_ok=True)
        path = self.settlement_dir / f"{self.name}-settlement-{day.isoformat()}.csv"
        path.write_text(text, encoding="utf-8")
        return path.read_text(encoding="utf-8")

    def _send_later(self, url: str, callback: CallbackData | RefundCallbackData, payment_id: str) -> None:
        task = asyncio.create_task(self._call_back(url, callback, payment_id), name=f"sandbox-callback-{payment_id}")
        self._callbacks.add(task)
        task.add_done_callback(self._callbacks.discard)

    async def _call_back(self, url: str, callback: CallbackData | RefundCallbackData, payment_id: str) -> None:
        """Post the signed callback, retrying like a real provider while the receiver fails or is away."""
        await asyncio.sleep(self.delay_seconds)
        raw = callback.model_dump_json().encode()
        for attempt in range(CALLBACK_ATTEMPTS):
            headers = {"content-type": "application/json", **signed_headers(self._secret, raw, now=time.time())}
            try:
                answer = await self._http.post(url, content=raw, headers=headers)
                if answer.status_code < 500:
                    log.info("sandbox callback answered", payment_id=payment_id, status=answer.status_code)
                    return
                problem = f"HTTP {answer.status_code}"
            except httpx.HTTPError as exc:
                problem = repr(exc)
            log.warning("sandbox callback failed, will retry", payment_id=payment_id, error=problem)
            await asyncio.sleep(min(0.5 * 2**attempt, 10))
        log.error("sandbox callback given up", payment_id=payment_id)

    async def close(self) -> None:
        for task in list(self._callbacks):
            task.cancel()
        await asyncio.gather(*self._callbacks, return_exceptions=True)
        if self._http is not None:
            await self._http.aclose()


def provider_of(runtime: ServiceRuntime) -> PaymentProvider:
    return runtime.state["provider"]


async def open_provider(runtime: ServiceRuntime) -> None:
    settings: PaymentSettings = runtime.settings
    runtime.state["provider"] = open_provider_for(settings, runtime.db)


def open_provider_for(settings: PaymentSettings, db: AsyncDatabase) -> PaymentProvider:
    """The configured provider; the sandbox is the only one so far (a real one implements PaymentProvider)."""
    return SandboxProvider(
        secret=settings.sandbox_secret, page_url=settings.sandbox_page_url, callback_url=settings.callback_url,
        refund_callback_url=settings.refund_callback_url, delay_seconds=settings.sandbox_delay_seconds,
        tolerance_seconds=settings.callback_tolerance_seconds, book=db[SANDBOX_BOOK],
        settlement_dir=Path(settings.settlement_dir), merchant_id=settings.sandbox_merchant_id,
        terminal_id=settings.sandbox_terminal_id, http=httpx.AsyncClient(timeout=10))


async def open_pos_terminal(runtime: ServiceRuntime) -> None:
    """The counters' POS terminals: the sandbox one so far (a vendor's gateway implements PosTerminal)."""
    settings: PaymentSettings = runtime.settings
    runtime.state["pos_terminal"] = SandboxPosTerminal(secret=settings.pos_sandbox_secret,
                                                       delay_seconds=settings.pos_sandbox_delay_seconds,
                                                       book=runtime.db[SANDBOX_POS_BOOK])


async def close_provider(runtime: ServiceRuntime) -> None:
    await runtime.state.pop("provider").close()
