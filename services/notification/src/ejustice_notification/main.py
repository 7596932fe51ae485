"""Composition root of the notification service: e-service accounts, e-boxes, notices and alerts."""

from ejustice_notification.settings import NotificationSettings
from ejustice_shared.runtime import ServiceRuntime

settings = NotificationSettings()
runtime = ServiceRuntime("notification", settings)

app = runtime.create_app()
