"""A hex cartogram of the UK local authority districts as an SVG string, made to be read on paper.

The layout is the shipped HexJSON (``odd-r``: pointy-top hexes, odd rows shifted right by half a hex). Its ``r``
grows northwards, so rows are drawn top-down from the largest ``r`` and Scotland comes out at the top.

``hex_map_svg`` shades each district by a value (money allocated, a member's homes ...) in up to five classes of
one hue, with light grey for "none", and draws region and nation boundaries. Three choices make it read on paper:

* **Scope.** Given a ``scope`` (the areas of the bid's "allowed areas" rule, see ``map_scope``), only the districts
  in it are drawn, larger; money placed elsewhere is said in words under the legend, never drawn.
* **Bands from the data.** ``bands_for`` cuts the amounts actually present at their quantiles, rounded to nice
  numbers, in ascending order with one formatting rule; a band with no district in it is merged away.
* **Labels beside the map.** Region and nation names sit outside the hexes, level with their region where they
  can, with a leader line to a hex of the region; nothing is written on a hex.

Sizes are in SVG units. The PDF draws the SVG across the text width of an A4 page (``figure svg { width: 100% }``
in ``assets/document.css``: 210 mm less two 18 mm margins, 174 mm), so one unit prints at 174 mm / ``WIDTH``
(0.95 pt) and the smallest text (``NOTE_SIZE``) at about 8 pt.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from consortium.analysis.rules import AllowedAreas, Rule
from consortium.documents.charts import FONT_FAMILY, INK, MUTED, compact_pounds, esc, num, svg_open
from consortium.documents.snapshot import SnapshotRule
from consortium.reference.districts import NATIONS, REGIONS, area_name, districts
from consortium.words import count_text, join_names

# Five classes of one hue (light to dark teal) and light grey for "none". The lightest class is kept clearly
# apart from the grey so that "a little" and "nothing" do not look alike in print.
PALETTE: tuple[str, ...] = ("#b3e0d8", "#6fc2b4", "#2e9c8f", "#17716c", "#0b4546")
EMPTY_COLOUR = "#e9ecee"
# Districts that are on the map but whose value is not known (a member's district with no homes given): a pale
# amber, apart from both the teal classes (a value) and the grey (none), so "not given" never reads as "a little".
UNKNOWN_COLOUR = "#f1dca0"
BOUNDARY_COLOUR = "#2a3a3f"
SWATCH_STROKE = "#8d9a9e"

WIDTH = 520.0  # the SVG's width in units; see the module docstring for its printed size
PAD = 4.0
MAX_HEX_SIZE = 12.0  # centre to corner; caps the zoom of a small scope (Wales alone is 22 districts)
MAX_MAP_HEIGHT = 380.0
LABEL_SIZE = 9.5  # region and nation labels (bold)
LABEL_LINE = 11.0
LABEL_GAP = 5.0  # from a label to the nearest hex
LEGEND_TITLE_SIZE = 10.5
LEGEND_SIZE = 9.5
NOTE_SIZE = 8.5
LEGEND_COLUMNS = 3
LEGEND_ROW = 15.0
NOTE_LINE = 11.5

# Short labels on two lines where the full name is long; the tables after the map use the full names.
REGION_LABELS: dict[str, tuple[str, ...]] = {
    "E12000001": ("North East",),
    "E12000002": ("North West",),
    "E12000003": ("Yorkshire and", "The Humber"),
    "E12000004": ("East", "Midlands"),
    "E12000005": ("West", "Midlands"),
    "E12000006": ("East of", "England"),
    "E12000007": ("London",),
    "E12000008": ("South East",),
    "E12000009": ("South West",),
    "W92000004": ("Wales",),
    "S92000003": ("Scotland",),
    "N92000002": ("Northern", "Ireland"),
}

# Multiples of a power of ten that band boundaries may take: at most two significant figures, so every boundary
# formats with the same precision ("£7.5k", "£50k", "£1.5m").
NICE_STEPS = (1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 7.5)
MAX_BANDS = 5


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """A generous estimate of the width of ``text`` in Noto Sans (average advance is about 0.5 em, 0.55 bold)."""
    return len(text) * size * (0.62 if bold else 0.6)


# --- scope ------------------------------------------------------------------------------------------------------------


def map_scope(rules: Iterable[Rule | SnapshotRule]) -> tuple[str, ...] | None:
    """The areas a bid's map shows: the region and nation codes of its "allowed areas" rule (``("E92000001",)`` for
    an England-only bid), or None when it has none (the whole UK).

    Takes the bid's rules parsed (``consortium.analysis.rules.Rule``) or as a snapshot holds them. Codes the
    reference data does not know are left out; a rule naming none it knows gives the whole UK.
    """
    for rule in rules:
        if isinstance(rule, AllowedAreas):
            codes: object = rule.area_codes
        elif isinstance(rule, SnapshotRule) and rule.key == "allowed_areas":
            codes = rule.params.get("area_codes")
        else:
            continue
        known = (
            [c for c in codes if isinstance(c, str) and (c in REGIONS or c in NATIONS)]
            if isinstance(codes, list)
            else []
        )
        return tuple(known) or None
    return None


def districts_in(scope: Collection[str] | None) -> list[str]:
    """The district codes a scope covers, in code order: districts named, and those of regions or nations named.
    None or an empty scope is the whole UK."""
    ds = districts()
    if not scope:
        return list(ds)
    wanted = set(scope)
    return [c for c, d in ds.items() if c in wanted or d.region_code in wanted or d.nation_code in wanted]


def scope_text(scope: Collection[str] | None) -> str:
    """The scope in words: "England", "North West and Wales", or "the bid's area" when it names districts."""
    if not scope:
        return "the UK"
    codes = list(dict.fromkeys(scope))
    if all(c in REGIONS or c in NATIONS for c in codes):
        return join_names([area_name(c) for c in codes])
    return "the bid's area"


# --- bands ------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    """One legend class: values ``lower <= v < upper`` (``upper`` None: no upper bound) of one colour."""

    lower: int
    upper: int | None
    colour: str
    label: str

    def contains(self, value: int) -> bool:
        return value >= self.lower and (self.upper is None or value < self.upper)


# Whole multiples of the unit only: 1.5 units would print as "£2" when the unit is a pound.
NICE_NUMBERS: list[int] = sorted(
    {
        int(step * 10) * 10**exponent // 10
        for exponent in range(20)
        for step in NICE_STEPS
        if exponent > 0 or step.is_integer()
    }
)


def nice_floor(units: float) -> int:
    """The largest nice number at or below ``units`` (at least 1)."""
    return NICE_NUMBERS[max(0, bisect.bisect_right(NICE_NUMBERS, units) - 1)]


def nice_ceil(units: float) -> int:
    """The smallest nice number at or above ``units``."""
    return NICE_NUMBERS[min(len(NICE_NUMBERS) - 1, bisect.bisect_left(NICE_NUMBERS, units))]


def nice_round(units: float) -> int:
    """The nice number nearest ``units`` (1, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5 times a power of ten; whole below ten)."""
    if units <= 1:
        return 1
    low, high = nice_floor(units), nice_ceil(units)
    return low if units - low <= high - units else high


def _spread(count: int) -> list[str]:
    """``count`` colours from the palette, spread out, the darkest always last."""
    if count == 1:
        return [PALETTE[2]]
    return [PALETTE[round(i * (len(PALETTE) - 1) / (count - 1))] for i in range(count)]


def bands_for(
    values: Mapping[str, int],
    format_value: Callable[[int], str] = compact_pounds,
    *,
    unit: int = 100,
    max_bands: int = MAX_BANDS,
) -> list[Band]:
    """Legend classes for the positive values, ascending, each holding at least one of them.

    With ``max_bands`` distinct values or fewer, each value (or run of values that format alike) is its own class,
    labelled by its value. Otherwise the values are cut at their quantiles; each cut, the lowest value rounded down
    and the highest rounded up become nice whole multiples of ``unit`` (100: whole pounds for pence), so the labels
    read "£5k to £50k", "£50k to £250k", "£250k to £1.5m" with one precision rule. Cuts that would leave a class
    empty, or two labels alike, are dropped. A lowest value under one ``unit`` gives a first class "Under ...".
    """
    positive = sorted(v for v in values.values() if v > 0)
    if not positive:
        return []
    distinct = sorted(set(positive))
    if len(distinct) <= max_bands:
        return _bands_of_values(distinct, format_value)
    n = len(positive)
    lowest, highest = positive[0], positive[-1]
    first = nice_floor(lowest / unit) * unit if lowest >= unit else 0
    last = nice_ceil(highest / unit) * unit
    readable = len({format_value(v) for v in distinct})
    cuts = sorted({nice_round(positive[(n * i) // max_bands] / unit) * unit for i in range(1, max_bands)})
    edges = [first, *(c for c in cuts if first < c < last), last]
    while True:
        counts = [0] * (len(edges) - 1)
        for value in positive:
            counts[min(len(counts) - 1, bisect.bisect_right(edges, value) - 1)] += 1
        empty = next((i for i, c in enumerate(counts) if c == 0), None)
        alike = next((i for i in range(len(edges) - 1) if format_value(edges[i]) == format_value(edges[i + 1])), None)
        # Never more classes than amounts that read differently on the map (51p and £1 both read "£1"): the class
        # with the fewest districts goes first.
        too_many = counts.index(min(counts)) if len(counts) > readable else None
        drop = next((i for i in (empty, alike, too_many) if i is not None), None)
        if drop is None or len(edges) <= 2:
            break
        # Merge the class with the next one (the last class with the one before): drop an inner edge.
        del edges[drop + 1 if drop + 1 < len(edges) - 1 else drop]
    colours = _spread(len(edges) - 1)
    bands = []
    for i in range(len(edges) - 1):
        lower, upper = edges[i], edges[i + 1]
        is_last = i == len(edges) - 2
        if lower == 0:
            label = f"{'Up to' if is_last else 'Under'} {format_value(upper)}"
        else:
            label = f"{format_value(lower)} to {format_value(upper)}"
        bands.append(Band(lower=max(lower, 1), upper=None if is_last else upper, colour=colours[i], label=label))
    return bands


def _bands_of_values(distinct: Sequence[int], format_value: Callable[[int], str]) -> list[Band]:
    """One class per value, values that read the same ("£1" for 100 and 101 pence) sharing one."""
    runs: list[tuple[int, str]] = []  # (lowest value, label)
    for value in distinct:
        label = format_value(value)
        if not runs or runs[-1][1] != label:
            runs.append((value, label))
    colours = _spread(len(runs))
    return [
        Band(
            lower=lower,
            upper=runs[i + 1][0] if i + 1 < len(runs) else None,
            colour=colours[i],
            label=label,
        )
        for i, (lower, label) in enumerate(runs)
    ]


def colour_for(value: int | None, bands: Sequence[Band]) -> str:
    if value is None or value <= 0 or not bands:
        return EMPTY_COLOUR
    for band in reversed(bands):
        if value >= band.lower:
            return band.colour
    return bands[0].colour


# --- layout -----------------------------------------------------------------------------------------------------------

SQRT3 = math.sqrt(3)


def _grid_position(q: int, r: int, max_r: int) -> tuple[float, float]:
    """A hex's centre in hex sizes (x right, y down), before scaling."""
    return (q + (0.5 if r % 2 else 0.0)) * SQRT3, (max_r - r) * 1.5


