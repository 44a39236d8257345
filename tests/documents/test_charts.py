"""SVG bar charts (well-formed, escaped, deterministic, accessible). The hex map has its own tests in
test_hexmap.py."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from consortium.documents.charts import Bar, bar_chart_svg, compact_pounds

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '</text><script>alert("x")</script><img src="http://127.0.0.1:9/x">&amp;'


def _parse(svg: str) -> ET.Element:
    """Parse SVG that our own code made (so trusted, and checked to be well-formed XML)."""
    return ET.fromstring(svg)  # noqa: S314


def test_compact_pounds() -> None:
    assert compact_pounds(85_000) == "£850"
    assert compact_pounds(1_250_000) == "£12.5k"
    assert compact_pounds(25_000_000) == "£250k"
    assert compact_pounds(120_000_000) == "£1.2m"


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
