"""The operators' Grafana dashboard asks only for metrics the services really expose."""

import json
import re

import httpx

from tests.support.platform import ROOT

DASHBOARD = ROOT / "deploy" / "grafana" / "ejustice-overview.json"
PROMQL_WORDS = {"sum", "by", "rate", "increase", "histogram_quantile", "le", "job", "instance", "route", "type",
                "reason", "outcome", "status", "method"}


def test_every_metric_on_the_dashboard_is_exposed(platform):
    exposed = set()
    for service in platform.services.values():
        exposed |= set(re.findall(r"^# TYPE (\w+) (\w+)", httpx.get(service.url + "/metrics").text, re.M))
    names = {name for name, kind in exposed} | {f"{name}_total" for name, kind in exposed if kind == "counter"} | {
        f"{name}_bucket" for name, kind in exposed if kind == "histogram"}
    wanted = set()
    for panel in json.loads(DASHBOARD.read_text("utf-8"))["panels"]:
        for target in panel["targets"]:
            expr = re.sub(r'\{[^}]*\}|"[^"]*"|\[[^\]]*\]', "", target["expr"])
            wanted |= {word for word in re.findall(r"[a-z_][a-z0-9_]*", expr) if word not in PROMQL_WORDS}
    assert wanted and wanted <= names, f"not exposed: {sorted(wanted - names)}"
