"""Charts as SVG written on the server: no script, no CDN, printable and readable by WeasyPrint. Each chart is
an image with a title; the page puts the same figures in a table beside it for screen readers."""

from __future__ import annotations

from html import escape

from markupsafe import Markup

WIDTH = 480  # drawn at this width on a desktop, scaled down on a phone: the text stays readable
BAR = 28
GAP = 10
LABEL_WIDTH = 200
# Category colours from a colour-blind-safe palette (Okabe–Ito), in the categories' order.
COLOURS = ("#0072B2", "#56B4E9", "#009E73", "#999999", "#E69F00", "#CC79A7")


def _svg(width: int, height: int, title: str, body: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'class="chart" preserveAspectRatio="xMinYMin meet"><title>{escape(title)}</title>{body}</svg>'
    )


def bars(title: str, items: list[tuple[str, float]], *, unit: str = "") -> Markup:
    """Horizontal bars, one per item, the value written at the end of each."""
    top = max((value for _, value in items), default=0) or 1
    room = WIDTH - LABEL_WIDTH - 50
    parts = []
    for index, (label, value) in enumerate(items):
        y = index * (BAR + GAP)
        length = max(room * value / top, 1 if value else 0)
        text = f"{value:g}{unit}"
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + BAR * 0.68:.1f}" text-anchor="end" font-size="18">'
            f"{escape(_short(label))}</text>"
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" height="{BAR}" fill="{COLOURS[0]}" rx="3"/>'
            f'<text x="{LABEL_WIDTH + length + 6:.1f}" y="{y + BAR * 0.68:.1f}" font-size="18">{escape(text)}</text>'
        )
    height = max(len(items) * (BAR + GAP), BAR)
    return _svg(WIDTH, height, title, "".join(parts))


def stacked_columns(title: str, columns: list[tuple[str, list[float]]], series: list[str]) -> Markup:
    """Vertical columns (one per month), each stacked by series, with a legend under them."""
    height, base, legend_rows = 220, 190, -(-len(series) // 2)
    top = max((sum(values) for _, values in columns), default=0) or 1
    step = (WIDTH - 40) / max(len(columns), 1)
    width = min(step * 0.7, 48)
    parts = [f'<line x1="30" y1="{base}" x2="{WIDTH - 5}" y2="{base}" stroke="#666"/>']
    for index, (label, values) in enumerate(columns):
        x = 35 + index * step
        y = base
        for position, value in enumerate(values):
            size = (base - 20) * value / top
            y -= size
            if value:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{size:.1f}" '
                    f'fill="{COLOURS[position % len(COLOURS)]}"/>'
                )
        total = sum(values)
        parts.append(
            f'<text x="{x + width / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" font-size="12">{total:g}</text>'
        )
        parts.append(
            f'<text x="{x + width / 2:.1f}" y="{base + 16}" text-anchor="middle" font-size="12">{escape(label)}</text>'
        )
    for position, name in enumerate(series):
        x, y = 35 + (position % 2) * 220, height + 10 + (position // 2) * 22
        parts.append(
            f'<rect x="{x}" y="{y}" width="14" height="14" fill="{COLOURS[position % len(COLOURS)]}"/>'
            f'<text x="{x + 20}" y="{y + 12}" font-size="13">{escape(name)}</text>'
        )
    return _svg(WIDTH, height + 14 + legend_rows * 22, title, "".join(parts))


def _short(text: str, length: int = 17) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"
