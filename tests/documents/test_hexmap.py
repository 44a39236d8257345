"""The district hex map: the bid's scope, legend bands from the data, labels beside the map, legible on paper."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from types import ModuleType

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from consortium.analysis.rules import parse_rules
from consortium.documents.charts import compact_pounds, esc
from consortium.documents.hexmap import (
    EMPTY_COLOUR,
    PALETTE,
    UNKNOWN_COLOUR,
    Band,
    bands_for,
    colour_for,
    districts_in,
    hex_map_svg,
    map_scope,
    nice_round,
    text_width,
)
from consortium.documents.render import ASSETS_DIR, render_pdf
from consortium.documents.snapshot import Snapshot, SnapshotRule
from consortium.reference.districts import districts

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '</text><script>alert("x")</script><img src="http://127.0.0.1:9/x">&amp;'
ENGLAND, SCOTLAND, WALES = "E92000001", "S92000003", "W92000004"
CODES = list(districts())


def _map(values: dict[str, int], **kwargs: object) -> str:
    options: dict[str, object] = {"title": "Money by district", "description": "Test map", "legend_title": "Money"}
    options.update(kwargs)
    return hex_map_svg(values, **options)  # type: ignore[arg-type]


def _parse(svg: str) -> ET.Element:
    """Parse SVG that our own code made (so trusted, and checked to be well-formed XML)."""
    return ET.fromstring(svg)  # noqa: S314


@dataclass(frozen=True)
class Hex:
    code: str
    title: str
    fill: str
    cx: float
    cy: float
    size: float  # centre to corner
    half: float  # centre to side

    def box(self) -> tuple[float, float, float, float]:
        return (self.cx - self.half, self.cy - self.size, self.cx + self.half, self.cy + self.size)


def _hexes(svg: str, scope: tuple[str, ...] | None = None) -> list[Hex]:
    """The drawn hexes, matched to district codes by their order (code order) and checked against their titles."""
    group = next(g for g in _parse(svg).iter(f"{SVG}g") if g.get("class") == "hexes")
    paths = list(group.iter(f"{SVG}path"))
    codes = districts_in(scope)
    assert len(paths) == len(codes)
    hexes = []
    for code, path in zip(codes, paths, strict=True):
        found = re.match(r"M([\d.]+) ([\d.]+)l([\d.]+) ([\d.]+)v([\d.]+)", path.get("d", ""))
        assert found, path.get("d")
        x, top, half, _, size = (float(v) for v in found.groups())
        title = path.find(f"{SVG}title")
        text = title.text or "" if title is not None else ""
        if title is not None:
            assert text.startswith(f"{districts()[code].name}: ")
        hexes.append(Hex(code, text, path.get("fill", ""), x, top + size, size, half))
    return hexes


@cache
def _font_advances(bold: bool) -> tuple[dict[int, int], float] | None:
    """Advance widths of Noto Sans (the document's font), from the font file itself when it is installed."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    path = subprocess.run(
        [fc_match, "-f", "%{file}", "Noto Sans:bold" if bold else "Noto Sans"], capture_output=True, text=True
    ).stdout
    if "NotoSans-" not in path:
        return None
    from fontTools.ttLib import TTFont

    font = TTFont(path)
    cmap, metrics = font.getBestCmap(), font["hmtx"]
    return {char: metrics[name][0] for char, name in cmap.items()}, float(font["head"].unitsPerEm)


def _measured(text: str, size: float, bold: bool) -> float:
    """The printed width of ``text``: real glyph advances, or the map's own (generous) estimate without the font."""
    advances = _font_advances(bold)
    if advances is None:
        return text_width(text, size, bold=bold)
    widths, per_em = advances
    return sum(widths.get(ord(c), per_em) for c in text) / per_em * size


