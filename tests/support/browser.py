"""The portal in a real browser: Debian's Chromium driven by Playwright, and axe-core's accessibility check.

Playwright cannot download its own browsers here; the project's set-up installs Debian's `chromium` and the
tests launch it through `executable_path`. axe-core comes from the portal's npm packages.
"""

import re
import shutil
import subprocess
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "services" / "gateway" / "assets" / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2, levels A and AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def launch(playwright):
    return playwright.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox", "--disable-gpu"])


def axe_violations(page) -> list[dict]:
    """WCAG 2.2 A and AA violations on the page as it is now (the context must bypass the page's CSP to inject)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]} for v in result["violations"]]


def sms_code(gateway: str, mobile: str, *, attempts: int = 100) -> str:
    """The newest one-time code the sandbox SMS channel 'sent' to this mobile."""
    for _ in range(attempts):
        sent = httpx.get(gateway + "/api/sandbox-sms", params={"to": mobile}, timeout=10).json()
        for message in sent:
            found = re.search(r"\d{6}", message["text"])
            if found:
                return found.group(0)
        time.sleep(0.3)
    raise AssertionError(f"no code was sent to {mobile}")


def reload_until(page, check, *, attempts: int = 120, pause: float = 0.5) -> None:
    """The platform works asynchronously (fee assessment, payment callbacks, the court's notice): look again."""
    for _ in range(attempts):
        if check():
            return
        time.sleep(pause)
        page.reload()
    raise AssertionError(f"{page.url} never showed what was expected")


def pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "paper.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout
