"""The fee taken at an office counter's POS terminal, by a clerk acting for the citizen.

The payment request is opened as any other (idempotency key, the filing's payment index, one
request at a time), naming the terminal as its provider; then the terminal charges the card.
Approved: the capture is judged and the payment completed with a receipt, exactly as a
provider's callback would. Declined: the payment fails and a new one can be started. No answer
in time: the terminal is told to reverse whatever it took, and the payment fails. Every answer
is checked against the terminal's signature before anything is recorded from it.
"""

import asyncio

import structlog

from ejustice_payment.payments import service as payments
from ejustice_payment.payments.models import PaymentCreate
from ejustice_payment.pos.models import PosPaymentCreate, PosPaymentRead, TerminalRead
from ejustice_payment.providers.models import CallbackData
from ejustice_payment.providers.pos import PosTerminal, TerminalSignatureInvalid
from ejustice_shared.auth import Principal
from ejustice_shared.problems import Problem, field_error
from ejustice_shared.runtime import ServiceRuntime

log = structlog.get_logger()


def terminal_of(runtime: ServiceRuntime) -> PosTerminal:
    return runtime.state["pos_terminal"]


def terminal_id_for(principal: Principal) -> str:
    return f"{principal.office_id}/{principal.counter}"


async def take_fee(runtime: ServiceRuntime, *, principal: Principal, idempotency_key: str,
                   create: PosPaymentCreate) -> PosPaymentRead:
    if not (principal.office_id and principal.counter and principal.acting_for):
        raise Problem(403, "forbidden", detail="A clerk at a counter, acting for the payer, takes a fee at the POS.")
    if create.sandbox_outcome is not None and not runtime.settings.sandbox_enabled:
        raise Problem(422, "validation", errors=[field_error("sandbox_outcome", "sandbox-only")])
    terminal = terminal_of(runtime)
    terminal_id = terminal_id_for(principal)
    created, _ = await payments.request_payment(runtime, principal=principal, idempotency_key=idempotency_key,
                                                create=PaymentCreate(filing_id=create.filing_id), provider=terminal)
    payment = await payments.find(runtime, created.payment_id)
    if payment.status != "pending":  # a replay of a request already settled: nothing is charged again
        return PosPaymentRead(payment=payment, taken=payment.status == "paid",
                              terminal=TerminalRead(terminal_id=terminal_id, outcome="approved" if
                                                    payment.status == "paid" else "declined"))
    order = payments.order_of(payment)
    try:
        signed = await asyncio.wait_for(terminal.charge(order, terminal_id=terminal_id,
                                                        sandbox_outcome=create.sandbox_outcome),
                                        timeout=runtime.settings.pos_timeout_seconds)
        answer = terminal.verify(signed)
    except (TimeoutError, TerminalSignatureInvalid) as problem:
        reversed_ = terminal.verify(await terminal.reverse(payment.payment_id, terminal_id=terminal_id))
        log.warning("POS terminal did not answer in time, reversed", payment_id=payment.payment_id,
                    problem=type(problem).__name__)
        await payments.fail(runtime, provider=terminal, callback=CallbackData(
            payment_id=payment.payment_id, provider_reference=f"pos-{reversed_.rrn}", status="failed",
            amount=payment.amount))
        return PosPaymentRead(payment=await payments.find(runtime, payment.payment_id), taken=False,
                              terminal=TerminalRead(terminal_id=terminal_id, outcome="timed-out",
                                                    answered_at=reversed_.answered_at))
    callback = CallbackData(payment_id=payment.payment_id, provider_reference=f"pos-{answer.rrn}",
                            status="paid" if answer.outcome == "approved" else "failed", amount=answer.amount)
    settle = payments.capture if answer.outcome == "approved" else payments.fail
    await settle(runtime, provider=terminal, callback=callback)
    settled = await payments.find(runtime, payment.payment_id)
    return PosPaymentRead(payment=settled, taken=settled.status == "paid", terminal=TerminalRead(
        terminal_id=terminal_id, outcome=answer.outcome, rrn=answer.rrn, card=answer.card,
        answered_at=answer.answered_at))


def receipt_slip(payment) -> str:
    """The receipt as the counter's printer prints it (and anyone holding it can verify at /receipts/verify)."""
    receipt = payment.receipt
    lines = ["ejustice - court fee receipt", f"Receipt number: {receipt.receipt_number}",
             f"Verification code: {receipt.verification_code}", f"Filing: {payment.filing_id}",
             f"Fee: {payment.fee_code} (version {payment.fee_version})",
             f"Amount: {payment.amount.amount} {payment.amount.currency}", f"Paid at: {receipt.paid_at}",
             f"Paid through: {payment.provider} ({receipt.provider_reference})",
             "Verify: GET /api/receipts/verify?receipt_number=...&verification_code=..."]
    return "\n".join(lines) + "\n"
