from typing import Literal

from pydantic import BaseModel, Field

from ejustice_shared.models import RequestModel

Language = Literal["fa", "vi", "en"]
Template = Literal["otp", "notice", "on-behalf"]


class SmsCreate(RequestModel):
    to: str = Field(min_length=1, max_length=32, description="A mobile number in Iran or Vietnam, E.164 or as typed.")
    template: Template
    language: Language
    params: dict[str, str] = Field(default_factory=dict, description="The template's placeholders, e.g. {code}.")


class SmsSentRead(BaseModel):
    message_id: str
    to: str


class SandboxSmsRead(BaseModel):
    message_id: str
    to: str
    text: str
    sent_at: str
