"""The Helm charts lint strictly and render, as the deploy README promises."""

import shutil
import subprocess

import pytest

from tests.support.platform import ROOT


@pytest.mark.skipif(shutil.which("go") is None, reason="helm is built from its Go module")
def test_helm_charts_lint_strictly_and_render():
    result = subprocess.run(["bash", str(ROOT / "scripts" / "helm-check.sh")], capture_output=True, text=True,
                            timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    for chart in ("filing", "notification", "payment", "registry", "gateway"):
        assert f"[helm] {chart}: lint and template ok" in result.stdout
