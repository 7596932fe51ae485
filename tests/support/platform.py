"""Runs ejustice services as real processes against the real broker and database, for tests and benchmarks.

Every platform gets its own bus namespace and databases, so runs never see each other's
queues or data, and it ends only the processes it started.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("registry", "notification", "payment", "filing", "gateway")
LOGS = ROOT / ".data" / "logs" / "tests"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ensure_infrastructure() -> None:
    """Start RabbitMQ and the MongoDB-wire server, or reuse running ones."""
    for part in ("rabbitmq", "mongodb"):
        subprocess.run(["bash", str(ROOT / "scripts" / "infra.sh"), part], check=True)


def wait_until(check, *, timeout: float = 30.0, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = check()
            if last:
                return last
        except Exception as exc:  # not there yet
            last = exc
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}; last: {last!r}")


@dataclass
class ServiceProcess:
    name: str
    port: int
    env: dict[str, str]
    process: subprocess.Popen | None = None
    log_path: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, **extra_env: str) -> "ServiceProcess":
        LOGS.mkdir(parents=True, exist_ok=True)
        self.log_path = LOGS / f"{self.env['BUS_NAMESPACE']}-{self.name}.log"
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child keeps it
        env = {**os.environ, **self.env, "PORT": str(self.port), **extra_env}
        self.process = subprocess.Popen([sys.executable, "-m", f"ejustice_{self.name}"], env=env, cwd=ROOT,
                                        stdout=log, stderr=subprocess.STDOUT)
        return self

    def wait_ready(self, timeout: float = 180.0) -> None:  # a busy 2-core machine starts five services slowly
        def ready():
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {self.log_path}")
            return httpx.get(self.url + "/readyz", timeout=2).status_code == 200

        wait_until(ready, timeout=timeout, what=f"{self.name} ready")

    def wait_exit(self, timeout: float = 30.0) -> int:
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class Platform:
    """The five services on free ports, one namespace; start what a test needs."""

    namespace: str = field(default_factory=lambda: f"t{uuid.uuid4().hex[:10]}")
    services: dict[str, ServiceProcess] = field(default_factory=dict)
    # Tests sweep the outbox often so that recoveries show quickly; a benchmark keeps the defaults.
    settings: dict[str, str] = field(default_factory=lambda: {"RELAY_SWEEP_SECONDS": "0.5", "RELAY_STALE_SECONDS": "2"})

    def __post_init__(self) -> None:
        ports = {name: free_port() for name in SERVICES}
        common = {
            "ENVIRONMENT": "test", "BUS_NAMESPACE": self.namespace, "LOG_LEVEL": "INFO", **self.settings,
            **{f"GATEWAY_{name.upper()}_URL": f"http://127.0.0.1:{ports[name]}" for name in SERVICES},
            "FILING_REGISTRY_URL": f"http://127.0.0.1:{ports['registry']}",
            "PAYMENT_CALLBACK_URL": f"http://127.0.0.1:{ports['gateway']}/api/payments/callback",
            "PAYMENT_REFUND_CALLBACK_URL": f"http://127.0.0.1:{ports['gateway']}/api/payments/refunds/callback",
            "PAYMENT_SANDBOX_DELAY_SECONDS": "0.2",
            # Dossier checkpoints often, in a log of the platform's own.
            "FILING_CHECKPOINT_SECONDS": "1", "FILING_CHECKPOINT_LOG": str(self.checkpoint_log),
        }
        for name in SERVICES:
            env = {**common, f"{name.upper()}_DATABASE": self.database(name)}
            self.services[name] = ServiceProcess(name, ports[name], env)

    @property
    def checkpoint_log(self) -> Path:
        return ROOT / ".data" / "checkpoints" / f"{self.namespace}.log"

    def database(self, service: str) -> str:
        return f"{self.namespace}_{service}"

    def __getitem__(self, name: str) -> ServiceProcess:
        return self.services[name]

    @property
    def gateway(self) -> str:
        return self.services["gateway"].url

    def start(self, *names: str, **extra_env: str) -> "Platform":
        chosen = names or SERVICES
        for name in chosen:
            self.services[name].start(**extra_env)
        try:
            for name in chosen:
                self.services[name].wait_ready()
        except BaseException:  # a fixture that fails to start never reaches its teardown: leave nothing running
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for service in self.services.values():
            service.stop()
        if any(service.process for service in self.services.values()):
            from ejustice_registry.courts import service as courts
            from tests.support.stores import delete_bus_namespace, drop_databases

            delete_bus_namespace(self.namespace, [*SERVICES, *(f"court.{court}" for court in courts.courts())])
            drop_databases([self.database(name) for name in SERVICES])
            for kept in self.checkpoint_log.parent.glob(self.checkpoint_log.name + "*"):
                kept.unlink()

    def token(self, subject: str, *roles: str, **claims: str) -> dict[str, str]:
        """Authorization headers for a principal, issued by the gateway's development endpoint."""
        answer = httpx.post(self.gateway + "/api/auth/development-token",
                            json={"subject": subject, "roles": list(roles or ("citizen",)), **claims}, timeout=10)
        answer.raise_for_status()
        return {"authorization": f"Bearer {answer.json()['access_token']}"}
