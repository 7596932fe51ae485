"""What a service is made of at run time, assembled in its composition root (`main.py`):

    runtime = ServiceRuntime("payment", PaymentSettings())
    runtime.include(fees.views.router)
    runtime.publishes(FeeAssessed, PaymentCompleted)
    runtime.subscribe(FilingSubmitted, fees.flows.assess_fee)
    app = runtime.create_app()

What a service publishes and what it subscribes to are listed side by side there; the AsyncAPI
document is generated from both lists (`make schemas`; docs/architecture.md).

It owns the database client, the commit store, the event bus and the outbox relay, and
gives every app the same problem+json errors, health, readiness, metrics and tracing.
"""

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ejustice_shared import logs, metrics, problems, queries, telemetry
from ejustice_shared.auth import TokenVerifier
from ejustice_shared.bus import EventBus
from ejustice_shared.commits import CommitStore
from ejustice_shared.context import correlation_id
from ejustice_shared.events import Envelope, EventData
from ejustice_shared.outbox import OutboxRelay
from ejustice_shared.settings import ServiceSettings

log = structlog.get_logger()

EventHandler = Callable[["ServiceRuntime", Envelope, Any], Awaitable[None]]
StartupHook = Callable[["ServiceRuntime"], Awaitable[None]]
STARTUP_PATIENCE_SECONDS = 120


class ServiceRuntime:
    def __init__(self, name: str, settings: ServiceSettings):
        self.name = name
        self.settings = settings
        self.bus = EventBus(settings, name)
        self.mongo: AsyncMongoClient | None = None
        self.db: AsyncDatabase | None = None
        self.commits: CommitStore | None = None
        self.relay: OutboxRelay | None = None
        self.state: dict[str, Any] = {}
        self._routers: list[APIRouter] = []
        self._startup: list[StartupHook] = []
        self._shutdown: list[StartupHook] = []
        self._bus_ready: list[StartupHook] = []
        self._readiness_checks: dict[str, Callable[[], Awaitable[str | None]]] = {}
        # The published events this service's commits carry, and the (event, routing key) it consumes.
        self.published: list[type[EventData]] = []
        self.subscriptions: list[tuple[type[EventData], str]] = []

    # --- composition -----------------------------------------------------------------------------

    def include(self, router: APIRouter) -> None:
        self._routers.append(router)

    def publishes(self, *events: type[EventData]) -> None:
        """Declare the published events this service's commits carry (the outbox relay sends them)."""
        self.published.extend(events)

    def subscribe(self, event: type[EventData], handler: EventHandler, *, routing_key: str | None = None) -> None:
        self.subscriptions.append((event, routing_key or event.type))

        async def bound(envelope: Envelope, data: Any) -> None:
            await handler(self, envelope, data)

        self.bus.subscribe(event, bound, routing_key=routing_key)

    def on_startup(self, hook: StartupHook) -> None:
        """Run after the database is connected and before events flow (indexes, seed data)."""
        self._startup.append(hook)

    def on_bus_ready(self, hook: StartupHook) -> None:
        """Run once the broker is connected, before this service consumes (declaring queues for others)."""
        self._bus_ready.append(hook)

    def on_shutdown(self, hook: StartupHook) -> None:
        self._shutdown.append(hook)

    def check_readiness(self, name: str, check: Callable[[], Awaitable[str | None]]) -> None:
        """Add a readiness check: it returns a problem in words, or None when all is well."""
        self._readiness_checks[name] = check

    # --- lifecycle -------------------------------------------------------------------------------

    @asynccontextmanager
    async def lifespan(self, app: FastAPI):
        # Every database call gives up after 60 s (client-side operation timeout), which bounds how long a
        # writer can sit between an outbox marker and its commit.
        self.mongo = AsyncMongoClient(self.settings.mongodb_url, tz_aware=True, serverSelectionTimeoutMS=5000,
                                      timeoutMS=60_000, appname=f"ejustice-{self.name}")
        self.db = self.mongo[self.settings.database_name]
        self.commits = CommitStore(self.db, on_commit=lambda commit: (metrics.count_business(commit),
                                                                       self.relay.notify(commit)))
        self.relay = OutboxRelay(self.commits, self.bus, sweep_seconds=self.settings.relay_sweep_seconds,
                                 stale_seconds=self.settings.relay_stale_seconds)
        # The database's side and the broker's connection at once: neither waits for the other.
        await asyncio.gather(self._prepare_database(), _patiently("broker", self.bus.connect))
        for hook in self._bus_ready:
            await hook(self)
        await self.bus.start_consuming()
        self.relay.start()
        log.info("service started", port=self.settings.port)
        try:
            yield
        finally:
            for hook in self._shutdown:
                await hook(self)
            await self.relay.stop()
            await self.bus.close()
            await self.mongo.close()

    async def _prepare_database(self) -> None:
        await _patiently("database", lambda: self.mongo.admin.command("ping"))
        await self.commits.ensure_indexes()
        await queries.create_indexes(self.db, f"ejustice_{self.name}")
        for hook in self._startup:
            await hook(self)

    async def readiness(self) -> dict[str, str]:
        problems_found = dict(self.bus.readiness())
        try:
            await asyncio.wait_for(self.mongo.admin.command("ping"), timeout=2)
        except Exception as exc:
            problems_found["database"] = f"unreachable: {type(exc).__name__}"
        for name, check in self._readiness_checks.items():
            if problem := await check():
                problems_found[name] = problem
        return problems_found

    # --- the app ---------------------------------------------------------------------------------

    def create_app(self, **fastapi_options: Any) -> FastAPI:
        logs.configure(self.name, self.settings.log_level)
        telemetry.configure(self.name, self.settings.otel_endpoint)
        metrics.watch_certificates(self.settings)
        # FastAPI's own tracing is off: OpenTelemetry's instrumentation traces every request already
        # (telemetry.instrument_app), and the two would record each request twice.
        app = FastAPI(title=f"ejustice {self.name}", lifespan=self.lifespan, telemetry={"tracing": False},
                      **fastapi_options)
        app.state.runtime = self
        app.state.token_verifier = TokenVerifier(public_key=self.settings.jwt_public_key,
                                                 issuer=self.settings.jwt_issuer)
        problems.install(app)
        app.add_middleware(ObserveRequests)
        app.include_router(_operations_router())
        for router in self._routers:  # every answer that is not a success is problem+json, and documented so
            app.include_router(router, responses=problems.PROBLEM_RESPONSES)
        telemetry.instrument_app(app)
        return app


