"""Jinja2 pages in the reader's language, with the layout's needs (language, direction, CSRF) filled in."""

from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from ejustice_gateway.web import i18n, security

TEMPLATES = Path(__file__).parent / "templates"


def _folders() -> list[str]:
    """The layout's folder, then each page area's own `templates/`."""
    here = Path(__file__).parent
    return [str(TEMPLATES), *(str(p) for p in sorted(here.glob("*/templates")))]


environment = Environment(loader=FileSystemLoader(_folders()), autoescape=select_autoescape(["html"]),
                          extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)


def render(request: Request, template: str, context: dict | None = None, *, status_code: int = 200,
           lang: str | None = None) -> HTMLResponse:
    lang = lang or getattr(request.state, "lang", None) or i18n.choose(request)
    translations = i18n.translations(lang)
    page = environment.get_template(template)
    values = {
        "request": request, "lang": lang, "dir": i18n.direction(lang), "languages": i18n.LANGUAGES,
        "csrf_token": security.csrf_token(request), "signed_in": getattr(request.state, "signed_in", False),
        "digits": lambda v: i18n.local_digits(v, lang), "date": lambda v, **kw: i18n.format_date(v, lang, **kw),
        "money": lambda v: i18n.format_money(v, lang), "number": lambda v: i18n.format_number(v, lang),
        "month": lambda v: i18n.format_month(v, lang), "decimal": lambda v: i18n.format_decimal(v, lang),
        "_": translations.gettext, "gettext": translations.gettext, "ngettext": translations.ngettext,
        # The filing steps are shared by the portal and the office console: where they live, and the page around them.
        "layout": "base.html", "filing_root": "/filings",
        **(context or {}),
    }
    response = HTMLResponse(page.render(values), status_code=status_code)
    security.keep_csrf_cookie(request, response)
    return response


def translate(lang: str, message: str) -> str:
    return i18n.translations(lang).gettext(message)