@dataclass(frozen=True)
class _Label:
    region: str
    lines: tuple[str, ...]
    side: str  # "left" | "right"
    anchor: str  # the district whose hex the leader line points at
    width: float

    @property
    def height(self) -> float:
        return len(self.lines) * LABEL_LINE


@dataclass(frozen=True)
class _Placed:
    label: _Label
    x: float  # the text's anchor: its right end on the left side, its left end on the right side
    top: float


def _place_labels(
    labels: list[_Label], centres: Mapping[str, tuple[float, float]], size: float, top: float, bottom: float
) -> list[_Placed]:
    """Each label level with its region where possible, pushed apart so none overlap, and set just outside the
    hexes of the rows beside it (so it hugs the coast instead of sitting in a far column)."""
    placed: list[_Placed] = []
    half = SQRT3 * size / 2
    for side in ("left", "right"):
        # Top to bottom; of two level anchors the outer one first, so that their leader lines do not cross.
        outer_first = 1 if side == "left" else -1
        column = sorted(
            (lab for lab in labels if lab.side == side),
            key=lambda lab: (centres[lab.anchor][1], outer_first * centres[lab.anchor][0], lab.region),
        )
        tops = [centres[lab.anchor][1] - lab.height / 2 for lab in column]
        for i in range(len(tops)):  # push down ...
            tops[i] = max(tops[i], top if i == 0 else tops[i - 1] + column[i - 1].height + 4)
        for i in reversed(range(len(tops))):  # ... then up from the bottom
            limit = bottom - column[i].height if i == len(tops) - 1 else tops[i + 1] - column[i].height - 4
            tops[i] = max(top, min(tops[i], limit))
        for lab, y in zip(column, tops, strict=True):
            beside = [c for c in centres.values() if c[1] + size > y - 2 and c[1] - size < y + lab.height + 2]
            if side == "left":
                edge = min((c[0] - half for c in beside), default=min(c[0] - half for c in centres.values()))
                placed.append(_Placed(lab, edge - LABEL_GAP, y))
            else:
                edge = max((c[0] + half for c in beside), default=max(c[0] + half for c in centres.values()))
                placed.append(_Placed(lab, edge + LABEL_GAP, y))
    return placed


