"""Composition root of the registry service: places, courts and their queues, jurisdiction, and service offices
with their licences, staff, queue tickets and load."""

from ejustice_registry.appointments import views as appointment_views
from ejustice_registry.courts import views as court_views
from ejustice_registry.courts.queues import declare_court_queues
from ejustice_registry.jurisdiction import service as jurisdiction_service
from ejustice_registry.jurisdiction import views as jurisdiction_views
from ejustice_registry.offices import flows as office_flows
from ejustice_registry.offices import service as office_service
from ejustice_registry.offices import views as office_views
from ejustice_registry.places import views as place_views
from ejustice_registry.queues import service as queue_service
from ejustice_registry.queues import views as queue_views
from ejustice_registry.recommendations import service as recommendation_service
from ejustice_registry.recommendations import views as recommendation_views
from ejustice_registry.settings import RegistrySettings
from ejustice_registry.staff import views as staff_views
from ejustice_shared.events import (
    OfficeApplied,
    OfficeDissolved,
    OfficeLicensed,
    OfficeRecommendationMade,
    OfficeReinstated,
    OfficeSuspended,
    OfficeWorkHandedOver,
    PaperServiceAssigned,
    PaperServiceRequested,
)
from ejustice_shared.runtime import ServiceRuntime

settings = RegistrySettings()
runtime = ServiceRuntime("registry", settings)

runtime.include(place_views.router)
runtime.include(court_views.router)
runtime.include(jurisdiction_views.router)
runtime.include(recommendation_views.router)  # before /offices/{office_id}
runtime.include(office_views.router)
runtime.include(staff_views.router)
runtime.include(queue_views.router)
runtime.include(appointment_views.router)

runtime.on_startup(jurisdiction_service.load_reference_data)
runtime.on_startup(office_service.seed_sample_offices)
runtime.on_startup(office_service.keep_directory_fresh)
runtime.on_startup(queue_service.keep_waits_fresh)
runtime.on_startup(recommendation_service.keep_reviewing)
runtime.on_shutdown(office_service.stop_directory)
runtime.on_shutdown(queue_service.stop_waits)
runtime.on_shutdown(recommendation_service.stop_reviewing)

runtime.publishes(OfficeApplied, OfficeLicensed, OfficeSuspended, OfficeReinstated, OfficeDissolved,
                  OfficeWorkHandedOver, OfficeRecommendationMade, PaperServiceAssigned)
runtime.subscribe(PaperServiceRequested, office_flows.on_paper_service_requested)
runtime.subscribe(OfficeRecommendationMade, recommendation_service.on_recommendation_made)

# Each court's own queue, so filings forwarded to a court are routed even while it is not connected.
runtime.on_bus_ready(declare_court_queues)

app = runtime.create_app()
