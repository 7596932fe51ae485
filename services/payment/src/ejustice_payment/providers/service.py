"""Payment providers: where the payer pays, and how the provider's callbacks are authenticated.

A provider starts a payment (giving the page where the payer pays) and later calls back with
the outcome. The callback carries no user token: its HMAC-SHA256 signature over
"<unix seconds>." + the raw body is its authentication, and a timestamp outside the tolerance
is refused so that a captured callback cannot be replayed later. The sandbox provider behaves
like a real one (signed callbacks, a delay, retries), so the same code path will serve one.
"""

import asyncio
import hashlib
import hmac
import time
import uuid
from collections.abc import Mapping
from typing import Any, Literal, Protocol

import httpx
import structlog
from pydantic import ValidationError

from ejustice_payment.providers.models import CallbackData, PaymentOrder
from ejustice_payment.settings import PaymentSettings
from ejustice_shared.problems import Problem, field_errors
from ejustice_shared.runtime import ServiceRuntime

log = structlog.get_logger()

TIMESTAMP_HEADER = "x-provider-timestamp"
SIGNATURE_HEADER = "x-provider-signature"
CALLBACK_ATTEMPTS = 6


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


def parse_callback(raw_body: bytes) -> CallbackData:
    try:
        return CallbackData.model_validate_json(raw_body)
    except ValidationError as exc:
        raise MalformedCallback("The callback's body could not be read.", exc.errors()) from None


# --- providers --------------------------------------------------------------------------------------


class PaymentProvider(Protocol):
    name: str

    async def start(self, order: PaymentOrder) -> str:
        """Register the order with the provider; the answer is the page where the payer pays."""

    def verify_callback(self, headers: Mapping[str, str], raw_body: bytes, now: float) -> CallbackData:
        """The callback's data, or CallbackRejected (bad signature, stale timestamp, malformed body)."""


class SandboxProvider:
    """A provider for development and tests: a page that pays, then a signed callback after a delay."""

    name = "sandbox"

    def __init__(self, *, secret: str, page_url: str, callback_url: str, delay_seconds: float,
                 tolerance_seconds: int, http: httpx.AsyncClient | None = None):
        self._secret = secret
        self.page_url = page_url.rstrip("/")
        self.callback_url = callback_url
        self.delay_seconds = delay_seconds
        self.tolerance_seconds = tolerance_seconds
        self._http = http
        self._callbacks: set[asyncio.Task] = set()

    async def start(self, order: PaymentOrder) -> str:
        return f"{self.page_url}/{order.payment_id}"

    def verify_callback(self, headers: Mapping[str, str], raw_body: bytes, now: float) -> CallbackData:
        verify_signature(self._secret, headers, raw_body, now=now, tolerance_seconds=self.tolerance_seconds)
        return parse_callback(raw_body)

    def pay(self, order: PaymentOrder, outcome: Literal["paid", "failed"]) -> str:
        """The payer pressed Pay: call back with the outcome after the delay; returns the provider reference."""
        callback = CallbackData(payment_id=order.payment_id, provider_reference=f"sbx-{uuid.uuid4().hex}",
                                status=outcome, amount=order.amount)
        task = asyncio.create_task(self._call_back(callback), name=f"sandbox-callback-{order.payment_id}")
        self._callbacks.add(task)
        task.add_done_callback(self._callbacks.discard)
        return callback.provider_reference

    async def _call_back(self, callback: CallbackData) -> None:
        """Post the signed callback, retrying like a real provider while the receiver fails or is away."""
        await asyncio.sleep(self.delay_seconds)
        raw = callback.model_dump_json().encode()
        for attempt in range(CALLBACK_ATTEMPTS):
            headers = {"content-type": "application/json", **signed_headers(self._secret, raw, now=time.time())}
            try:
                answer = await self._http.post(self.callback_url, content=raw, headers=headers)
                if answer.status_code < 500:
                    log.info("sandbox callback answered", payment_id=callback.payment_id, status=answer.status_code)
                    return
                problem = f"HTTP {answer.status_code}"
            except httpx.HTTPError as exc:
                problem = repr(exc)
            log.warning("sandbox callback failed, will retry", payment_id=callback.payment_id, error=problem)
            await asyncio.sleep(min(0.5 * 2**attempt, 10))
        log.error("sandbox callback given up", payment_id=callback.payment_id)

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
    runtime.state["provider"] = SandboxProvider(
        secret=settings.sandbox_secret, page_url=settings.sandbox_page_url, callback_url=settings.callback_url,
        delay_seconds=settings.sandbox_delay_seconds, tolerance_seconds=settings.callback_tolerance_seconds,
        http=httpx.AsyncClient(timeout=10))


async def close_provider(runtime: ServiceRuntime) -> None:
    await runtime.state.pop("provider").close()