def _label_boxes(svg: str) -> dict[str, list[tuple[float, float, float, float]]]:
    """Each region label's text boxes (one per line), measured with the font's advances."""
    boxes: dict[str, list[tuple[float, float, float, float]]] = {}
    for group in _parse(svg).iter(f"{SVG}g"):
        if group.get("class") != "region-label":
            continue
        text = group.find(f"{SVG}text")
        assert text is not None
        size = float(text.get("font-size", "0"))
        bold = text.get("font-weight") == "bold"
        anchor = text.get("text-anchor", "start")
        lines = []
        for span in text.iter(f"{SVG}tspan"):
            x, y = float(span.get("x", "0")), float(span.get("y", "0"))
            width = _measured(span.text or "", size, bold)
            left = x - width if anchor == "end" else x
            lines.append((left, y - 0.8 * size, left + width, y + 0.25 * size))  # cap height and descenders
        boxes[group.get("data-region", "")] = lines
    return boxes


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


# --- bands ------------------------------------------------------------------------------------------------------------

AMOUNT = re.compile(r"£(\d+(?:\.\d+)?)([km]?)")


def _pence(text: str) -> int:
    """'£7.5k' -> 750_000 pence."""
    found = AMOUNT.fullmatch(text)
    assert found, text
    number, suffix = found.groups()
    return round(float(number) * {"": 1, "k": 1_000, "m": 1_000_000}[suffix] * 100)


def _check_bands(values: dict[str, int], bands: list[Band]) -> None:
    positive = [v for v in values.values() if v > 0]
    if not positive:
        assert bands == []
        return
    assert 1 <= len(bands) <= 5
    # Fewer bands when there are few amounts: never more bands than amounts that read differently.
    assert len(bands) <= len({compact_pounds(v) for v in positive})
    # Ascending and non-overlapping: each band starts where the one before ends; the last is open.
    assert [b.lower for b in bands] == sorted({b.lower for b in bands})
    assert [b.upper for b in bands[:-1]] == [b.lower for b in bands[1:]] and bands[-1].upper is None
    assert len({b.label for b in bands}) == len(bands) and len({b.colour for b in bands}) == len(bands)
    assert all(b.colour in PALETTE for b in bands)
    assert bands[-1].colour == (PALETTE[-1] if len(bands) > 1 else PALETTE[2])  # the most money is the darkest
    members: list[list[int]] = [[] for _ in bands]
    for value in positive:
        holding = [i for i, b in enumerate(bands) if b.contains(value)]
        assert len(holding) == 1, (value, bands)  # every district with money falls in exactly one band
        members[holding[0]].append(value)
        assert colour_for(value, bands) == bands[holding[0]].colour
    assert all(members), bands  # a band never empty of districts
    ranges = [" to " in b.label or b.label.startswith(("Under ", "Up to ")) for b in bands]
    if not any(ranges):  # a band per amount: its label is that amount, as every amount on the map is written
        for band, held in zip(bands, members, strict=True):
            assert {compact_pounds(v) for v in held} == {band.label}
        return
    assert all(ranges), [b.label for b in bands]  # one style for the whole legend
    previous = 0
    for band, held in zip(bands, members, strict=True):
        found = re.fullmatch(r"(?:(Under|Up to) |(£\S+) to )(£\S+)", band.label)
        assert found, band.label
        word, low_text, high_text = found.groups()
        low = 0 if word else _pence(low_text)
        high = _pence(high_text)
        for bound in filter(None, (low_text, high_text)):  # one precision rule: two significant figures at most
            digits = re.sub(r"\D", "", bound).strip("0")
            assert len(digits) <= 2 and _pence(bound) % 100 == 0, bound
        assert previous <= low < high  # boundaries ascend
        previous = high
        # The label tells the truth about the amounts in the band (the last one's top is its highest, rounded up).
        assert all(low <= v for v in held)
        assert all(v <= high if band is bands[-1] and word != "Under" else v < high for v in held)


