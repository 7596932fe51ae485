from dataclasses import dataclass, field

from pydantic import BaseModel, Field

from ejustice_shared.people import Jurisdiction


@dataclass(frozen=True)
class Ebox:
    """An e-box as its stream leaves it: who owns it, where alerts go, and the ids of its notices."""

    ebox_id: str
    jurisdiction: Jurisdiction
    national_id: str
    account_id: str
    mobile: str
    user_code: str
    opened_at: str
    notice_ids: tuple[str, ...] = field(default=())


class EboxRead(BaseModel):
    ebox_id: str
    user_code: str = Field(description="10 digits, the last a check digit: the person's e-notification code.")
    opened_at: str
    notices: int
    unread: int
