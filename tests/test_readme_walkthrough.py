"""The README's walk-through, run as written, against a platform of its own (only the gateway's address differs)."""

import os
import re
import subprocess

from tests.support.platform import ROOT

DEFAULT_API = "API=http://127.0.0.1:8000/api"


def walkthrough() -> str:
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme[readme.index("## Trying the main journey by hand"):]
    return re.search(r"```bash\n(.*?)```", section, re.S).group(1)


def test_the_readme_walkthrough_works_as_written(platform, tmp_path):
    script = walkthrough()
    assert DEFAULT_API in script
    script = script.replace(DEFAULT_API, f"API={platform.gateway}/api")
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=300, cwd=ROOT,
                            env={**os.environ, "EJUSTICE_URL": platform.gateway})
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert re.search(r'"user_code":"\d{10}"', out), out          # the e-box
    assert re.search(r"^\d{12}$", out, re.M), out                 # the tracking code
    assert "'court_id': 'IR-THR-CIVIL'" in out and "forwarded" in out
    assert "'receipt_number'" in out
    assert "Accepted" in out and "as case 140509981234" in out    # the court client
    assert "Case 140509981234 registered" in out and "served" in out
    for step in ("filing.submitted", "filing.paid, filing.forwarded", "filing.accepted", "notice.delivered",
                 "notice.viewed", "paper_service.recorded"):
        assert step in out, f"{step} missing from the dossier:\n{out}"
    assert '"valid":true' in out, out
    assert "VERIFIED: the dossier is the one the platform signed" in out, out  # checked offline
