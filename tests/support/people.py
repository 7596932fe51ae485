"""Valid personal numbers for tests, made from a seed."""


def iranian_national_code(seed: int) -> str:
    """A 10-digit Iranian national code whose last digit checks the first nine."""
    body = f"{(seed * 7919 + 1234567) % 10**9:09d}"
    total = sum(int(body[i]) * (10 - i) for i in range(9)) % 11
    return body + str(total if total < 2 else 11 - total)


def iranian_mobile(seed: int) -> str:
    return f"+98912{seed % 10**7:07d}"
