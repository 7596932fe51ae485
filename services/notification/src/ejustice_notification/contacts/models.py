from pydantic import BaseModel, Field

from ejustice_shared.models import RequestModel


class EmailUpdate(RequestModel):
    email: str = Field(min_length=3, max_length=254, description="Where alerts go when SMS fails.")


class ContactRead(BaseModel):
    ebox_id: str
    email: str | None
