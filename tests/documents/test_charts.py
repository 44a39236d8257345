"""SVG charts: the district hex map and the bar charts (well-formed, escaped, deterministic, accessible)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from consortium.documents.charts import Bar, bar_chart_svg, compact_pounds, esc
from consortium.documents.hexmap import EMPTY_COLOUR, PALETTE, bands_for, colour_for, hex_map_svg, nice_round
from consortium.reference.districts import districts

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '</text><script>alert("x")</script><img src="http://127.0.0.1:9/x">&amp;'


def _map(values: dict[str, int], **kwargs: object) -> str:
    options: dict[str, object] = {"title": "Money by district", "description": "Test map", "legend_title": "Money"}
    options.update(kwargs)
    return hex_map_svg(values, **options)  # type: ignore[arg-type]


def _parse(svg: str) -> ET.Element:
    """Parse SVG that our own code made (so trusted, and checked to be well-formed XML)."""
    return ET.fromstring(svg)  # noqa: S314


def _hexes(svg: str) -> list[ET.Element]:
    root = _parse(svg)
    return [p for p in root.iter(f"{SVG}path") if p.find(f"{SVG}title") is not None]


def _centre(path: ET.Element) -> tuple[float, float]:
    x, y = re.match(r"M([\d.]+) ([\d.]+)", path.get("d", "")).groups()  # type: ignore[union-attr]
    return float(x), float(y) + 6.0  # the path starts at the top corner, one hex size above the centre


def test_map_has_every_district_once_in_code_order() -> None:
    ds = districts()
    svg = _map({})
    hexes = _hexes(svg)
    assert len(hexes) == len(ds) == 361
    names = [h.find(f"{SVG}title").text for h in hexes]  # type: ignore[union-attr]
    assert names == [f"{d.name}: no money allocated" for d in ds.values()]


def test_scotland_is_at_the_top_and_odd_rows_shift_right() -> None:
    ds = districts()
    codes = list(ds)
    centres = dict(zip(codes, (_centre(h) for h in _hexes(_map({}))), strict=True))
    scotland = [c for c, d in ds.items() if d.region_code == "S92000003"]
    south_west = [c for c, d in ds.items() if d.region_code == "E12000009"]
    assert max(centres[c][1] for c in scotland) < min(centres[c][1] for c in south_west)
    # Two districts in the same column, on an odd and an even row: the odd one sits half a hex to the right.
    by_cell = {(d.q, d.r): c for c, d in ds.items()}
    for (q, r), code in by_cell.items():
        if r % 2 == 1 and (q, r - 1) in by_cell:
            below = by_cell[(q, r - 1)]
            assert centres[code][0] - centres[below][0] == pytest.approx(5.196, abs=0.02)
            assert centres[code][1] < centres[below][1]  # north (higher r) is drawn higher up
            break
    else:
        pytest.fail("no odd row above an even row in the same column")


def test_shading_uses_five_classes_and_grey_for_none() -> None:
    ds = list(districts())
    values = {code: (i + 1) * 1_000_00 for i, code in enumerate(ds[:200])}
    bands = bands_for(values)
    assert len(bands) == 5
    assert [b.colour for b in bands] == list(PALETTE)
    assert bands[0].lower == 0 and bands[-1].upper is None
    assert all(b.lower < (b.upper or 10**18) for b in bands)
    svg = _map(values)
    fills = [h.get("fill") for h in _hexes(svg)]
    assert fills.count(EMPTY_COLOUR) == 361 - 200
    assert {f for f in fills if f != EMPTY_COLOUR} == set(PALETTE)
    assert colour_for(None, bands) == colour_for(0, bands) == EMPTY_COLOUR
    assert colour_for(10**12, bands) == PALETTE[-1]
    for label in ("Under £", "or more", "No money allocated", "Region or nation boundary"):
        assert label in svg


def test_few_distinct_values_give_fewer_classes() -> None:
    assert bands_for({}) == []
    one = bands_for({"E06000001": 500_000})
    assert len(one) == 1 and one[0].label == "£5k"
    two = bands_for({"E06000001": 100_000, "E06000002": 900_000})
    assert 1 <= len(two) <= 2


def test_nice_round_and_compact_pounds() -> None:
    assert [nice_round(v) for v in (0, 1, 1_234, 48_000, 71_000, 99_999)] == [0, 1, 1_000, 50_000, 75_000, 100_000]
    assert compact_pounds(85_000) == "£850"
    assert compact_pounds(1_250_000) == "£12.5k"
    assert compact_pounds(25_000_000) == "£250k"
    assert compact_pounds(120_000_000) == "£1.2m"


def test_map_is_accessible_and_labels_regions() -> None:
    svg = _map({}, title="Alt text for the map", description="More detail", id_prefix="m1")
    root = _parse(svg)
    assert root.get("role") == "img"
    assert root.get("aria-label") == "Alt text for the map"
    assert root.find(f"{SVG}title").text == "Alt text for the map"  # type: ignore[union-attr]
    assert root.find(f"{SVG}desc").text == "More detail"  # type: ignore[union-attr]
    assert root.get("aria-labelledby") == "m1-title m1-desc"
    for label in ("Scotland", "Wales", "London", "Northern", "Ireland", "Yorkshire and"):
        assert f">{label}<" in svg


def test_map_escapes_text_and_is_deterministic() -> None:
    values = {"E06000001": 123_456}
    svg = _map(values, title=HOSTILE, legend_title=HOSTILE, empty_label=HOSTILE)
    _parse(svg)  # still well-formed XML
    assert "<script>" not in svg and "<img" not in svg
    assert esc(HOSTILE) in svg
    assert svg == _map(values, title=HOSTILE, legend_title=HOSTILE, empty_label=HOSTILE)


def test_map_works_for_other_measures() -> None:
    svg = _map({"S12000033": 1_200}, legend_title="Homes", format_value=lambda v: f"{v:,} homes", empty_label="None")
    assert "1,200 homes" in svg and "Aberdeen City: 1,200 homes" in svg


def test_bar_chart() -> None:
    bars = [Bar("North West", 250_000_00), Bar(HOSTILE, 100_000_00), Bar("Nothing", 0)]
    svg = bar_chart_svg(bars, title="Money by region", description="Bars", id_prefix="b")
    root = _parse(svg)
    assert root.get("role") == "img" and root.get("aria-label") == "Money by region"
    rects = list(root.iter(f"{SVG}rect"))
    assert len(rects) == 3
    widths = [float(r.get("width", "0")) for r in rects]
    assert widths[0] == pytest.approx(300) and widths[1] == pytest.approx(120) and widths[2] == 0
    assert "£250,000" in svg and "£100,000" in svg
    assert "<script>" not in svg
    assert svg == bar_chart_svg(bars, title="Money by region", description="Bars", id_prefix="b")


def test_long_bar_labels_are_shortened() -> None:
    svg = bar_chart_svg([Bar("x" * 500, 1)], title="t", description="d", id_prefix="b", label_chars=20)
    assert "x" * 19 + "…" in svg and "x" * 20 not in svg


def test_empty_bar_chart() -> None:
    svg = bar_chart_svg([], title="Nothing yet", description="d", id_prefix="e")
    _parse(svg)
    assert "No figures to show" in svg
