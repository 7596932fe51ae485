"""What the notification service does when a person registers for e-service."""

from ejustice_notification.eboxes import service
from ejustice_shared.events import AccountRegistered, Envelope
from ejustice_shared.runtime import ServiceRuntime


async def on_account_registered(runtime: ServiceRuntime, envelope: Envelope, event: AccountRegistered) -> None:
    await service.open_ebox(runtime, cause=envelope, account=event)
