"""Receipt numbers a person can read out and type back, made unique by claim inserts.

A receipt number is 10 random digits and 2 check digits (ISO 7064 MOD 97-10, as in IBANs),
so a mistyped digit or two swapped digits are caught before any look-up. The claim
`{_id: receipt number}` is inserted before the payment's completion is committed; whether it
is genuine is always decided by the payment's own stream (see payments.service.verify_receipt).
"""

from dataclasses import dataclass

from pymongo.errors import DuplicateKeyError

from ejustice_shared import clock, codes
from ejustice_shared.runtime import ServiceRuntime

RECEIPTS = "receipts"


@dataclass(frozen=True)
class ReceiptClaim:
    receipt_number: str
    verification_code: str
    payment_id: str
    refund_id: str | None = None  # a refund's receipt; None for a payment's


def receipt_number() -> str:
    """Ten random digits and two ISO 7064 MOD 97-10 check digits: a mistyped or swapped digit is caught."""
    body = codes.random_digits(10)
    return body + f"{98 - int(body) * 100 % 97:02d}"


def valid_receipt_number(number: str) -> bool:
    return len(number) == 12 and number.isascii() and number.isdigit() and int(number) % 97 == 1


def verification_code() -> str:
    return codes.random_digits(8)


async def claim(runtime: ServiceRuntime, *, payment_id: str, filing_id: str,
                refund_id: str | None = None) -> ReceiptClaim:
    """A fresh receipt number for the payment (or one of its refunds); a number already taken is drawn again."""
    while True:
        receipt = ReceiptClaim(receipt_number(), verification_code(), payment_id, refund_id)
        try:
            await runtime.db[RECEIPTS].insert_one({
                "_id": receipt.receipt_number, "payment_id": payment_id, "filing_id": filing_id,
                "refund_id": refund_id, "verification_code": receipt.verification_code,
                "claimed_at": clock.iso()})
            return receipt
        except DuplicateKeyError:
            continue


async def release(runtime: ServiceRuntime, receipt: ReceiptClaim) -> None:
    """Give back a number whose payment was settled by a rival callback (it was never on any receipt)."""
    await runtime.db[RECEIPTS].delete_one({"_id": receipt.receipt_number})


async def find(runtime: ServiceRuntime, number: str) -> ReceiptClaim | None:
    doc = await runtime.db[RECEIPTS].find_one({"_id": number})
    return ReceiptClaim(doc["_id"], doc["verification_code"], doc["payment_id"], doc.get("refund_id")) if doc else None
