"""Hypothesis-made sheets (random headings and cells, CSV and XLSX): reading and checking never crash, every
refusal is an ImportRefused or ChooseColumns with words, and no bad row is ever among the good ones."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consortium.imports.coverage import ChooseColumns, plan_coverage
from consortium.imports.files import ImportRefused, read_sheet
from consortium.imports.problems import parse_whole_number
from consortium.reference.districts import districts
from consortium.reference.matching import match_district
from tests.imports.sheets import csv_bytes, xlsx

NAMES = [d.name for d in list(districts().values())[::7]]
HEADINGS = ["District", "Local authority", "LA", "GSS code", "Homes", "Units", "Stock", "Notes", "", "=SUM(A1)"]
text_cell = st.one_of(
    st.sampled_from(NAMES),
    st.sampled_from(["Gateshed", "E08000037", "1,234", "1.234", "-5", "12.5", "=1+1", "", " ", "Leeds & Co"]),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=20),
)
cell = st.one_of(
    text_cell, st.integers(min_value=-10, max_value=10**9), st.floats(allow_nan=False, allow_infinity=False, width=32)
)
sheets = st.integers(min_value=1, max_value=5).flatmap(
    lambda width: st.tuples(
        st.lists(st.sampled_from(HEADINGS), min_size=width, max_size=width),
        st.lists(st.lists(cell, min_size=width, max_size=width), max_size=12),
    )
)


def _check(content: bytes, name: str) -> None:
    try:
        sheet = read_sheet(content, name, max_rows=10)
        plan = plan_coverage(sheet, set())
    except (ImportRefused, ChooseColumns) as refused:
        assert refused.message.strip()
        return
    assert sheet.headings and all(sheet.headings)
    district_at = sheet.headings.index(plan.district_column)
    homes_at = sheet.headings.index(plan.homes_column) if plan.homes_column else None
    bad_rows = {p.row for p in plan.problems}
    seen: set[str] = set()
    for row in plan.rows:
        assert row.row not in bad_rows
        cells = sheet.rows[row.row - 2]
        assert match_district(cells[district_at]).code == row.district_code  # a suggestion is never taken
        if homes_at is not None:
            assert parse_whole_number(cells[homes_at]) == row.homes and (row.homes is None or row.homes >= 0)
        assert row.district_code not in seen
        seen.add(row.district_code)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sheets)
def test_generated_workbooks_never_crash_nor_import_a_bad_row(sheet: tuple[list[str], list[list[object]]]) -> None:
    headings, rows = sheet
    _check(xlsx([list(headings), *rows]), "generated.xlsx")


@settings(max_examples=80, deadline=None)
@given(sheets, st.sampled_from([",", ";", "\t"]), st.sampled_from(["utf-8", "cp1252"]), st.booleans())
def test_generated_csvs_never_crash_nor_import_a_bad_row(
    sheet: tuple[list[str], list[list[object]]], delimiter: str, encoding: str, bom: bool
) -> None:
    headings, rows = sheet
    text_rows = [[str(c).replace('"', "").replace("\n", " ") for c in row] for row in [headings, *rows]]
    try:
        content = csv_bytes(text_rows, delimiter=delimiter, encoding=encoding, bom=bom and encoding == "utf-8")
    except UnicodeEncodeError:
        content = csv_bytes(text_rows, delimiter=delimiter, bom=bom)
    _check(content, "generated.csv")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_are_refused_or_read_never_a_crash(content: bytes) -> None:
    for name in ("x.csv", "x.xlsx", "x"):
        _check(content, name)
