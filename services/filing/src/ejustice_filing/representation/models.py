"""Power of attorney on a filing: the filer names a lawyer by national ID or by bar licence number."""

from pydantic import BaseModel, Field

from ejustice_shared.models import RequestModel
from ejustice_shared.people import only_digits

BAR_NUMBER_DIGITS = 12


def normalize_bar_number(value: str | None) -> str | None:
    """A bar licence number as digits without leading zeros (Persian digits, separators accepted); None if not one."""
    if not value:
        return None
    digits = only_digits(value).lstrip("0")
    return digits if digits.isascii() and digits.isdigit() and len(digits) <= BAR_NUMBER_DIGITS else None


class AttorneyNamed(RequestModel):
    """The lawyer, by exactly one of national ID or bar licence number."""

    national_id: str | None = Field(None, min_length=1, max_length=32,
                                    description="The lawyer's national ID in the filing's jurisdiction.")
    bar_number: str | None = Field(None, min_length=1, max_length=32,
                                   description=f"The lawyer's bar licence number: 1 to {BAR_NUMBER_DIGITS} digits.")


class AttorneyRead(BaseModel):
    grant_id: str
    national_id: str | None = None
    bar_number: str | None = None
    granted_at: str
