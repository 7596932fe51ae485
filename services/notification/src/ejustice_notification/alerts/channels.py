"""Where SMS texts go: a provider behind one small interface, chosen by NOTIFICATION_SMS_PROVIDER.

No channel logs the text: it may carry a one-time code.
"""

import re
from typing import Protocol

import httpx
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from ejustice_notification.settings import NotificationSettings
from ejustice_shared import clock

SANDBOX_COLLECTION = "sandbox_sms"
SANDBOX_KEYS = "sandbox_sms_keys"  # _id = a sender's key → the sequence number its text takes
# The sandbox's operators refuse every text to +98 912 999 3xxx, so tests can make SMS fail.
FAILING_MOBILES = re.compile(r"^\+989129993\d{3}$")


class SmsRefused(httpx.HTTPError):
    """The provider did not take the text."""


class SmsChannel(Protocol):
    async def send(self, *, to: str, text: str, key: str | None = None) -> str:
        """Hand one text to the provider; returns its message id. A text sent again with the same key is not
        sent twice: the provider answers with the first one's id."""
        ...

    async def close(self) -> None: ...


class SandboxSms:
    """Sends nothing: keeps each text as an inserted document an operator or a test can read.

    Messages to one number get dense sequence numbers in their `_id` ("sms-<to>-<seq>"), so a
    number's outbox is read by point look-ups of `_id`, never a scan.
    """

    def __init__(self, db: AsyncDatabase):
        self.messages = db[SANDBOX_COLLECTION]
        self.keys = db[SANDBOX_KEYS]

    @staticmethod
    def message_id(to: str, seq: int) -> str:
        return f"sms-{to}-{seq:08d}"

    async def _exists(self, to: str, seq: int) -> bool:
        return await self.messages.find_one({"_id": self.message_id(to, seq)}, {"_id": 1}) is not None

    async def _last_seq(self, to: str) -> int:
        """The highest sequence number used for this number: gallop up, then halve the gap (O(log n) look-ups)."""
        low, high = 0, 1
        while await self._exists(to, high):
            low, high = high, high * 2
        while high - low > 1:  # low exists (or is 0), high does not
            middle = (low + high) // 2
            low, high = (middle, high) if await self._exists(to, middle) else (low, middle)
        return low

    async def send(self, *, to: str, text: str, key: str | None = None) -> str:
        if FAILING_MOBILES.match(to):
            raise SmsRefused("sandbox: the operator refuses texts to this number")
        if key:
            return await self._send_once(to=to, text=text, key=key)
        seq = await self._last_seq(to) + 1
        while True:
            doc = {"_id": self.message_id(to, seq), "to": to, "seq": seq, "text": text, "sent_at": clock.iso()}
            try:
                await self.messages.insert_one(doc)
                return doc["_id"]
            except DuplicateKeyError:  # another sender took the slot: the next one is free or will be
                seq += 1

    async def _send_once(self, *, to: str, text: str, key: str) -> str:
        """A keyed text takes its slot in two steps that can both be repeated: the key claims a sequence
        number, then the text is inserted there; so a sender that dies between them, or after, and sends
        again finds its own text or its claim, and nothing goes out twice. A new key (the usual case) costs
        the look-up of the number's last slot and the two inserts: what is there already is read only when an
        insert finds it, so that the alert queue's sends at its rate limit cost about what a provider's call does."""
        while True:
            claim = {"_id": key, "to": to, "seq": await self._last_seq(to) + 1}
            try:
                await self.keys.insert_one(claim)
            except DuplicateKeyError:  # claimed by an earlier send of this key
                claim = await self.keys.find_one({"_id": key})
                if claim is None:
                    continue
            message_id = self.message_id(to, claim["seq"])
            try:
                await self.messages.insert_one({"_id": message_id, "to": to, "seq": claim["seq"], "text": text,
                                                "key": key, "sent_at": clock.iso()})
                return message_id
            except DuplicateKeyError:
                there = await self.messages.find_one({"_id": message_id}, {"key": 1})
                if there is not None and there.get("key") == key:  # sent before
                    return message_id
            # Another text took the slot first: claim the next free one.
            await self.keys.update_one({"_id": key, "seq": claim["seq"]},
                                       {"$set": {"seq": await self._last_seq(to) + 1}})

    async def outbox(self, to: str, *, limit: int) -> list[dict]:
        """The latest messages to a number, newest first."""
        last = await self._last_seq(to)
        ids = [self.message_id(to, seq) for seq in range(last, max(last - limit, 0), -1)]
        found = [await self.messages.find_one({"_id": message_id}) for message_id in ids]
        return [doc for doc in found if doc is not None]

    async def close(self) -> None:
        return None


class HttpSmsProvider:
    """A provider's HTTP API: POST {to, text, sender, reference?} with the API key, answered with {"message_id"}.

    The provider is expected to send a text once per `reference` (the alert's key), as SMS gateways that take a
    client reference do, so that an alert retried after a crash is not texted twice.
    """

    def __init__(self, *, url: str, api_key: str, sender: str, timeout: float):
        self.url = url
        self.sender = sender
        self._client = httpx.AsyncClient(timeout=timeout, headers={"authorization": f"Bearer {api_key}"})

    async def send(self, *, to: str, text: str, key: str | None = None) -> str:
        body = {"to": to, "text": text, "sender": self.sender} | ({"reference": key} if key else {})
        answer = await self._client.post(self.url, json=body)
        answer.raise_for_status()
        return str(answer.json()["message_id"])

    async def close(self) -> None:
        await self._client.aclose()


def make_channel(settings: NotificationSettings, db: AsyncDatabase) -> SmsChannel:
    if settings.sms_provider == "http":
        return HttpSmsProvider(url=settings.sms_http_url, api_key=settings.sms_api_key, sender=settings.sms_sender,
                               timeout=settings.sms_timeout_seconds)
    return SandboxSms(db)
