"""Composition root of the notification service: e-boxes, notices, deemed service, SMS alerts and paper service;
courts' notices, their alerts, deadlines, the outage register, the monitor, batches and statistics."""

from ejustice_notification.alerting import service as alerting
from ejustice_notification.alerting import views as alerting_views
from ejustice_notification.alerts import service as alert_service
from ejustice_notification.alerts import views as alert_views
from ejustice_notification.batches import service as batches
from ejustice_notification.batches import views as batch_views
from ejustice_notification.common import chain, collect_garbage_less, retire_bindings
from ejustice_notification.contacts import views as contact_views
from ejustice_notification.deadlines import flows as deadline_flows
from ejustice_notification.deadlines import views as deadline_views
from ejustice_notification.eboxes import flows as ebox_flows
from ejustice_notification.eboxes import views as ebox_views
from ejustice_notification.monitor import service as monitor
from ejustice_notification.monitor import views as monitor_views
from ejustice_notification.notices import flows as notice_flows
from ejustice_notification.notices import views as notice_views
from ejustice_notification.outages import flows as outage_flows
from ejustice_notification.outages import views as outage_views
from ejustice_notification.paper import flows as paper_flows
from ejustice_notification.paper import views as paper_views
from ejustice_notification.posting import flows as posting_flows
from ejustice_notification.posting import views as posting_views
from ejustice_notification.settings import NotificationSettings
from ejustice_notification.statistics import flows as statistics_flows
from ejustice_notification.statistics import views as statistics_views
from ejustice_shared.events import (
    AccountRegistered,
    CourtNoticePosted,
    CourtNoticeRecorded,
    CourtNoticeRejected,
    FilingAccepted,
    FilingReturned,
    FilingSubmitted,
    NoticeAlerted,
    NoticeAlertFailed,
    NoticeBatchCompleted,
    NoticeDeadlineExtended,
    NoticeDeadlineSet,
    NoticeDelivered,
    NoticeServed,
    NoticeStuck,
    NoticeViewed,
    OfficeWorkHandedOver,
    OutageConfirmed,
    OutageRecorded,
    PaperServiceAssigned,
    PaperServiceRecorded,
    PaperServiceRequested,
    PaymentCompleted,
    PaymentRefunded,
    by_court_routing_key,
)
from ejustice_shared.runtime import ServiceRuntime

settings = NotificationSettings()
runtime = ServiceRuntime("notification", settings)

runtime.on_startup(collect_garbage_less)
runtime.on_bus_ready(retire_bindings)
runtime.on_startup(alert_service.open_channel)
runtime.on_startup(alerting.open_channels)
runtime.on_startup(notice_flows.start_deemed_service_clock)
runtime.on_startup(alerting.start_worker)
runtime.on_startup(outage_flows.start_detector)
runtime.on_startup(monitor.start_monitor)
runtime.on_startup(batches.start_worker)
runtime.on_shutdown(batches.stop_worker)
runtime.on_shutdown(monitor.stop_monitor)
runtime.on_shutdown(outage_flows.stop_detector)
runtime.on_shutdown(alerting.stop_worker)
runtime.on_shutdown(notice_flows.stop_deemed_service_clock)
runtime.on_shutdown(alert_service.close_channel)
runtime.check_readiness("deemed-service", lambda: notice_flows.deemed_service_clock_readiness(runtime))
runtime.check_readiness("alert-worker", lambda: alerting.worker_readiness(runtime))
runtime.check_readiness("notice-monitor", lambda: monitor.monitor_readiness(runtime))
runtime.check_readiness("batch-worker", lambda: batches.worker_readiness(runtime))

runtime.include(ebox_views.router)
runtime.include(contact_views.router)
runtime.include(notice_views.router)
runtime.include(deadline_views.router)
runtime.include(posting_views.documents_router)
runtime.include(batch_views.router)  # before the posting router: /court-notices/batches is not a reference
runtime.include(posting_views.router)
runtime.include(paper_views.router)
runtime.include(alert_views.router)
runtime.include(alerting_views.router)
runtime.include(outage_views.router)
runtime.include(monitor_views.router)
runtime.include(statistics_views.router)

runtime.publishes(NoticeDelivered, NoticeViewed, NoticeServed, PaperServiceRequested, PaperServiceRecorded)
# To the court on its own key (court.<id>.…): its notice taken or refused, its batch served.
runtime.publishes(CourtNoticeRecorded, CourtNoticeRejected, NoticeBatchCompleted)
# A notice's lifecycle, its deadlines and the outage register, for courts' and operators' systems.
runtime.publishes(NoticeAlerted, NoticeAlertFailed, NoticeStuck, NoticeDeadlineSet, NoticeDeadlineExtended,
                  OutageRecorded, OutageConfirmed)
runtime.subscribe(AccountRegistered, ebox_flows.on_account_registered)
runtime.subscribe(FilingAccepted, notice_flows.on_filing_accepted)
runtime.subscribe(FilingReturned, notice_flows.on_filing_returned)
runtime.subscribe(PaperServiceAssigned, paper_flows.on_paper_service_assigned)
runtime.subscribe(OfficeWorkHandedOver, paper_flows.on_work_handed_over)
# Courts publish their notices on their own keys; the broker lets each use only its own.
runtime.subscribe(CourtNoticePosted, posting_flows.on_court_notice_posted,
                  routing_key=by_court_routing_key("*", "notice.posted"))
# The service's own events: a served notice starts its deadline; statistics count every step (a notice itself is
# counted where it is delivered: the queue no longer takes notice.delivered, common.RETIRED_BINDINGS).
runtime.subscribe(PaperServiceRequested, statistics_flows.on_paper_requested)
runtime.subscribe(NoticeViewed, statistics_flows.on_notice_viewed)
runtime.subscribe(NoticeServed, chain(deadline_flows.on_notice_served, statistics_flows.on_notice_served))
runtime.subscribe(PaperServiceRecorded, chain(deadline_flows.on_paper_recorded, statistics_flows.on_paper_recorded))
runtime.subscribe(OutageRecorded, outage_flows.on_outage)
runtime.subscribe(OutageConfirmed, outage_flows.on_outage)
runtime.subscribe(NoticeStuck, monitor.on_notice_stuck)
# Other services' events, counted for the public statistics.
runtime.subscribe(FilingSubmitted, statistics_flows.on_filing_submitted)
runtime.subscribe(PaymentCompleted, statistics_flows.on_payment_completed)
runtime.subscribe(PaymentRefunded, statistics_flows.on_payment_refunded)

app = runtime.create_app()
