"""A hex cartogram of the 361 UK local authority districts as an SVG string.

The layout is the shipped HexJSON (``odd-r``: pointy-top hexes, odd rows shifted right by half a hex). Its ``r``
grows northwards, so rows are drawn top-down from the largest ``r`` and Scotland comes out at the top.

``hex_map_svg`` shades every district by a value (money allocated, a member's homes ...) in five classes of one
hue, with light grey for "none"; draws region and nation boundaries; labels each region at the centre of its hexes;
and writes a legend. The bid document uses it for money by district; the web pages can reuse it for one member's
coverage with another legend title and formatter.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from consortium.documents.charts import FONT_FAMILY, INK, MUTED, compact_pounds, esc, num, svg_open
from consortium.reference.districts import REGIONS, District, districts

# Five classes of one hue (light to dark teal) and light grey for "none".
PALETTE: tuple[str, ...] = ("#cfe9e5", "#92cfc4", "#52ab9e", "#21807a", "#0b4f4e")
EMPTY_COLOUR = "#e3e7e9"
BOUNDARY_COLOUR = "#2a3a3f"

HEX_SIZE = 6.0  # centre to corner
HEX_WIDTH = math.sqrt(3) * HEX_SIZE
ROW_HEIGHT = 1.5 * HEX_SIZE

# Short labels that fit the map; the region's full name is in the legend's table and the tables after the map.
REGION_LABELS: dict[str, tuple[str, ...]] = {
    "E12000001": ("North", "East"),
    "E12000002": ("North", "West"),
    "E12000003": ("Yorkshire and", "The Humber"),
    "E12000004": ("East", "Midlands"),
    "E12000005": ("West", "Midlands"),
    "E12000006": ("East of", "England"),
    "E12000007": ("London",),
    "E12000008": ("South", "East"),
    "E12000009": ("South", "West"),
    "W92000004": ("Wales",),
    "S92000003": ("Scotland",),
    "N92000002": ("Northern", "Ireland"),
}
# Nudges (in hexes) where a region's centre sits awkwardly for its label.
LABEL_NUDGE: dict[str, tuple[float, float]] = {
    "E12000007": (0.0, 0.2),
    "E12000008": (0.6, 0.6),
    "E12000006": (0.8, -0.3),
    "E12000009": (-1.0, 0.3),
    "N92000002": (-0.2, 0.0),
}

NICE_STEPS = (1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 7.5, 10.0)


@dataclass(frozen=True)
class Band:
    """One legend class: values ``lower <= v < upper`` (``upper`` None: no upper bound)."""

    lower: int
    upper: int | None
    colour: str
    label: str


def nice_round(value: float) -> int:
    """Round to a 'nice' number (1, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5 times a power of ten)."""
    if value <= 0:
        return 0
    exponent = math.floor(math.log10(value))
    base = 10**exponent
    fraction = value / base
    best = min(NICE_STEPS, key=lambda step: (abs(step - fraction), step))
    return max(1, round(best * base))


def bands_for(values: Mapping[str, int], format_value: Callable[[int], str] = compact_pounds) -> list[Band]:
    """Up to five classes from the quintiles of the positive values, at nice round boundaries."""
    positive = sorted(v for v in values.values() if v > 0)
    if not positive:
        return []
    lowest, highest = positive[0], positive[-1]
    breaks: list[int] = []
    for i in range(1, 5):
        quantile = positive[min(len(positive) - 1, (len(positive) * i) // 5)]
        candidate = nice_round(quantile)
        if lowest < candidate <= highest and (not breaks or candidate > breaks[-1]):
            breaks.append(candidate)
    lowers = [0, *breaks]
    count = len(lowers)
    # Spread the palette when there are fewer than five classes, keeping the darkest for the top class.
    colours = [PALETTE[round(i * (len(PALETTE) - 1) / (count - 1))] if count > 1 else PALETTE[2] for i in range(count)]
    bands = []
    for i, lower in enumerate(lowers):
        upper = lowers[i + 1] if i + 1 < count else None
        if count == 1:
            label = f"{format_value(lowest)} to {format_value(highest)}" if lowest != highest else format_value(lowest)
        elif i == 0:
            label = f"Under {format_value(upper or 0)}"
        elif upper is None:
            label = f"{format_value(lower)} or more"
        else:
            label = f"{format_value(lower)} to {format_value(upper)}"
        bands.append(Band(lower=lower, upper=upper, colour=colours[i], label=label))
    return bands


def colour_for(value: int | None, bands: list[Band]) -> str:
    if value is None or value <= 0 or not bands:
        return EMPTY_COLOUR
    for band in reversed(bands):
        if value >= band.lower:
            return band.colour
    return bands[0].colour


def _layout() -> tuple[dict[str, tuple[float, float]], float, float]:
    """Centre of every district's hex in SVG units (y down), and the map's width and height."""
    ds = districts()
    min_q = min(d.q for d in ds.values())
    max_q = max(d.q for d in ds.values())
    max_r = max(d.r for d in ds.values())
    min_r = min(d.r for d in ds.values())
    centres = {}
    for code, d in ds.items():
        x = (d.q - min_q + (0.5 if d.r % 2 else 0.0)) * HEX_WIDTH + HEX_WIDTH / 2
        y = (max_r - d.r) * ROW_HEIGHT + HEX_SIZE
        centres[code] = (x + 2, y + 2)
    width = (max_q - min_q + 1.5) * HEX_WIDTH + 4
    height = (max_r - min_r) * ROW_HEIGHT + 2 * HEX_SIZE + 4
    return centres, width, height


def _corners(x: float, y: float) -> list[tuple[float, float]]:
    """Corners clockwise from the top: top, upper right, lower right, bottom, lower left, upper left."""
    half = HEX_WIDTH / 2
    s = HEX_SIZE
    return [
        (x, y - s),
        (x + half, y - s / 2),
        (x + half, y + s / 2),
        (x, y + s),
        (x - half, y + s / 2),
        (x - half, y - s / 2),
    ]


def _neighbours(d: District) -> list[tuple[int, int]]:
    """Neighbours in the order of the edges from ``_corners``: NE, E, SE, SW, W, NW (north is r + 1)."""
    odd = d.r % 2
    return [
        (d.q + odd, d.r + 1),
        (d.q + 1, d.r),
        (d.q + odd, d.r - 1),
        (d.q - 1 + odd, d.r - 1),
        (d.q - 1, d.r),
        (d.q - 1 + odd, d.r + 1),
    ]


def hex_map_svg(
    values: Mapping[str, int],
    *,
    title: str,
    description: str,
    legend_title: str,
    id_prefix: str = "hexmap",
    format_value: Callable[[int], str] = compact_pounds,
    empty_label: str = "No money allocated",
    hex_titles: bool = True,
    region_labels: bool = True,
) -> str:
    """The UK district hex map shaded by ``values`` (district code -> value; missing or zero means none).

    ``title`` is the accessible name (the PDF's alternate text) and should say what the map shows in a sentence;
    ``description`` can add detail. Each hex gets a ``<title>`` with the district's name and value when
    ``hex_titles`` is set (useful as tooltips on the web).
    """
    ds = districts()
    centres, map_width, map_height = _layout()
    bands = bands_for(values, format_value)
    legend_x = map_width + 12
    legend_width = 150.0
    width = legend_x + legend_width
    height = map_height
    parts = [
        svg_open(width, height, title, description, id_prefix),
        f'<g font-family="{esc(FONT_FAMILY)}">',
        '<g stroke="#ffffff" stroke-width="0.8" stroke-linejoin="round">',
    ]
    half = HEX_WIDTH / 2
    s = HEX_SIZE
    for code, district in ds.items():  # code order: deterministic
        x, y = centres[code]
        value = values.get(code)
        path = (
            f"M{num(x)} {num(y - s)}l{num(half)} {num(s / 2)}v{num(s)}l{num(-half)} {num(s / 2)}"
            f"l{num(-half)} {num(-s / 2)}v{num(-s)}z"
        )
        fill = colour_for(value, bands)
        if hex_titles:
            shown = format_value(value) if value else empty_label.lower()
            parts.append(f'<path d="{path}" fill="{fill}"><title>{esc(district.name)}: {esc(shown)}</title></path>')
        else:
            parts.append(f'<path d="{path}" fill="{fill}"/>')
    parts.append("</g>")

    # Region and nation boundaries: edges between hexes of different regions, each drawn once.
    by_position = {(d.q, d.r): d for d in ds.values()}
    segments = []
    for code, district in ds.items():
        corners = _corners(*centres[code])
        for edge, position in enumerate(_neighbours(district)):
            other = by_position.get(position)
            if other is None or other.region_code == district.region_code or other.code < code:
                continue
            (x1, y1), (x2, y2) = corners[edge], corners[(edge + 1) % 6]
            segments.append(f"M{num(x1)} {num(y1)}L{num(x2)} {num(y2)}")
    parts.append(
        f'<path d="{"".join(segments)}" fill="none" stroke="{BOUNDARY_COLOUR}" stroke-width="1.1" '
        'stroke-linecap="round"/>'
    )

    if region_labels:
        positions: dict[str, list[tuple[float, float]]] = defaultdict(list)
        for code, district in ds.items():
            positions[district.region_code].append(centres[code])
        for region in sorted(positions):
            points = positions[region]
            cx = sum(p[0] for p in points) / len(points)
            cy = sum(p[1] for p in points) / len(points)
            nudge_x, nudge_y = LABEL_NUDGE.get(region, (0.0, 0.0))
            cx += nudge_x * HEX_WIDTH
            cy += nudge_y * ROW_HEIGHT
            lines = REGION_LABELS.get(region, (REGIONS.get(region, region),))
            first_y = cy - (len(lines) - 1) * 4.5 + 2.5
            for halo in (True, False):
                style = (
                    'fill="#ffffff" stroke="#ffffff" stroke-width="2.6" stroke-linejoin="round"'
                    if halo
                    else f'fill="{INK}"'
                )
                parts.append(
                    f'<text x="{num(cx)}" y="{num(first_y)}" font-size="7.2" font-weight="bold" '
                    f'text-anchor="middle" {style}>'
                )
                for i, line in enumerate(lines):
                    parts.append(f'<tspan x="{num(cx)}" y="{num(first_y + i * 9)}">{esc(line)}</tspan>')
                parts.append("</text>")

    # Legend.
    y = 16.0
    parts.append(
        f'<text x="{num(legend_x)}" y="{num(y)}" font-size="9" font-weight="bold" fill="{INK}">'
        f"{esc(legend_title)}</text>"
    )
    y += 10
    entries = [(band.colour, band.label) for band in reversed(bands)] + [(EMPTY_COLOUR, empty_label)]
    for colour, label in entries:
        parts.append(
            f'<rect x="{num(legend_x)}" y="{num(y)}" width="14" height="10" fill="{colour}" '
            f'stroke="#9aa7ab" stroke-width="0.4"/>'
            f'<text x="{num(legend_x + 20)}" y="{num(y + 8.2)}" font-size="8.5" fill="{INK}">{esc(label)}</text>'
        )
        y += 15
    y += 4
    parts.append(
        f'<line x1="{num(legend_x)}" y1="{num(y + 5)}" x2="{num(legend_x + 14)}" y2="{num(y + 5)}" '
        f'stroke="{BOUNDARY_COLOUR}" stroke-width="1.1"/>'
        f'<text x="{num(legend_x + 20)}" y="{num(y + 8)}" font-size="8.5" fill="{INK}">Region or nation boundary</text>'
    )
    y += 18
    parts.append(
        f'<text x="{num(legend_x)}" y="{num(y + 6)}" font-size="7.5" fill="{MUTED}">'
        "One hexagon per local authority</text>"
        f'<text x="{num(legend_x)}" y="{num(y + 16)}" font-size="7.5" fill="{MUTED}">'
        f"district ({len(ds)}), not to scale.</text>"
    )
    parts.append("</g></svg>")
    return "".join(parts)
