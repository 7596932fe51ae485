"""Composition root of the notification service: e-boxes, notices, deemed service, SMS alerts and paper service."""

from ejustice_notification.alerts import service as alert_service
from ejustice_notification.alerts import views as alert_views
from ejustice_notification.eboxes import flows as ebox_flows
from ejustice_notification.eboxes import views as ebox_views
from ejustice_notification.notices import flows as notice_flows
from ejustice_notification.notices import views as notice_views
from ejustice_notification.paper import flows as paper_flows
from ejustice_notification.paper import views as paper_views
from ejustice_notification.settings import NotificationSettings
from ejustice_shared.events import (
    AccountRegistered,
    FilingAccepted,
    FilingReturned,
    NoticeDelivered,
    NoticeServed,
    NoticeViewed,
    OfficeWorkHandedOver,
    PaperServiceAssigned,
    PaperServiceRecorded,
    PaperServiceRequested,
)
from ejustice_shared.runtime import ServiceRuntime

settings = NotificationSettings()
runtime = ServiceRuntime("notification", settings)

runtime.on_startup(alert_service.open_channel)
runtime.on_startup(notice_flows.start_deemed_service_clock)
runtime.on_shutdown(notice_flows.stop_deemed_service_clock)
runtime.on_shutdown(alert_service.close_channel)
runtime.check_readiness("deemed-service", lambda: notice_flows.deemed_service_clock_readiness(runtime))

runtime.include(ebox_views.router)
runtime.include(notice_views.router)
runtime.include(paper_views.router)
runtime.include(alert_views.router)

runtime.publishes(NoticeDelivered, NoticeViewed, NoticeServed, PaperServiceRequested, PaperServiceRecorded)
runtime.subscribe(AccountRegistered, ebox_flows.on_account_registered)
runtime.subscribe(FilingAccepted, notice_flows.on_filing_accepted)
runtime.subscribe(FilingReturned, notice_flows.on_filing_returned)
runtime.subscribe(PaperServiceAssigned, paper_flows.on_paper_service_assigned)
runtime.subscribe(OfficeWorkHandedOver, paper_flows.on_work_handed_over)

app = runtime.create_app()
