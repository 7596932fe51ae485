"""Prometheus and Jaeger for tests: the binaries `scripts/infra.sh` installs, run on free loopback ports."""

import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import yaml

from tests.support.platform import LOGS, ROOT, Platform, free_port, wait_until

CACHE = Path(os.environ.get("EJUSTICE_CACHE") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
             / "ejustice")
PROMETHEUS_DIR = ROOT / "deploy" / "prometheus"


def promtool() -> str:
    if not shutil.which("promtool"):
        subprocess.run(["bash", str(ROOT / "scripts" / "infra.sh"), "prometheus-install"], check=True)
    return shutil.which("promtool")


def jaeger_binary() -> str:
    found = subprocess.run(["bash", str(ROOT / "scripts" / "infra.sh"), "jaeger-binary"], check=True,
                           capture_output=True, text=True)
    return found.stdout.strip().splitlines()[-1]


@dataclass
class Prometheus:
    """A Prometheus of the test's own scraping the given targets every second, with the project's rules."""

    jobs: dict[str, list[dict]]  # job name -> static_configs
    extra_jobs: list[dict] = field(default_factory=list)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, name: str) -> "Prometheus":
        promtool()
        folder = ROOT / ".data" / "tests" / f"prometheus-{name}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        config = {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(PROMETHEUS_DIR / "rules" / "*.yml")],
            "scrape_configs": [*({"job_name": job, "static_configs": configs} for job, configs in self.jobs.items()),
                               *self.extra_jobs],
        }
        (folder / "prometheus.yml").write_text(yaml.safe_dump(config), "utf-8")
        LOGS.mkdir(parents=True, exist_ok=True)
        log = open(LOGS / f"prometheus-{name}.log", "ab")  # noqa: SIM115 - the child keeps it
        self.process = subprocess.Popen(
            ["prometheus", f"--config.file={folder / 'prometheus.yml'}", f"--storage.tsdb.path={folder / 'data'}",
             f"--web.listen-address=127.0.0.1:{self.port}"], stdout=log, stderr=subprocess.STDOUT)
        wait_until(lambda: httpx.get(self.url + "/-/ready", timeout=2).status_code == 200, timeout=60,
                   what="Prometheus ready")
        return self

    def query(self, expr: str) -> list[dict]:
        answer = httpx.get(self.url + "/api/v1/query", params={"query": expr, "time": time.time()}, timeout=30)
        body = answer.json()
        assert body.get("status") == "success", f"{expr}: {body}"
        return body["data"]["result"]

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


@dataclass
class Jaeger:
    """A Jaeger (v2, in-memory) of the test's own: OTLP/HTTP in, the query API out, on free loopback ports."""

    ports: dict[str, int] = field(default_factory=lambda: {name: free_port() for name in (
        "JAEGER_OTLP_HTTP_PORT", "JAEGER_OTLP_GRPC_PORT", "JAEGER_QUERY_PORT", "JAEGER_QUERY_GRPC_PORT",
        "JAEGER_HEALTH_PORT")})
    process: subprocess.Popen | None = None

    @property
    def otlp_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.ports['JAEGER_OTLP_HTTP_PORT']}"

    @property
    def query_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['JAEGER_QUERY_PORT']}"

    def start(self, name: str) -> "Jaeger":
        binary = jaeger_binary()
        LOGS.mkdir(parents=True, exist_ok=True)
        log = open(LOGS / f"jaeger-{name}.log", "ab")  # noqa: SIM115 - the child keeps it
        env = {**os.environ, "JAEGER_LISTEN_HOST": "127.0.0.1", **{k: str(v) for k, v in self.ports.items()}}
        self.process = subprocess.Popen([binary, "--config", str(ROOT / "deploy" / "jaeger" / "config.yaml")],
                                        env=env, stdout=log, stderr=subprocess.STDOUT)
        wait_until(lambda: httpx.get(self.query_url + "/api/services", timeout=2).status_code == 200, timeout=120,
                   what="Jaeger's query API")
        return self

    def trace(self, trace_id: str) -> dict | None:
        answer = httpx.get(f"{self.query_url}/api/traces/{trace_id}", timeout=30)
        if answer.status_code == 404:
            return None
        answer.raise_for_status()
        data = answer.json().get("data") or []
        return data[0] if data else None

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


def start_patiently(platform: Platform, **extra_env: str) -> Platform:
    """Start every service and wait for each longer than Platform.start does: on a loaded machine five Python
    services importing at once can take minutes, and these tests need the whole platform."""
    for service in platform.services.values():
        service.start(**extra_env)
    try:
        for service in platform.services.values():
            service.wait_ready(timeout=300)
    except BaseException:
        platform.stop()
        raise
    return platform