async def _patiently(what: str, attempt: Callable[[], Awaitable[Any]]) -> None:
    """Retry a connection at start-up, so services may start before the servers they need."""
    deadline = time.monotonic() + STARTUP_PATIENCE_SECONDS
    while True:
        try:
            await attempt()
            return
        except Exception as exc:
            if time.monotonic() > deadline:
                raise
            log.warning(f"waiting for the {what}", error=repr(exc))
            await asyncio.sleep(1)


class ObserveRequests:
    """Correlation id and HTTP metrics for every request, as plain ASGI middleware.

    (Starlette's BaseHTTPMiddleware runs the app in another task and streams the answer
    through a queue: a cost on every request of every hop.)"""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v for k, v in scope["headers"] if k == b"x-correlation-id"), b"").decode("latin-1")
        cid = given or uuid.uuid4().hex
        correlation_id.set(cid)
        started = time.perf_counter()
        status = 500

        async def answer(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), (b"x-correlation-id", cid.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, answer)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            method = scope["method"]
            metrics.HTTP_REQUESTS.labels(method, route, str(status)).inc()
            metrics.HTTP_DURATION.labels(method, route).observe(time.perf_counter() - started)
            if status >= 500:
                metrics.HTTP_ERRORS.labels(method, route).inc()


class Readiness(BaseModel):
    status: str
    problems: dict[str, str]


def _operations_router() -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "alive"}

    @router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
    async def readyz(request: Request) -> JSONResponse:
        found = await request.app.state.runtime.readiness()
        status = 200 if not found else 503
        return JSONResponse({"status": "ready" if not found else "not ready", "problems": found}, status_code=status)

    @router.get("/metrics", response_class=PlainTextResponse)
    async def metrics_endpoint() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


async def get_runtime(request: Request) -> ServiceRuntime:
    # async: FastAPI runs a plain dependency in a worker thread, a thread hop on every request.
    return request.app.state.runtime


Runtime = Annotated[ServiceRuntime, Depends(get_runtime)]


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    import uvicorn

    uvicorn.run(app, host=settings.host, port=settings.port, log_config=None, access_log=False,
                timeout_graceful_shutdown=5)
