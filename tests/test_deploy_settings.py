"""The deployment files start as written: every setting a service needs is given a value in docker-compose.yml
and in each chart's rendered manifests (development and production values), no value points a service at its
own loopback for another service, each service's settings accept what it is given, and the manifests are valid
Kubernetes objects for the current minor version."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from unittest import mock

import kubernetes_validate
import pytest
import yaml

from ejustice_filing.settings import FilingSettings
from ejustice_gateway.settings import GatewaySettings
from ejustice_notification.settings import NotificationSettings
from ejustice_payment.settings import PaymentSettings
from ejustice_registry.settings import RegistrySettings
from tests.support.platform import ROOT

SETTINGS = {"filing": FilingSettings, "payment": PaymentSettings, "notification": NotificationSettings,
            "registry": RegistrySettings, "gateway": GatewaySettings}
KUBERNETES_VERSION = "1.37.0"  # the newest minor whose schemas kubernetes-validate ships
LOOPBACK = re.compile(r"127\.\d+\.\d+\.\d+|localhost|\[::1\]")
# Addresses a person's browser opens: on a developer's machine the published gateway port is on loopback.
BROWSER_FACING = {"PAYMENT_SANDBOX_PAGE_URL", "GATEWAY_PROOFING_EID_REDIRECT_URL", "GATEWAY_PROOFING_EID_AUTHORIZE_URL"}
WORKING_DIRECTORY = "/app"  # the image's: relative paths land on its read-only root filesystem


def env_name(settings: type, field: str) -> str:
    alias = settings.model_fields[field].validation_alias
    if alias is not None:
        return alias.choices[0] if hasattr(alias, "choices") else str(alias)
    return (settings.model_config.get("env_prefix", "") + field).upper()


def required(settings: type) -> set[str]:
    """Settings with no default a deployment can keep: another service's address (the default is on loopback)
    and a place to write (the default is relative, so on the read-only root filesystem)."""
    needed = set()
    for field, info in settings.model_fields.items():
        if isinstance(info.default, str) and (LOOPBACK.search(info.default) or info.default.startswith(".data/")):
            needed.add(env_name(settings, field))
    return needed


def judge(service: str, env: dict[str, str], where: str, mounts: tuple[str, ...] | None = None) -> list[str]:
    settings = SETTINGS[service]
    problems = [f"{where}: {name} is not set" for name in sorted(required(settings) - env.keys())]
    for name, value in env.items():
        if name not in BROWSER_FACING and name != "HOST" and LOOPBACK.search(value):
            problems.append(f"{where}: {name}={value} points at the service's own loopback")
        if mounts is not None and value.startswith(("/var/lib/", "/etc/ejustice")) and not any(
                value == mount or value.startswith(mount.rstrip("/") + "/") for mount in mounts):
            problems.append(f"{where}: {name}={value} is on no mounted volume")
    with mock.patch.dict(os.environ, env, clear=True):
        try:
            settings()  # what the service does first at start: production refuses sandboxes and placeholders
        except ValueError as exc:
            problems.append(f"{where}: {service} refuses its settings: {exc}")
    return problems


# --- docker-compose.yml ----------------------------------------------------------------------------------


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text("utf-8"))


def test_compose_gives_every_service_what_it_needs():
    services = compose()["services"]
    problems = []
    for name in SETTINGS:
        env = {k: str(v) for k, v in services[name]["environment"].items() if v is not None}
        problems += judge(name, env, f"compose {name}")
    assert not problems, "\n".join(problems)


def test_compose_file_follows_the_compose_specification():
    import jsonschema

    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        result = subprocess.run(["docker", "compose", "config", "--quiet"], cwd=ROOT, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
    schema = json.loads((ROOT / "deploy" / "compose-spec.schema.json").read_text("utf-8"))
    jsonschema.Draft7Validator(schema).validate(compose())
    for mounted in ("deploy/prometheus", "deploy/grafana/provisioning", "deploy/grafana/dashboards", "deploy/jaeger"):
        assert (ROOT / mounted).is_dir()


# --- the Helm charts ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def helm() -> str:
    if shutil.which("go") is None and not Path(subprocess.run(
            ["bash", str(ROOT / "scripts" / "helm-check.sh"), "path"], capture_output=True, text=True).stdout).exists():
        pytest.skip("helm is built from its Go module")
    checked = subprocess.run(["bash", str(ROOT / "scripts" / "helm-check.sh")], capture_output=True, text=True,
                             timeout=900)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    return subprocess.run(["bash", str(ROOT / "scripts" / "helm-check.sh"), "path"], capture_output=True, text=True,
                          check=True).stdout.strip()


def rendered(helm: str, chart: str, values: str) -> list[dict]:
    args = [helm, "template", chart, str(ROOT / "deploy" / "helm" / chart), "--namespace", "ejustice"]
    if values == "development":
        args += ["-f", str(ROOT / "deploy" / "helm" / chart / "values-development.yaml")]
    env = {**os.environ, **{f"HELM_{part}_HOME": str(Path(helm).parent.parent / "helm-home" / part.lower())
                            for part in ("CACHE", "CONFIG", "DATA")}}
    out = subprocess.run(args, capture_output=True, text=True, check=True, env=env).stdout
    return [doc for doc in yaml.safe_load_all(out) if doc]


def container_env(deployment: dict) -> tuple[dict[str, str], tuple[str, ...]]:
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    env = {}
    for entry in container["env"]:
        ref = entry.get("valueFrom", {}).get("secretKeyRef")
        env[entry["name"]] = f"from-secret-{ref['name']}-{ref['key']}" if ref else entry["value"]
    return env, tuple(mount["mountPath"] for mount in container.get("volumeMounts", []))


@pytest.mark.parametrize("values", ["development", "production"])
def test_charts_give_every_service_what_it_needs_and_render_valid_manifests(helm, values):
    problems = []
    for chart in SETTINGS:
        docs = rendered(helm, chart, values)
        for doc in docs:
            try:
                kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
            except kubernetes_validate.ValidationError as exc:
                problems.append(f"{chart} ({values}) {doc['kind']}: {exc.message}")
        (deployment,) = [doc for doc in docs if doc["kind"] == "Deployment"]
        env, mounts = container_env(deployment)
        assert env["ENVIRONMENT"] == values
        problems += judge(chart, env, f"{chart} chart ({values})", mounts)
        kinds = {doc["kind"] for doc in docs}
        assert "NetworkPolicy" in kinds, chart
        if values == "production":
            assert ("HorizontalPodAutoscaler" in kinds) == (chart in ("gateway", "filing", "payment", "notification"))
            # Every secret comes from a Secret, never from the values.
            assert not {name for name, value in env.items() if re.search(r"KEY|SECRET|PASSWORD", name)
                        and not value.startswith("from-secret-")}, env
    assert not problems, "\n".join(problems)


def test_network_policies_admit_only_the_gateway_prometheus_and_callers(helm):
    for chart in SETTINGS:
        (policy,) = [doc for doc in rendered(helm, chart, "production") if doc["kind"] == "NetworkPolicy"]
        (rule,) = policy["spec"]["ingress"]
        if chart == "gateway":
            assert "from" not in rule  # the public entry point
            continue
        names = {peer["podSelector"]["matchLabels"].get("app.kubernetes.io/name") for peer in rule["from"]}
        assert names == {"gateway", "prometheus"} | ({"filing"} if chart == "registry" else set()), (chart, names)
        assert any("namespaceSelector" in peer for peer in rule["from"])  # Prometheus in its own namespace
        egress_to = {peer["podSelector"]["matchLabels"].get("app.kubernetes.io/name")
                     for egress in policy["spec"]["egress"] for peer in egress.get("to", []) if "podSelector" in peer}
        assert "ejustice-rabbitmq" in egress_to
        assert egress_to - {"ejustice-rabbitmq", None} == ({"registry"} if chart == "filing" else set()), egress_to


def test_production_infrastructure_manifests_are_well_formed():
    docs = [doc for path in sorted((ROOT / "deploy" / "kubernetes").glob("*.yaml"))
            for doc in yaml.safe_load_all(path.read_text("utf-8")) if doc]
    kinds = {doc["kind"]: doc for doc in docs}
    assert kinds["RabbitmqCluster"]["spec"]["replicas"] == 3
    assert kinds["MongoDBCommunity"]["spec"]["members"] == 3
    assert kinds["MongoDBCommunity"]["spec"]["type"] == "ReplicaSet"
    for doc in docs:
        if doc["apiVersion"].split("/")[0] in ("v1", "apps", "policy", "networking.k8s.io"):
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
