"""Composition root of the gateway: identity, proofing and sessions, and the one public door to the services."""

import httpx

from ejustice_gateway.confirmations import views as confirmation_views
from ejustice_gateway.identity import service as identity
from ejustice_gateway.identity import views as identity_views
from ejustice_gateway.offices import flows as office_flows
from ejustice_gateway.offices import service as office_service
from ejustice_gateway.proofing import providers as proofing_providers
from ejustice_gateway.proofing import views as proofing_views
from ejustice_gateway.proxy import service as proxy
from ejustice_gateway.proxy import views as proxy_views
from ejustice_gateway.sessions import views as session_views
from ejustice_gateway.settings import GatewaySettings
from ejustice_gateway.staff import views as staff_views
from ejustice_gateway.web import site as portal
from ejustice_shared.events import AccountRegistered
from ejustice_shared.runtime import ServiceRuntime

settings = GatewaySettings()
runtime = ServiceRuntime("gateway", settings)


async def open_clients(runtime: ServiceRuntime) -> None:
    runtime.state["http"] = httpx.AsyncClient(timeout=settings.upstream_timeout_seconds)
    runtime.state["issuer"] = identity.issuer(runtime)
    runtime.state["mobile_ownership"], runtime.state["national_eid"] = proofing_providers.providers(runtime)


async def close_clients(runtime: ServiceRuntime) -> None:
    await runtime.state["http"].aclose()


runtime.on_startup(open_clients)
runtime.on_shutdown(close_clients)
runtime.check_readiness("services", lambda: proxy.upstream_readiness(runtime))

runtime.include(identity_views.router)
runtime.include(proofing_views.router)
runtime.include(session_views.router)
runtime.include(confirmation_views.router)
runtime.include(staff_views.router)
runtime.include(proxy_views.router)

runtime.publishes(AccountRegistered)  # otherwise it asks the services over HTTP
# The licence of each office, so a suspended office's staff are refused on their next request.
for licence_event in office_flows.LICENCE_EVENTS:
    runtime.subscribe(licence_event, office_flows.on_licence_step)

app = runtime.create_app()
app.add_middleware(office_service.RefuseSuspendedOffices)
portal.install(app)  # the citizen portal: every path outside /api
