"""Valid personal numbers for tests, made from a seed."""

import uuid


def iranian_national_code(seed: int) -> str:
    """A 10-digit Iranian national code whose last digit checks the first nine."""
    body = f"{(seed * 7919 + 1234567) % 10**9:09d}"
    total = sum(int(body[i]) * (10 - i) for i in range(9)) % 11
    return body + str(total if total < 2 else 11 - total)


def iranian_mobile(seed: int) -> str:
    return f"+98912{seed % 10**7:07d}"


def vietnamese_citizen_id(seed: int, *, serial: int | None = None) -> str:
    """A 12-digit citizen ID: Hà Nội (001), a man born in 1990, and a serial from the seed (below the sandbox's
    reserved 999000-999199 unless given)."""
    return f"001090{(seed % 999000 if serial is None else serial):06d}"


def vietnamese_mobile(seed: int) -> str:
    return f"+8491{seed % 10**7:07d}"


def seed() -> int:
    """A fresh seed, so that a test's people are its own on a shared platform."""
    return uuid.uuid4().int % 10**6
