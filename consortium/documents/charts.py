"""Charts as SVG strings made by our own code: no JavaScript, no network, no browser.

Every chart carries a ``<title>`` and ``<desc>`` (WeasyPrint turns the title into the PDF figure's alternate
text), ``role="img"`` and an ``aria-label`` for the web pages. All text is XML-escaped and the output depends only
on the input, so the same data always give the same bytes.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from consortium.money import format_pence

FONT_FAMILY = "Noto Sans, DejaVu Sans, Liberation Sans, sans-serif"
ACCENT = "#0f5c63"  # deep teal, the document's accent
INK = "#1d2b2f"
MUTED = "#5b6b70"
RULE = "#c9d3d5"


def esc(text: str) -> str:
    """Escape text for XML content and attribute values (quotes included)."""
    return html.escape(text, quote=True)


def num(value: float) -> str:
    """A coordinate with at most two decimals and no trailing zeros: stable, compact output."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def compact_pounds(amount_pence: int) -> str:
    """Short money for legends and bar ends: £850, £12.5k, £250k, £1.2m."""
    pounds = amount_pence / 100
    sign = "-" if pounds < 0 else ""
    pounds = abs(pounds)
    if pounds >= 1_000_000:
        text = f"{pounds / 1_000_000:.2f}".rstrip("0").rstrip(".")
        return f"{sign}£{text}m"
    if pounds >= 1_000:
        text = f"{pounds / 1_000:.1f}".rstrip("0").rstrip(".")
        return f"{sign}£{text}k"
    return f"{sign}£{round(pounds):,}"


def truncate(text: str, limit: int) -> str:
    """Shorten a label for a chart; the table beside the chart always has the full text."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    value_text: str | None = None  # defaults to format_value(value)


def bar_chart_svg(
    bars: Sequence[Bar],
    *,
    title: str,
    description: str,
    id_prefix: str,
    format_value: Callable[[int], str] = format_pence,
    colour: str = ACCENT,
    label_chars: int = 34,
) -> str:
    """A horizontal bar chart, one bar per row in the given order, values written at the bar ends."""
    width = 640.0
    label_right = 214.0
    bar_left = 222.0
    bar_max = 300.0
    row = 20.0
    bar_height = 12.0
    top = 6.0
    height = top * 2 + row * max(len(bars), 1)
    largest = max((b.value for b in bars), default=0)
    parts = [
        svg_open(width, height, title, description, id_prefix),
        f'<g font-family="{esc(FONT_FAMILY)}" font-size="11" fill="{INK}">',
    ]
    if not bars:
        parts.append(f'<text x="{num(bar_left)}" y="{num(top + 14)}" fill="{MUTED}">No figures to show</text>')
    for index, bar in enumerate(bars):
        y = top + index * row
        length = 0.0 if largest <= 0 else max(bar.value, 0) / largest * bar_max
        if bar.value > 0:
            length = max(length, 1.5)
        text = bar.value_text if bar.value_text is not None else format_value(bar.value)
        parts.append(
            f'<text x="{num(label_right)}" y="{num(y + 13.5)}" text-anchor="end">'
            f"{esc(truncate(bar.label, label_chars))}</text>"
            f'<rect x="{num(bar_left)}" y="{num(y + 4)}" width="{num(length)}" height="{num(bar_height)}" '
            f'fill="{esc(colour)}"/>'
            f'<text x="{num(bar_left + length + 6)}" y="{num(y + 13.5)}" fill="{INK}">{esc(text)}</text>'
        )
    parts.append(
        f'<line x1="{num(bar_left)}" y1="{num(top)}" x2="{num(bar_left)}" y2="{num(height - top)}" '
        f'stroke="{MUTED}" stroke-width="1"/>'
    )
    parts.append("</g></svg>")
    return "".join(parts)


def svg_open(width: float, height: float, title: str, description: str, id_prefix: str) -> str:
    """The opening ``<svg>`` tag with its accessible name (``title``) and description."""
    title_id = f"{id_prefix}-title"
    desc_id = f"{id_prefix}-desc"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {num(width)} {num(height)}" '
        f'width="{num(width)}" height="{num(height)}" role="img" aria-label="{esc(title)}" '
        f'aria-labelledby="{esc(title_id)} {esc(desc_id)}" class="chart">'
        f'<title id="{esc(title_id)}">{esc(title)}</title><desc id="{esc(desc_id)}">{esc(description)}</desc>'
    )
