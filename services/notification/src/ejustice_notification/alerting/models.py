from pydantic import BaseModel


class SandboxEmailRead(BaseModel):
    message_id: str
    to: str
    subject: str
    text: str
    sent_at: str
