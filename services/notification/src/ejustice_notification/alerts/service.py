"""SMS texts from templates in fa, vi and en, sent through the configured channel."""

import json
import string
from functools import cache
from pathlib import Path

import httpx
import structlog
from pymongo.errors import DuplicateKeyError

from ejustice_notification.alerts.channels import SandboxSms, SmsChannel, make_channel
from ejustice_notification.alerts.models import Language, SandboxSmsRead, SmsCreate, SmsSentRead, Template
from ejustice_notification.common import iso, now
from ejustice_shared.people import normalize_mobile, normalize_text, only_digits
from ejustice_shared.problems import Problem
from ejustice_shared.runtime import ServiceRuntime

log = structlog.get_logger()

ALERT_CLAIMS = "alert_claims"  # one per alert sent or being sent, _id = the alert's key
OTP_DIGITS = range(4, 11)
NOT_A_MOBILE = {"field": "to", "code": "not-a-mobile",
                "reason": "Enter a mobile number in Iran (+98...) or Vietnam (+84...)."}


@cache
def templates() -> dict[str, dict[str, str]]:
    return json.loads((Path(__file__).parent / "templates.json").read_text("utf-8"))


def placeholders(template: Template) -> set[str]:
    """The params a template needs, read from its texts."""
    return {field for text in templates()[template].values()
            for _, field, _, _ in string.Formatter().parse(text) if field}


def render(template: Template, language: Language, params: dict[str, str]) -> str:
    return templates()[template][language].format(**params)


def mobile_number(typed: str) -> str | None:
    """The number in E.164 if it is a mobile in a jurisdiction ejustice serves, else None."""
    for jurisdiction in ("IR", "VN"):
        try:
            return normalize_mobile(typed, jurisdiction)
        except ValueError:
            continue
    return None


def check(create: SmsCreate) -> tuple[str | None, dict[str, str], list[dict]]:
    """The normalised number and params, and every problem found, all at once."""
    errors = []
    to = mobile_number(create.to)
    if to is None:
        errors.append(NOT_A_MOBILE)
    params = {name: normalize_text(value).strip() for name, value in create.params.items()}
    needed = placeholders(create.template)
    errors += [{"field": f"params.{name}", "code": "missing", "reason": f"The '{create.template}' text needs {name}."}
               for name in sorted(needed - params.keys())]
    errors += [{"field": f"params.{name}", "code": "unknown-param",
                "reason": f"The '{create.template}' text takes only: {', '.join(sorted(needed))}."}
               for name in sorted(params.keys() - needed)]
    if create.template == "otp" and "code" in params:
        params["code"] = only_digits(params["code"])
        if not params["code"].isdigit() or len(params["code"]) not in OTP_DIGITS:
            errors.append({"field": "params.code", "code": "not-a-code",
                           "reason": f"A one-time code has {OTP_DIGITS.start} to {OTP_DIGITS.stop - 1} digits."})
    return to, params, errors


def channel(runtime: ServiceRuntime) -> SmsChannel:
    return runtime.state["sms"]


async def open_channel(runtime: ServiceRuntime) -> None:
    runtime.state["sms"] = make_channel(runtime.settings, runtime.db)


async def close_channel(runtime: ServiceRuntime) -> None:
    await channel(runtime).close()


async def send(runtime: ServiceRuntime, *, create: SmsCreate) -> SmsSentRead:
    to, params, errors = check(create)
    if errors:
        raise Problem(422, "validation", errors=errors)
    try:
        message_id = await channel(runtime).send(to=to, text=render(create.template, create.language, params))
    except httpx.HTTPError as exc:
        raise Problem(502, "sms-provider-unavailable", detail="The SMS provider did not take the message.") from exc
    return SmsSentRead(message_id=message_id, to=to)


async def alert_once(runtime: ServiceRuntime, *, key: str, to: str, template: Template, language: Language,
                     params: dict[str, str]) -> None:
    """Send an alert once per key, even when two deliveries of one event run side by side.

    The alert is claimed by a unique insert before it is sent, and the claim is given back if the
    channel fails, so the event's redelivery tries again. A process that dies between the claim and
    the send loses that one alert (the notice itself is in the e-box): a lost courtesy text is
    better than texting a person twice.
    """
    claims = runtime.db[ALERT_CLAIMS]
    try:
        await claims.insert_one({"_id": key, "claimed_at": iso(now())})
    except DuplicateKeyError:
        return
    try:
        message_id = await channel(runtime).send(to=to, text=render(template, language, params))
    except BaseException:
        await claims.delete_one({"_id": key})
        raise
    log.info("alert sent", key=key, message_id=message_id)


async def sandbox_outbox(runtime: ServiceRuntime, *, to: str, limit: int) -> list[SandboxSmsRead]:
    sms = channel(runtime)
    if runtime.settings.environment == "production" or not isinstance(sms, SandboxSms):
        raise Problem(404, "not-found", detail="There is no sandbox SMS outbox here.")
    number = mobile_number(to)
    if number is None:
        raise Problem(422, "validation", errors=[NOT_A_MOBILE])
    return [SandboxSmsRead(message_id=doc["_id"], to=doc["to"], text=doc["text"], sent_at=doc["sent_at"])
            for doc in await sms.outbox(number, limit=limit)]