money = st.integers(min_value=0, max_value=10**12)
few_amounts = st.sampled_from([0, 1, 99, 100, 101, 2_500_00, 7_499_99, 7_500_00, 10**9])


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(CODES), st.one_of(money, few_amounts, st.integers(1, 5_000)), max_size=120))
# Found by Hypothesis: six amounts that read only "£1" or "£4" once gave a legend of three ranges.
@example(dict(zip(CODES, [51, 52, 53, 100, 101, 102, 400, 401], strict=False)))
def test_bands_come_from_the_data(values: dict[str, int]) -> None:
    _check_bands(values, bands_for(values))


def test_bands_from_realistic_amounts() -> None:
    """The issue's legend ("£500 to £50k" above "£300 to £500") cannot happen: bands ascend at nice amounts."""
    amounts = [30_000, 45_000, 90_000, 1_250_000, 2_000_000, 3_100_000, 4_800_000, 7_000_000, 12_000_000, 90_000_000]
    values = {code: amount for code, amount in zip(CODES, amounts * 20, strict=False)}
    bands = bands_for(values)
    _check_bands(values, bands)
    assert [b.label for b in bands] == [
        "£300 to £1k",
        "£1k to £20k",
        "£20k to £50k",
        "£50k to £100k",
        "£100k to £1m",
    ]
    assert [b.colour for b in bands] == list(PALETTE)


def test_few_amounts_get_a_band_each() -> None:
    assert bands_for({}) == [] and bands_for({"E06000001": 0}) == []
    one = bands_for({"E06000001": 500_000, "E06000002": 500_000})
    assert [(b.label, b.colour) for b in one] == [("£5k", PALETTE[2])]
    two = bands_for({"E06000001": 100_000, "E06000002": 900_000, "E06000003": 900_000})
    assert [b.label for b in two] == ["£1k", "£9k"] and [b.colour for b in two] == [PALETTE[0], PALETTE[-1]]
    # 100 and 101 pence both read "£1": one band, not two that look the same.
    assert [b.label for b in bands_for({"E06000001": 100, "E06000002": 101})] == ["£1"]
    # Amounts under a pound start the legend with "Under".
    tiny = {code: i + 1 for i, code in enumerate(CODES[:40])}
    assert bands_for(tiny)[0].label.startswith(("Under £", "Up to £"))


def test_nice_round() -> None:
    assert [nice_round(v) for v in (0, 1, 7, 1_234, 48_000, 71_000, 99_999)] == [
        1,
        1,
        6,
        1_000,
        50_000,
        75_000,
        100_000,
    ]


def test_bands_for_other_measures() -> None:
    homes = {code: (i + 1) * 37 for i, code in enumerate(CODES[:30])}
    bands = bands_for(homes, lambda v: f"{v:,} homes", unit=1)
    assert bands[0].label.endswith(" homes") and all(b.label.count(" homes") == 2 for b in bands)


# --- scope ------------------------------------------------------------------------------------------------------------


def test_map_scope_from_the_rules(factories: ModuleType) -> None:
    assert map_scope([]) is None
    assert map_scope(parse_rules([{"key": "min_members", "count": 2}])) is None
    assert map_scope(parse_rules([{"key": "allowed_areas", "area_codes": [ENGLAND]}])) == (ENGLAND,)
    assert map_scope(parse_rules([{"key": "allowed_areas", "area_codes": ["E12000002", WALES]}])) == (
        "E12000002",
        WALES,
    )
    snapshot: Snapshot = factories.make_snapshot(6, rules=[{"key": "allowed_areas", "area_codes": [ENGLAND]}])
    assert map_scope(snapshot.rules) == (ENGLAND,)
    stale = SnapshotRule(key="allowed_areas", scope="member", description="", params={"area_codes": ["X1", WALES]})
    assert map_scope([stale]) == (WALES,)  # a code the reference data no longer knows is left out
    assert len(districts_in((ENGLAND,))) == 296 and len(districts_in(None)) == 361
    assert districts_in(("E12000007", "S12000033")) == sorted(
        [c for c, d in districts().items() if d.region_code == "E12000007"] + ["S12000033"]
    )


