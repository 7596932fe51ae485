"""The sandbox provider's own pages: the page where the payer "pays", and its form's target.

They stand in for a real provider's site in development and tests, and answer 404 in production.
"""

import json
from datetime import date
from html import escape
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse
from pydantic import ValidationError

from ejustice_payment.payments import service as payments
from ejustice_payment.payments.models import PaymentRead
from ejustice_payment.providers.models import PaymentOrder, SandboxDelivered, SandboxPay, SandboxPayAccepted
from ejustice_payment.providers.service import SandboxProvider, provider_of
from ejustice_shared.problems import Problem, field_errors, language
from ejustice_shared.runtime import Runtime


def sandbox(runtime: Runtime) -> SandboxProvider:
    provider = provider_of(runtime)
    if not runtime.settings.sandbox_enabled or not isinstance(provider, SandboxProvider):
        raise Problem(404, "not-found", detail="There is no sandbox here.")
    return provider


Sandbox = Annotated[SandboxProvider, Depends(sandbox)]
router = APIRouter(prefix="/payments/sandbox", tags=["sandbox"], dependencies=[Depends(sandbox)])

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sandbox payment</title></head>
<body>
<h1>Sandbox payment</h1>
<p>Court fee for filing <code>{filing_id}</code> ({fee_code}, version {fee_version}):
<strong>{amount} {currency}</strong></p>
<p>Status: {status}</p>
<form method="post" action="{payment_id}/pay">
<input type="hidden" name="return_to" value="{return_to}">
<button name="outcome" value="paid">Pay</button>
<button name="outcome" value="failed">Decline</button>
</form>
<p><small>A test provider: no money moves.</small></p>
</body></html>
"""

DONE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sandbox payment</title></head>
<body><p>Sent: {outcome}. The court fee service hears of it in a moment; you may close this page.</p></body></html>
"""


async def known_payment(runtime: Runtime, payment_id: str) -> PaymentRead:
    payment = await payments.find(runtime, payment_id)
    if payment is None:
        raise Problem(404, "payment-not-found", detail="The sandbox knows no such payment.")
    return payment


def local_path(target: str | None) -> str:
    """Where the payer's site asked to come back to: a path on the same site only, never an address elsewhere."""
    target = target or ""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else ""


@router.get("/{payment_id}", response_class=HTMLResponse)
async def sandbox_page(payment_id: str, runtime: Runtime, return_to: str = "") -> HTMLResponse:
    """`return_to`: the payer's page to come back to after paying, as a real provider's return address."""
    payment = await known_payment(runtime, payment_id)
    return HTMLResponse(PAGE.format(**{k: escape(str(v)) for k, v in {
        "filing_id": payment.filing_id, "fee_code": payment.fee_code, "fee_version": payment.fee_version,
        "amount": f"{payment.amount.amount:,}", "currency": payment.amount.currency, "status": payment.status,
        "payment_id": payment.payment_id, "return_to": local_path(return_to)}.items()}))


@router.post("/{payment_id}/pay", status_code=status.HTTP_202_ACCEPTED)
async def sandbox_pay(payment_id: str, request: Request, runtime: Runtime,
                      provider: Sandbox) -> SandboxPayAccepted:
    """Pay (or decline) from the page's form or as JSON {"outcome": "paid" | "failed"}; the callback follows."""
    from_form = request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data"))
    choice = await read_choice(request, from_form)
    payment = await known_payment(runtime, payment_id)
    if payment.status != "pending":
        raise Problem(409, "payment-not-pending", detail=f"This payment is {payment.status}; start a new one.")
    reference = await provider.pay(PaymentOrder(payment_id=payment.payment_id, filing_id=payment.filing_id,
                                                amount=payment.amount), choice)
    accepted = SandboxPayAccepted(payment_id=payment_id, provider_reference=reference, outcome=choice.outcome,
                                  callback_in_seconds=None if choice.callback == "hold" else provider.delay_seconds)
    if from_form and (back := local_path(choice.return_to)):
        return RedirectResponse(back, status_code=status.HTTP_303_SEE_OTHER)
    if from_form:
        return HTMLResponse(DONE.format(outcome=escape(choice.outcome)), status_code=status.HTTP_202_ACCEPTED)
    return accepted


@router.post("/{payment_id}/deliver")
async def sandbox_deliver(payment_id: str, runtime: Runtime, provider: Sandbox) -> SandboxDelivered:
    """Send the callbacks the sandbox held back for this payment: a provider's late callbacks, for tests."""
    await known_payment(runtime, payment_id)
    return SandboxDelivered(payment_id=payment_id, delivered=await provider.deliver_held(payment_id))


@router.get("/settlements/{day}", response_class=PlainTextResponse,
            responses={200: {"content": {"text/csv": {}}}})
async def sandbox_settlement(day: date, provider: Sandbox) -> PlainTextResponse:
    """The sandbox's settlement file for a day (CSV), as reconciliation reads it."""
    return PlainTextResponse(await provider.settlement_file(day), media_type="text/csv")


async def read_choice(request: Request, from_form: bool) -> SandboxPay:
    try:
        if from_form:
            data = dict(await request.form())
        else:
            raw = await request.body()
            data = json.loads(raw) if raw.strip() else {}
    except ValueError:
        raise Problem(400, "malformed-body", detail="Send JSON such as {\"outcome\": \"paid\"}.") from None
    try:
        return SandboxPay.model_validate(data)
    except ValidationError as exc:
        raise Problem(422, "validation", errors=field_errors(exc.errors(), language(request))) from None

