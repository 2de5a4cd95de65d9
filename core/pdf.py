"""The one PDF renderer: printable pages (road sheets, tickets, badges, attendance sheets) through WeasyPrint."""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

import anyio.to_thread

STYLESHEET = Path(__file__).resolve().parents[1] / "app" / "static" / "documents.css"
# WeasyPrint logs seven INFO "steps" per PDF; its warnings (unsupported CSS, missing resources) still show.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


@cache
def _stylesheet_text() -> str:
    return STYLESHEET.read_text(encoding="utf-8")


def _write_pdf(html: str, base_url: str) -> bytes:
    # Imported on first use: WeasyPrint takes most of a second to load, which app start-up need not pay.
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    # Only data: URIs load: a document never reaches the network (nor the app) while it renders.
    fetcher = URLFetcher(allowed_protocols=("data",))
    document = HTML(string=html, base_url=base_url, url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[CSS(string=_stylesheet_text())])


async def render_pdf(html: str, base_url: str) -> bytes:
    """The PDF of a printable page (A4, the print stylesheet), rendered off the event loop."""
    return await anyio.to_thread.run_sync(_write_pdf, html, base_url)