def test_an_england_only_bid_draws_only_england(factories: ModuleType) -> None:
    rules = [*factories.default_rules(), {"key": "allowed_areas", "area_codes": [ENGLAND]}]
    snapshot: Snapshot = factories.make_snapshot(39, rules=rules)
    values = {row.key: row.amount_pence for row in snapshot.totals.by_district}
    ds = districts()
    outside = {code: v for code, v in values.items() if ds[code].nation_code != ENGLAND and v > 0}
    assert any(ds[code].nation_code == SCOTLAND for code in outside)  # the bid has Scottish money to leave out
    scope = map_scope(snapshot.rules)
    svg = _map(values, scope=scope)
    hexes = _hexes(svg, scope)
    assert len(hexes) == 296 and all(ds[h.code].nation_code == ENGLAND for h in hexes)
    assert not any(ds[h.code].nation_code == SCOTLAND and h.fill != EMPTY_COLOUR for h in hexes)
    # The bands are those of the money in England alone, and every hex is shaded by them.
    english = {code: v for code, v in values.items() if ds[code].nation_code == ENGLAND}
    bands = bands_for(english)
    assert bands != bands_for(values)
    for band in bands:
        assert f">{esc(band.label)}<" in svg
    assert all(h.fill == colour_for(values.get(h.code), bands) for h in hexes)
    # Money outside the scope is said in words (on the map and in its description), not drawn.
    note = f"Not shown: {compact_pounds(sum(outside.values()))} placed in {len(outside)} districts outside England."
    assert f">{note}<" in svg and "The map shows England, the area the funding call allows." in svg
    desc = _parse(svg).find(f"{SVG}desc")
    assert desc is not None and note in (desc.text or "")
    assert set(_label_boxes(svg)) == {d.region_code for d in ds.values() if d.nation_code == ENGLAND}
    # The whole-UK map of the same money draws Scotland's.
    uk = _hexes(_map(values))
    assert any(ds[h.code].nation_code == SCOTLAND and h.fill != EMPTY_COLOUR for h in uk)


# --- layout -----------------------------------------------------------------------------------------------------------

SCOPES: list[tuple[str, ...] | None] = [None, (ENGLAND,), (WALES,), ("E12000007",), ("E12000002", SCOTLAND)]


@pytest.mark.parametrize("scope", SCOPES)
def test_labels_sit_beside_the_map_not_on_it(scope: tuple[str, ...] | None) -> None:
    values = {code: (i * 7_919) % 5_000_000 for i, code in enumerate(CODES)}
    svg = _map(values, scope=scope)
    hexes = _hexes(svg, scope)
    boxes = _label_boxes(svg)
    ds = districts()
    assert set(boxes) == {ds[h.code].region_code for h in hexes}  # every region drawn is named, once
    root = _parse(svg)
    width, height = (float(v) for v in root.get("viewBox", "").split()[2:])
    every_box = [(region, box) for region, lines in boxes.items() for box in lines]
    for region, box in every_box:
        assert box[0] >= 0 and box[2] <= width and box[1] >= 0 and box[3] <= height, (region, box)
        touching = [h.code for h in hexes if _overlap(box, h.box())]
        assert not touching, (region, touching)
    for i, (one, a) in enumerate(every_box):
        for other, b in every_box[i + 1 :]:
            assert not _overlap(a, b), (one, other)
    # Each label's leader line ends on a dot in a hex of its own region.
    for group in root.iter(f"{SVG}g"):
        if group.get("class") == "region-label":
            dot = group.find(f"{SVG}circle")
            assert dot is not None
            x, y = float(dot.get("cx", "0")), float(dot.get("cy", "0"))
            home = [h for h in hexes if abs(h.cx - x) < 0.02 and abs(h.cy - y) < 0.02]
            assert len(home) == 1 and ds[home[0].code].region_code == group.get("data-region")


