"""Composition root of the registry service: places, courts and their queues, and jurisdiction."""

from ejustice_registry.courts import views as court_views
from ejustice_registry.courts.queues import declare_court_queues
from ejustice_registry.jurisdiction import service as jurisdiction_service
from ejustice_registry.jurisdiction import views as jurisdiction_views
from ejustice_registry.places import views as place_views
from ejustice_registry.settings import RegistrySettings
from ejustice_shared.runtime import ServiceRuntime

settings = RegistrySettings()
runtime = ServiceRuntime("registry", settings)

runtime.include(place_views.router)
runtime.include(court_views.router)
runtime.include(jurisdiction_views.router)

runtime.on_startup(jurisdiction_service.load_reference_data)

# Each court's own queue, so filings forwarded to a court are routed even while it is not connected.
# Publishes and consumes no event; declares each court's queue (`court.<id>.#`) for the courts' clients.
runtime.on_bus_ready(declare_court_queues)

app = runtime.create_app()
