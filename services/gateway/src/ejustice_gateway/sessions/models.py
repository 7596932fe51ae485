from pydantic import Field

from ejustice_shared.models import RequestModel


class RefreshCreate(RequestModel):
    refresh_token: str = Field(min_length=1, max_length=200)