def _print_scale() -> float:
    """Points per SVG unit in the PDF: the figure's SVG spans the A4 page's text width (document.css)."""
    css = (ASSETS_DIR / "document.css").read_text(encoding="utf-8")
    assert re.search(r"figure svg \{[^}]*width: 100%", css)
    page = re.search(r"@page \{[^}]*?size: A4;\s*margin: ([\d.]+)mm ([\d.]+)mm ([\d.]+)mm ([\d.]+)mm;", css)
    assert page, "the A4 page's margins"
    right, left = float(page.group(2)), float(page.group(4))
    text_width_pt = (210 - left - right) / 25.4 * 72
    view_box = _parse(_map({})).get("viewBox", "")
    return text_width_pt / float(view_box.split()[2])


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@pytest.mark.parametrize("scope", [None, (WALES,)])
def test_text_reads_at_print_size_and_contrast(scope: tuple[str, ...] | None) -> None:
    scale = _print_scale()
    assert 0.9 < scale < 1.0  # 174 mm of text width over the SVG's 520 units
    svg = _map({CODES[0]: 5_000_000, CODES[300]: 100}, scope=scope)
    texts = list(_parse(svg).iter(f"{SVG}text"))
    assert texts
    for text in texts:
        assert float(text.get("font-size", "0")) * scale >= 7.0, text.get("font-size")  # 7 pt at least on paper
        fill = text.get("fill", "")
        contrast = (1.05) / (_luminance(fill) + 0.05)  # on the white page
        assert contrast >= 4.5, fill


def test_map_is_accessible() -> None:
    svg = _map({}, title="Alt text for the map", description="More detail", id_prefix="m1")
    root = _parse(svg)
    assert root.get("role") == "img"
    assert root.get("aria-label") == "Alt text for the map"
    assert root.find(f"{SVG}title").text == "Alt text for the map"  # type: ignore[union-attr]
    assert root.find(f"{SVG}desc").text == "More detail"  # type: ignore[union-attr]
    assert root.get("aria-labelledby") == "m1-title m1-desc"
    for label in ("Scotland", "Wales", "London", "Northern", "Ireland", "Yorkshire and", "Region or nation boundary"):
        assert f">{label}<" in svg


def test_every_district_once_scotland_at_the_top() -> None:
    hexes = _hexes(_map({}))
    assert [h.title for h in hexes] == [f"{d.name}: no money allocated" for d in districts().values()]
    ds = districts()
    scotland = [h.cy for h in hexes if ds[h.code].region_code == "S92000003"]
    south_west = [h.cy for h in hexes if ds[h.code].region_code == "E12000009"]
    assert max(scotland) < min(south_west)
    # Odd rows shift right by half a hex.
    by_cell = {(ds[h.code].q, ds[h.code].r): h for h in hexes}
    odd = next(h for (q, r), h in by_cell.items() if r % 2 == 1 and (q, r - 1) in by_cell)
    below = by_cell[(ds[odd.code].q, ds[odd.code].r - 1)]
    assert odd.cx - below.cx == pytest.approx(odd.half, abs=0.02) and odd.cy < below.cy


def test_map_escapes_text_is_deterministic_and_works_for_other_measures() -> None:
    values = {"E06000001": 123_456}
    svg = _map(values, title=HOSTILE, legend_title=HOSTILE, empty_label=HOSTILE)
    _parse(svg)  # still well-formed XML
    assert "<script>" not in svg and "<img" not in svg
    assert esc(HOSTILE) in svg
    assert svg == _map(values, title=HOSTILE, legend_title=HOSTILE, empty_label=HOSTILE)
    homes: Callable[[int], str] = lambda v: f"{v:,} homes"  # noqa: E731
    svg = _map({"S12000033": 1_200}, legend_title="Homes", format_value=homes, empty_label="None", unit=1)
    assert ">1,200 homes<" in svg and "Aberdeen City: 1,200 homes" in svg


# --- in the PDF -------------------------------------------------------------------------------------------------------


