"""PDFs of the filing as submitted, notices and receipts, rendered by WeasyPrint from the portal's own templates.

Each carries a verification code (and its QR) that anyone can check on /verify: a receipt's is the payment
service's own; a filing's or a notice's is issued here, once per paper, and recorded in the gateway's store
with what a verifier is shown.
"""

import asyncio
import hashlib
import hmac
from pathlib import Path

import segno

from ejustice_gateway.web import i18n
from ejustice_gateway.web.papers.events import PaperIssued
from ejustice_gateway.web.templating import environment
from ejustice_shared import clock
from ejustice_shared.aggregate import Aggregate, Decision, Fact
from ejustice_shared.people import only_digits
from ejustice_shared.runtime import ServiceRuntime

FONTS = Path(__file__).parents[1] / "static" / "fonts"


def paper_code(runtime: ServiceRuntime, kind: str, reference: str) -> str:
    """12 digits, the same each time a paper is printed, and not guessable from the reference."""
    key = hashlib.sha256(b"ejustice-papers:" + runtime.settings.jwt_private_key.encode()).digest()
    digest = hmac.new(key, f"{kind}:{reference}".encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 10**12:012d}"


def stream_of(code: str) -> str:
    return f"paper-{code}"


aggregate = Aggregate("issued-paper", stream=stream_of, initial=None, source="gateway",
                      state_type=PaperIssued | None)


@aggregate.evolves(PaperIssued)
def _issued(state: PaperIssued | None, issued: PaperIssued, fact: Fact) -> PaperIssued:
    return state or issued


def issue_once(state: PaperIssued | None, issued: PaperIssued) -> Decision:
    return Decision([] if state is not None else [issued])


async def issue(runtime: ServiceRuntime, *, kind: str, reference: str, title: dict[str, str],
                facts: dict[str, str]) -> str:
    code = paper_code(runtime, kind, reference)
    issued = PaperIssued(code=code, kind=kind, reference=reference, title=title, facts=facts, issued_at=clock.iso())
    await aggregate.execute(runtime.commits, code, issue_once, issued, cause=f"paper-{code}")
    return code


async def find(runtime: ServiceRuntime, code: str) -> PaperIssued | None:
    code = only_digits(code)
    if len(code) != 12 or not code.isdigit():
        return None
    return await aggregate.state(runtime.commits, code)


def qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=3, border=2)


async def render_pdf(base_url: str, template: str, lang: str, context: dict) -> bytes:
    translations = i18n.translations(lang)
    html = environment.get_template(template).render({
        "lang": lang, "dir": i18n.direction(lang), "fonts": FONTS.as_uri(), "_": translations.gettext,
        "gettext": translations.gettext, "ngettext": translations.ngettext,
        "digits": lambda v: i18n.local_digits(v, lang), "date": lambda v, **kw: i18n.format_date(v, lang, **kw),
        "money": lambda v: i18n.format_money(v, lang), **context})
    # WeasyPrint is CPU-bound: keep it off the event loop.
    return await asyncio.to_thread(_write_pdf, html, base_url)


def _write_pdf(html: str, base_url: str) -> bytes:
    # Imported with the first paper printed, not at start: loading it (Pango through cffi, fontTools) takes
    # about a second of the gateway's start-up and 10 MB it holds idle.
    from weasyprint import HTML

    return HTML(string=html, base_url=base_url).write_pdf()
