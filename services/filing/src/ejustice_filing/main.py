"""Composition root of the filing service: filings, their subjects, documents and dossier, and the court's side."""

import httpx

from ejustice_filing.court import views as court_views
from ejustice_filing.documents import views as document_views
from ejustice_filing.dossier import flows as dossier_flows
from ejustice_filing.dossier import service as dossier_service
from ejustice_filing.dossier import views as dossier_views
from ejustice_filing.filings import flows as filing_flows
from ejustice_filing.filings import jurisdiction
from ejustice_filing.filings import views as filing_views
from ejustice_filing.offices import flows as office_flows
from ejustice_filing.representation import views as representation_views
from ejustice_filing.settings import FilingSettings
from ejustice_filing.subjects import views as subject_views
from ejustice_shared.events import (
    DossierCheckpointed,
    FeeAssessed,
    FeeReassessed,
    FilingAccepted,
    FilingForwarded,
    FilingResubmitted,
    FilingReturned,
    FilingSubmitted,
    NoticeAlerted,
    NoticeAlertFailed,
    NoticeDeadlineExtended,
    NoticeDeadlineSet,
    NoticeDelivered,
    NoticeServed,
    NoticeViewed,
    OfficeWorkHandedOver,
    PaperServiceRecorded,
    PaperServiceRequested,
    PaymentCompleted,
    PaymentExpired,
    PaymentRefunded,
    PaymentRefundRequested,
    ReconciliationMismatch,
)
from ejustice_shared.runtime import ServiceRuntime

settings = FilingSettings()
runtime = ServiceRuntime("filing", settings)


async def open_registry_client(runtime: ServiceRuntime) -> None:
    runtime.state["registry"] = httpx.AsyncClient(base_url=settings.registry_url, timeout=10)
    runtime.state["competent_courts"] = jurisdiction.remember_answers(settings.court_answer_seconds)


async def close_registry_client(runtime: ServiceRuntime) -> None:
    await runtime.state["registry"].aclose()


runtime.on_startup(open_registry_client)
runtime.on_shutdown(close_registry_client)
runtime.on_startup(dossier_service.open_checkpoint_log)
runtime.on_bus_ready(dossier_service.start_checkpointer)
runtime.on_shutdown(dossier_service.stop_checkpointer)

runtime.include(subject_views.router)
runtime.include(filing_views.router)
runtime.include(document_views.router)
runtime.include(representation_views.router)
runtime.include(dossier_views.router)
runtime.include(dossier_views.checkpoints_router)
runtime.include(court_views.router)

runtime.publishes(FilingSubmitted, FilingResubmitted, FilingForwarded, FilingAccepted, FilingReturned,
                  DossierCheckpointed)
runtime.subscribe(FeeAssessed, filing_flows.on_fee_assessed)
runtime.subscribe(FeeReassessed, filing_flows.on_fee_assessed)
runtime.subscribe(PaymentCompleted, filing_flows.on_payment_completed)
runtime.subscribe(DossierCheckpointed, dossier_flows.on_checkpointed)
runtime.subscribe(OfficeWorkHandedOver, office_flows.on_work_handed_over)
for noticed in (NoticeDelivered, NoticeViewed, NoticeServed, PaperServiceRequested, PaperServiceRecorded,
                PaymentExpired, PaymentRefundRequested, PaymentRefunded, ReconciliationMismatch,
                NoticeAlerted, NoticeAlertFailed, NoticeDeadlineSet, NoticeDeadlineExtended):
    runtime.subscribe(noticed, filing_flows.on_noticed)

app = runtime.create_app()