# --- the map ----------------------------------------------------------------------------------------------------------


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
    scope: Collection[str] | None = None,
    unit: int = 100,
    unknown: Collection[str] = (),
    unknown_label: str = "Not given",
) -> str:
    """The UK district hex map shaded by ``values`` (district code -> value; missing or zero means none).

    ``title`` is the accessible name (the PDF's alternate text) and should say what the map shows in a sentence;
    ``description`` can add detail (the map adds what it leaves out). Each hex gets a ``<title>`` with the district's
    name and value when ``hex_titles`` is set (useful as tooltips on the web). ``scope`` (region, nation or district
    codes; see ``map_scope``) limits the map to those districts. ``unit`` is the step of band boundaries (100: whole
    pounds for values in pence; 1 for counts). Districts in ``unknown`` without a value of their own are drawn in
    their own colour with their own legend entry, ``unknown_label`` (a member's district whose homes are not given),
    instead of falling into a band or reading as none.
    """
    ds = districts()
    drawn = districts_in(scope)
    drawn_set = set(drawn)
    in_scope = {code: v for code, v in values.items() if code in drawn_set}
    unknown_drawn = {code for code in unknown if code in drawn_set and not (in_scope.get(code) or 0) > 0}
    bands = bands_for(in_scope, format_value, unit=unit)
    outside = {code: v for code, v in values.items() if code not in drawn_set and v > 0}

    # Hex size and position: the drawn districts fill the width left between the two label columns.
    max_r = max(ds[c].r for c in drawn)
    raw = {c: _grid_position(ds[c].q, ds[c].r, max_r) for c in drawn}
    min_x = min(x for x, _ in raw.values()) - SQRT3 / 2
    max_x = max(x for x, _ in raw.values()) + SQRT3 / 2
    min_y = min(y for _, y in raw.values()) - 1
    max_y = max(y for _, y in raw.values()) + 1
    middle = (min_x + max_x) / 2

    labels: list[_Label] = []
    if region_labels:
        members: dict[str, list[str]] = defaultdict(list)
        for code in drawn:
            members[ds[code].region_code].append(code)
        for region in sorted(members):
            codes = members[region]
            cx = sum(raw[c][0] for c in codes) / len(codes)
            cy = sum(raw[c][1] for c in codes) / len(codes)
            nearest = min(codes, key=lambda c: ((raw[c][0] - cx) ** 2 + (raw[c][1] - cy) ** 2, c))
            lines = REGION_LABELS.get(region, (REGIONS.get(region, region),))
            width = max(text_width(line, LABEL_SIZE, bold=True) for line in lines)
            side = "left" if raw[nearest][0] < middle else "right"
            labels.append(_Label(region, lines, side, nearest, width))
    reserve_left = max((lab.width + LABEL_GAP for lab in labels if lab.side == "left"), default=0.0)
    reserve_right = max((lab.width + LABEL_GAP for lab in labels if lab.side == "right"), default=0.0)
    available = WIDTH - 2 * PAD - reserve_left - reserve_right
    size = min(MAX_HEX_SIZE, available / (max_x - min_x), MAX_MAP_HEIGHT / (max_y - min_y))
    map_width = (max_x - min_x) * size
    left = PAD + reserve_left + (available - map_width) / 2
    top = PAD + 2
    centres = {c: (left + (x - min_x) * size, top + (y - min_y) * size) for c, (x, y) in raw.items()}
    map_bottom = top + (max_y - min_y) * size

    parts = [
        "",  # the opening tag, once the height is known
        f'<g font-family="{esc(FONT_FAMILY)}">',
        f'<g class="hexes" stroke="#ffffff" stroke-width="{num(max(0.6, size / 8))}" stroke-linejoin="round">',
    ]
    half = SQRT3 * size / 2
    for code in drawn:  # code order: deterministic
        x, y = centres[code]
        value = values.get(code)
        path = (
            f"M{num(x)} {num(y - size)}l{num(half)} {num(size / 2)}v{num(size)}l{num(-half)} {num(size / 2)}"
            f"l{num(-half)} {num(-size / 2)}v{num(-size)}z"
        )
        fill = UNKNOWN_COLOUR if code in unknown_drawn else colour_for(value, bands)
        if hex_titles:
            if code in unknown_drawn:
                shown = unknown_label.lower()
            else:
                shown = format_value(value) if value and value > 0 else empty_label.lower()
            parts.append(f'<path d="{path}" fill="{fill}"><title>{esc(ds[code].name)}: {esc(shown)}</title></path>')
        else:
            parts.append(f'<path d="{path}" fill="{fill}"/>')
    parts.append("</g>")
    parts.append(_boundaries(drawn_set, centres, size))

    for spot in _place_labels(labels, centres, size, top, map_bottom):
        parts.append(_label_svg(spot, centres[spot.label.anchor]))

    # The legend and notes, under the map.
    y = map_bottom + 18
    parts.append(
        f'<text x="{num(PAD)}" y="{num(y)}" font-size="{num(LEGEND_TITLE_SIZE)}" font-weight="bold" '
        f'fill="{INK}">{esc(legend_title)}</text>'
    )
    y += 8
    entries: list[tuple[str, str]] = []
    if any(not (in_scope.get(code) or 0) > 0 and code not in unknown_drawn for code in drawn):
        entries.append((EMPTY_COLOUR, empty_label))
    if unknown_drawn:
        entries.append((UNKNOWN_COLOUR, unknown_label))
    entries += [(band.colour, band.label) for band in bands]
    column_width = (WIDTH - 2 * PAD) / LEGEND_COLUMNS
    parts.append('<g class="legend">')
    for index, (colour, label) in enumerate(entries):
        ex = PAD + (index % LEGEND_COLUMNS) * column_width
        ey = y + (index // LEGEND_COLUMNS) * LEGEND_ROW
        parts.append(
            f'<rect x="{num(ex)}" y="{num(ey)}" width="14" height="10" fill="{colour}" '
            f'stroke="{SWATCH_STROKE}" stroke-width="0.5"/>'
            f'<text x="{num(ex + 19)}" y="{num(ey + 8.6)}" font-size="{num(LEGEND_SIZE)}" fill="{INK}">'
            f"{esc(label)}</text>"
        )
    index = len(entries)
    ex = PAD + (index % LEGEND_COLUMNS) * column_width
    ey = y + (index // LEGEND_COLUMNS) * LEGEND_ROW
    parts.append(
        f'<line x1="{num(ex)}" y1="{num(ey + 5)}" x2="{num(ex + 14)}" y2="{num(ey + 5)}" '
        f'stroke="{BOUNDARY_COLOUR}" stroke-width="1.4"/>'
        f'<text x="{num(ex + 19)}" y="{num(ey + 8.6)}" font-size="{num(LEGEND_SIZE)}" fill="{INK}">'
        "Region or nation boundary</text>"
    )
    parts.append("</g>")
    y += (index // LEGEND_COLUMNS + 1) * LEGEND_ROW + 6

    notes = _notes(scope, len(drawn), outside, format_value)
    for text, colour in notes:
        for line in _wrap(text, NOTE_SIZE, WIDTH - 2 * PAD):
            y += NOTE_LINE
            parts.append(
                f'<text x="{num(PAD)}" y="{num(y)}" font-size="{num(NOTE_SIZE)}" fill="{colour}">{esc(line)}</text>'
            )
    height = y + 6
    parts.append("</g></svg>")
    said = " ".join(text for text, _ in notes[:-1])
    parts[0] = svg_open(WIDTH, height, title, f"{description} {said}".strip(), id_prefix)
    return "".join(parts)


def _boundaries(drawn: set[str], centres: Mapping[str, tuple[float, float]], size: float) -> str:
    """Edges between drawn hexes of different regions, each drawn once."""
    ds = districts()
    by_position = {(ds[c].q, ds[c].r): ds[c] for c in drawn}
    half = SQRT3 * size / 2
    segments = []
    for code in sorted(drawn):
        district = ds[code]
        x, y = centres[code]
        corners = [
            (x, y - size),
            (x + half, y - size / 2),
            (x + half, y + size / 2),
            (x, y + size),
            (x - half, y + size / 2),
            (x - half, y - size / 2),
        ]
        odd = district.r % 2
        q, r = district.q, district.r
        # Neighbours in the order of the edges above: NE, E, SE, SW, W, NW (north is r + 1).
        around = [
            (q + odd, r + 1),
            (q + 1, r),
            (q + odd, r - 1),
            (q - 1 + odd, r - 1),
            (q - 1, r),
            (q - 1 + odd, r + 1),
        ]
        for edge, position in enumerate(around):
            other = by_position.get(position)
            if other is None or other.region_code == district.region_code or other.code < code:
                continue
            (x1, y1), (x2, y2) = corners[edge], corners[(edge + 1) % 6]
            segments.append(f"M{num(x1)} {num(y1)}L{num(x2)} {num(y2)}")
    if not segments:
        return ""
    return (
        f'<path class="boundaries" d="{"".join(segments)}" fill="none" stroke="{BOUNDARY_COLOUR}" '
        f'stroke-width="{num(max(1.1, size / 6))}" stroke-linecap="round"/>'
    )


def _label_svg(spot: _Placed, anchor_at: tuple[float, float]) -> str:
    """A region's name with a leader line from its near edge to a dot on one of its hexes."""
    lab = spot.label
    right_side = lab.side == "right"
    ax, ay = anchor_at
    mid = spot.top + lab.height / 2
    start_x = spot.x - 2 if right_side else spot.x + 2
    leader = f"M{num(start_x)} {num(mid)}L{num(ax)} {num(ay)}"
    anchor = "start" if right_side else "end"
    lines = "".join(
        f'<tspan x="{num(spot.x)}" y="{num(spot.top + (i + 1) * LABEL_LINE - 2.6)}">{esc(line)}</tspan>'
        for i, line in enumerate(lab.lines)
    )
    return (
        f'<g class="region-label" data-region="{esc(lab.region)}">'
        f'<path d="{leader}" fill="none" stroke="#ffffff" stroke-width="2.2" stroke-linecap="round"/>'
        f'<path d="{leader}" fill="none" stroke="{INK}" stroke-width="0.8" stroke-linecap="round"/>'
        f'<circle cx="{num(ax)}" cy="{num(ay)}" r="2" fill="{INK}" stroke="#ffffff" stroke-width="0.9"/>'
        f'<text font-size="{num(LABEL_SIZE)}" font-weight="bold" text-anchor="{anchor}" fill="{INK}">{lines}</text>'
        "</g>"
    )


def _notes(
    scope: Collection[str] | None, drawn: int, outside: Mapping[str, int], format_value: Callable[[int], str]
) -> list[tuple[str, str]]:
    """Sentences under the legend: what the map leaves out (in ink), then how to read it (muted)."""
    notes: list[tuple[str, str]] = []
    ds = districts()
    if scope:
        notes.append((f"The map shows {scope_text(scope)}, the area the funding call allows.", INK))
    if outside:
        total = sum(outside.values())
        known = sum(1 for code in outside if code in ds)
        where = f"outside {scope_text(scope)}" if scope else "in districts not on the map"
        places = f"{count_text(known, 'district')} " if known else ""
        notes.append((f"Not shown: {format_value(total)} placed in {places}{where}.", INK))
    notes.append((f"One hexagon per local authority district ({count_text(drawn, 'district')}), not to scale.", MUTED))
    return notes


def _wrap(text: str, size: float, width: float) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(f"{lines[-1]} {word}", size) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines
