"""Numbers people read out and type back: tracking codes, user codes, receipt numbers.

Random digits with a check digit catch a misread or swapped digit; uniqueness is a claim:
an insert whose `_id` is the code, drawn again if it is taken.
"""

import secrets
from collections.abc import Callable

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError


def random_digits(count: int) -> str:
    return "".join(str(secrets.randbelow(10)) for _ in range(count))


def luhn_digit(body: str) -> str:
    """The digit that makes the Luhn sum of body + digit a multiple of 10."""
    total = 0
    for position, digit in enumerate(reversed(body)):
        value = int(digit) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


def with_luhn(length: int) -> str:
    """`length` digits, the last a Luhn check digit."""
    body = random_digits(length - 1)
    return body + luhn_digit(body)


def luhn_valid(code: str, length: int) -> bool:
    return len(code) == length and code.isascii() and code.isdigit() and luhn_digit(code[:-1]) == code[-1]


async def claim_unique(collection: AsyncCollection, make: Callable[[], str], **fields) -> str:
    """Draw codes with `make` until one is not taken, and claim it by inserting {_id: code, **fields}."""
    while True:
        code = make()
        try:
            await collection.insert_one({"_id": code, **fields})
            return code
        except DuplicateKeyError:
            continue
