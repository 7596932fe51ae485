"""The alert rules and Prometheus configs pass promtool; every alert fires and stays silent in its unit
tests, and has a runbook paragraph."""

import re
import subprocess

import yaml

from tests.support.observability import PROMETHEUS_DIR, promtool
from tests.support.platform import ROOT

RULES = sorted((PROMETHEUS_DIR / "rules").glob("*.yml"))
RULE_TESTS = sorted((PROMETHEUS_DIR / "tests").glob("*.test.yml"))
RUNBOOK = ROOT / "docs" / "runbooks" / "README.md"


def alerts() -> list[str]:
    return [rule["alert"] for path in RULES for group in yaml.safe_load(path.read_text("utf-8"))["groups"]
            for rule in group["rules"] if "alert" in rule]


def run(*args: str) -> str:
    result = subprocess.run([promtool(), *args], capture_output=True, text=True, cwd=PROMETHEUS_DIR, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_promtool_checks_every_rule_file_and_config():
    assert RULES
    run("check", "rules", *map(str, RULES))
    for config in ("prometheus.yml", "prometheus.compose.yml"):
        assert "SUCCESS" in run("check", "config", config)


def test_promtool_unit_tests_pass():
    assert "SUCCESS" in run("test", "rules", *map(str, RULE_TESTS))


def test_every_alert_is_tested_firing_and_silent():
    fired, silent = set(), set()
    for path in RULE_TESTS:
        for case in yaml.safe_load(path.read_text("utf-8"))["tests"]:
            for check in case.get("alert_rule_test", []):
                (fired if check.get("exp_alerts") else silent).add(check["alertname"])
    assert set(alerts()) <= fired, f"never fired: {sorted(set(alerts()) - fired)}"
    assert set(alerts()) <= silent, f"never shown silent: {sorted(set(alerts()) - silent)}"


def test_every_alert_has_a_runbook_paragraph_and_links_to_it():
    headings = {re.sub(r"[^a-z0-9]", "", line.lower()) for line in RUNBOOK.read_text("utf-8").splitlines()
                if line.startswith("## ")}
    for path in RULES:
        for group in yaml.safe_load(path.read_text("utf-8"))["groups"]:
            for rule in group["rules"]:
                name = rule["alert"]
                assert name.lower() in headings, f"{name} has no runbook section"
                assert rule["annotations"]["runbook_url"].endswith("#" + name.lower())