def test_the_map_is_in_the_pdf(demo_snapshot: Snapshot, demo_reader: PdfReader) -> None:
    """The rendered document's coverage chapter carries the map: its labels, legend bands and notes as text."""
    pages = [page.extract_text() for page in demo_reader.pages]
    page = next(text for text in pages if "Where the money goes" in text and "Region or nation boundary" in text)
    values = {row.key: row.amount_pence for row in demo_snapshot.totals.by_district}
    flat = re.sub(r"\s+", " ", page)
    for band in bands_for(values):
        assert band.label in flat
    for label in ("Scotland", "Northern Ireland", "Yorkshire and The Humber", "One hexagon per local authority"):
        assert label in flat


def test_an_england_only_bid_prints_england_and_says_what_it_leaves_out(factories: ModuleType) -> None:
    """A rendered England-only bid: the map page names England's regions only and notes the money elsewhere."""
    snapshot: Snapshot = factories.make_snapshot(6, rules=[{"key": "allowed_areas", "area_codes": [ENGLAND]}])
    reader = PdfReader(io.BytesIO(render_pdf(snapshot).pdf))
    page = next(
        re.sub(r"\s+", " ", text)
        for text in (p.extract_text() for p in reader.pages)
        if "Where the money goes" in text and "Region or nation boundary" in text
    )
    ds = districts()
    values = {row.key: row.amount_pence for row in snapshot.totals.by_district}
    outside = {code: v for code, v in values.items() if ds[code].nation_code != ENGLAND and v > 0}
    assert outside
    assert "The map shows England, the area the funding call allows." in page
    assert f"Not shown: {compact_pounds(sum(outside.values()))} placed in {len(outside)} district" in page
    assert "(296 districts)" in page
    for band in bands_for({code: v for code, v in values.items() if code not in outside}):
        assert band.label in page
    for name in ("Scotland", "Wales", "Northern Ireland"):
        assert f" {name} " not in page.split("Where the money goes")[1].split("Money allocated")[0]
    assert "South West" in page and "Yorkshire and The Humber" in page


def test_districts_without_a_value_are_their_own_state() -> None:
    # A member's districts with homes given are shaded by their homes; those without are "Homes not given", in a
    # colour of their own and their own legend entry, however many distinct values the others have (more than five
    # used to put a stand-in value of 1 into the lowest band, "Under 100 homes").
    homes = {"E08000035": 120, "E08000036": 480, "E08000034": 2_000, "E06000010": 9_000, "E08000032": 35_000}
    homes |= {"E08000033": 70_000}
    unknown = ["E06000014", "E08000017"]
    svg = _map(
        homes,
        legend_title="Homes you manage",
        format_value=lambda v: f"{v:,} homes",
        empty_label="Not one of yours",
        unit=1,
        unknown=[*unknown, "E08000035"],  # a district with a value keeps it
        unknown_label="Homes not given",
    )
    by_code = {h.code: h for h in _hexes(svg)}
    assert {by_code[c].fill for c in unknown} == {UNKNOWN_COLOUR}
    assert all(by_code[c].title.endswith(": homes not given") for c in unknown)
    bands = bands_for(homes, lambda v: f"{v:,} homes", unit=1)
    assert len(bands) > 1 and UNKNOWN_COLOUR not in {b.colour for b in bands} | {EMPTY_COLOUR}
    assert by_code["E08000035"].fill == colour_for(120, bands) != UNKNOWN_COLOUR
    assert all(by_code[c].fill in {b.colour for b in bands} for c in homes)
    legend = [t.text for t in _parse(svg).iter(f"{SVG}text") if t.text]
    assert "Homes not given" in legend and "Not one of yours" in legend
    assert not any(label.startswith(("Under", "Up to")) for label in legend)  # no stand-in value in a band
    # Without unknown districts the legend has no such entry.
    assert "Homes not given" not in _map(homes, unit=1, unknown_label="Homes not given")
