"""POS terminals at the offices' counters: the card is paid at the terminal, which signs its answer.

A terminal is asked to charge a payment; it takes a few seconds, and answers approved or
declined, signed with the terminal's key (HMAC-SHA256 over the canonical JSON of the answer),
so an answer cannot be forged on the way. When it does not answer in time, the payment service
asks it to reverse whatever it took for that payment and records the payment failed: a declined
or timed-out terminal never leaves a payment half done. A real terminal (its vendor's gateway)
implements `PosTerminal`; the sandbox behaves like one.
"""

import asyncio
import contextlib
import hashlib
import hmac
import uuid
from typing import Literal, Protocol

from pydantic import BaseModel
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from ejustice_payment.providers.models import PaymentOrder
from ejustice_shared import clock
from ejustice_shared.commits import canonical_json
from ejustice_shared.events import Money

# The sandbox terminal's book: what it charged and reversed, per payment (the terminal's side).
SANDBOX_POS_BOOK = "sandbox_pos_transactions"
SandboxOutcome = Literal["approved", "declined", "timeout"]


class TerminalAnswer(BaseModel):
    payment_id: str
    terminal_id: str
    outcome: Literal["approved", "declined", "reversed"]
    rrn: str  # the retrieval reference number the card network gives the transaction
    amount: Money
    card: str | None = None  # masked: 603799******1234
    answered_at: str


class SignedAnswer(BaseModel):
    answer: TerminalAnswer
    signature: str


class TerminalSignatureInvalid(Exception):
    """The answer was not signed by the terminal: nothing is recorded from it."""


class PosTerminal(Protocol):
    name: str

    async def start(self, order: PaymentOrder) -> str:
        """Where the payment is paid: the counter's terminal."""

    async def charge(self, order: PaymentOrder, *, terminal_id: str, sandbox_outcome: SandboxOutcome | None
                     ) -> SignedAnswer:
        """Charge the card presented at the terminal; asking again for the same payment charges once."""

    async def reverse(self, payment_id: str, *, terminal_id: str) -> SignedAnswer:
        """Give back whatever the terminal took for the payment (nothing, if it took nothing)."""

    def verify(self, signed: SignedAnswer) -> TerminalAnswer:
        """The answer, once its signature is checked; TerminalSignatureInvalid otherwise."""


def sign(secret: str, answer: TerminalAnswer) -> str:
    return hmac.new(secret.encode(), canonical_json(answer.model_dump(mode="json")), hashlib.sha256).hexdigest()


class SandboxPosTerminal:
    """A terminal for development and tests: answers after a delay, approves, declines or never answers in time."""

    name = "pos-sandbox"

    def __init__(self, *, secret: str, delay_seconds: float, book: AsyncCollection):
        self._secret = secret
        self.delay_seconds = delay_seconds
        self._book = book

    async def start(self, order: PaymentOrder) -> str:
        return f"pos:{order.payment_id}"

    def _signed(self, answer: TerminalAnswer) -> SignedAnswer:
        return SignedAnswer(answer=answer, signature=sign(self._secret, answer))

    def verify(self, signed: SignedAnswer) -> TerminalAnswer:
        if not hmac.compare_digest(sign(self._secret, signed.answer).encode(), signed.signature.encode()):
            raise TerminalSignatureInvalid(signed.answer.payment_id)
        return signed.answer

    async def charge(self, order: PaymentOrder, *, terminal_id: str,
                     sandbox_outcome: SandboxOutcome | None) -> SignedAnswer:
        outcome = sandbox_outcome or "approved"
        entry = {"_id": order.payment_id, "terminal_id": terminal_id, "rrn": uuid.uuid4().hex[:12].upper(),
                 "outcome": "declined" if outcome == "declined" else "approved", "amount": order.amount.amount,
                 "currency": order.amount.currency, "card": "603799******" + f"{uuid.uuid4().int % 10_000:04d}",
                 "at": clock.iso(), "reversed": False}
        with contextlib.suppress(DuplicateKeyError):  # the same payment charged again: the first answer stands
            await self._book.insert_one(entry)
        entry = await self._book.find_one({"_id": order.payment_id})
        # A timeout: the card is charged, but the answer comes later than anyone waits for it.
        await asyncio.sleep(self.delay_seconds * (20 if outcome == "timeout" else 1))
        return self._signed(TerminalAnswer(
            payment_id=order.payment_id, terminal_id=terminal_id, outcome=entry["outcome"], rrn=entry["rrn"],
            amount=Money(amount=entry["amount"], currency=entry["currency"]), card=entry["card"],
            answered_at=clock.iso()))

    async def reverse(self, payment_id: str, *, terminal_id: str) -> SignedAnswer:
        entry = await self._book.find_one_and_update({"_id": payment_id}, {"$set": {"reversed": True}})
        await asyncio.sleep(self.delay_seconds / 2)
        amount = Money(amount=entry["amount"], currency=entry["currency"]) if entry else Money(amount=0,
                                                                                              currency="IRR")
        return self._signed(TerminalAnswer(payment_id=payment_id, terminal_id=terminal_id, outcome="reversed",
                                           rrn=entry["rrn"] if entry else "-", amount=amount,
                                           answered_at=clock.iso()))
