"""Where alert emails go: a sandbox that keeps them, or an SMTP server (stdlib smtplib), chosen by
NOTIFICATION_EMAIL_PROVIDER. Email is the second alert channel: it is tried when SMS fails.
"""

import asyncio
import contextlib
import smtplib
import uuid
from email.message import EmailMessage
from typing import Protocol

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from ejustice_shared import clock

SANDBOX_COLLECTION = "sandbox_email"
# The sandbox refuses mail to this domain as a provider refuses a bad address, so tests can make email fail.
FAILING_DOMAIN = "fail.example"


class EmailRefused(Exception):
    """The provider did not take the message."""


class EmailChannel(Protocol):
    async def send(self, *, to: str, subject: str, text: str, key: str | None = None) -> str:
        """Hand one message to the provider; returns its message id (once per key, where the provider can)."""
        ...

    async def close(self) -> None: ...


class SandboxEmail:
    """Sends nothing: keeps each message as an inserted document a test or an operator can read."""

    def __init__(self, db: AsyncDatabase):
        self.messages = db[SANDBOX_COLLECTION]

    async def send(self, *, to: str, subject: str, text: str, key: str | None = None) -> str:
        if to.lower().endswith("@" + FAILING_DOMAIN):
            raise EmailRefused(f"sandbox: {FAILING_DOMAIN} takes no mail")
        message_id = f"email-{key or uuid.uuid4().hex}"
        with contextlib.suppress(DuplicateKeyError):  # sent before under this key: once is enough
            await self.messages.insert_one({"_id": message_id, "to": to, "subject": subject, "text": text,
                                            "sent_at": clock.iso()})
        return message_id

    async def outbox(self, to: str, *, limit: int) -> list[dict]:
        """The latest messages to an address, newest first."""
        return await self.messages.find({"to": to}).sort("sent_at", -1).limit(limit).to_list(None)

    async def close(self) -> None:
        return None


class SmtpEmail:
    """A real provider over SMTP (STARTTLS and login when configured); smtplib runs in a worker thread."""

    def __init__(self, *, host: str, port: int, username: str, password: str, starttls: bool, sender: str,
                 timeout: float):
        self.host, self.port, self.username, self.password = host, port, username, password
        self.starttls, self.sender, self.timeout = starttls, sender, timeout

    def _send(self, message: EmailMessage) -> None:
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.username:
                    smtp.login(self.username, self.password)
                smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            raise EmailRefused(f"SMTP: {type(exc).__name__}") from exc

    async def send(self, *, to: str, subject: str, text: str, key: str | None = None) -> str:
        """SMTP has no idempotency: the Message-ID follows the key, so a retried alert can be recognised."""
        message = EmailMessage()
        message_id = f"<{key or uuid.uuid4().hex}@ejustice>"
        message["From"], message["To"], message["Subject"], message["Message-ID"] = self.sender, to, subject, message_id
        message.set_content(text)
        await asyncio.to_thread(self._send, message)
        return message_id

    async def close(self) -> None:
        return None


def make_email_channel(settings, db: AsyncDatabase) -> EmailChannel:
    if settings.email_provider == "smtp":
        return SmtpEmail(host=settings.smtp_host, port=settings.smtp_port, username=settings.smtp_username,
                         password=settings.smtp_password, starttls=settings.smtp_starttls,
                         sender=settings.email_sender, timeout=settings.smtp_timeout_seconds)
    return SandboxEmail(db)
