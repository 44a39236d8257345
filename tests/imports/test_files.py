"""Reading people's spreadsheets: every malformed file is refused with words that say what to do."""

from __future__ import annotations

from datetime import date

import pytest

from consortium.imports.files import ImportRefused, ImportTooLarge, read_sheet
from consortium.imports.headings import DISTRICT_HEADINGS, HOMES_HEADINGS, column_letter, find_column
from consortium.imports.problems import parse_whole_number
from tests.imports.sheets import csv_bytes, xlsx, zip_bomb


def test_xlsx_cells_come_back_as_people_see_them() -> None:
    content = xlsx(
        [
            ["District", "Homes", "Counted on", "Note"],
            ["Leeds", 1234, date(2024, 3, 1), '=HYPERLINK("http://x")'],
            ["Gateshead", "1,234", 45352, "plain"],
            ["Salford", 1234.0, None, None],
        ],
        formulas={(3, 3): ("=B2*2", 2468)},
    )
    sheet = read_sheet(content, "coverage.xlsx")
    assert sheet.headings == ["District", "Homes", "Counted on", "Note"]
    assert sheet.rows[0] == ["Leeds", "1234", "2024-03-01", '=HYPERLINK("http://x")']  # text, never evaluated
    assert sheet.rows[1][:2] == ["Gateshead", "1,234"]  # a number stored as text is kept as typed
    assert sheet.rows[2] == ["Salford", "1234", "", "2468"]  # a formula gives the value it last showed


def test_csv_encodings_and_delimiters() -> None:
    rows = [["District", "Homes"], ["Ynys Môn", "1,200"], ["Bristol, City of", "5"]]
    for content in (
        csv_bytes(rows),
        csv_bytes(rows, bom=True),
        csv_bytes(rows, encoding="cp1252"),
        csv_bytes(rows, delimiter=";"),
        csv_bytes(rows, delimiter="\t", bom=True),
    ):
        sheet = read_sheet(content, "coverage.csv")
        assert sheet.headings == ["District", "Homes"]
        assert sheet.rows == [["Ynys Môn", "1,200"], ["Bristol, City of", "5"]]


@pytest.mark.parametrize(
    ("content", "name", "words"),
    [
        (b"%PDF-1.7 ...", "coverage.pdf", "PDF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "coverage.xls", ".xls"),
        (b"District,Homes\nLeeds,1\n", "coverage.xlsx", "named .xlsx"),
        (b"\x89PNG\r\n\x1a\n\0\0", "coverage.png", "not a spreadsheet"),
        (b"", "coverage.csv", "empty"),
    ],
)
def test_wrong_types_are_refused_by_their_content(content: bytes, name: str, words: str) -> None:
    with pytest.raises(ImportRefused) as refused:
        read_sheet(content, name)
    assert words in refused.value.message
    assert ".xlsx or .csv" in refused.value.message or "empty" in refused.value.message


def test_a_zip_that_is_not_a_workbook_is_refused() -> None:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    with pytest.raises(ImportRefused, match="not an Excel workbook"):
        read_sheet(buffer.getvalue(), "coverage.xlsx")


def test_a_zip_bomb_is_refused_before_it_is_unpacked() -> None:
    bomb = zip_bomb()
    assert len(bomb) < 200_000
    with pytest.raises(ImportTooLarge, match="unpacks to 60 MB") as refused:
        read_sheet(bomb, "coverage.xlsx")
    assert refused.value.status_code == 413


def test_a_high_ratio_is_refused_even_under_the_size_limit() -> None:
    with pytest.raises(ImportTooLarge):
        read_sheet(zip_bomb(20_000_000), "coverage.xlsx")


def test_too_many_rows_names_the_limit() -> None:
    content = csv_bytes([["District", "Homes"], *[["Leeds", "1"]] * 100_000])
    with pytest.raises(ImportTooLarge) as refused:
        read_sheet(content, "coverage.csv", max_rows=20_000)
    assert refused.value.message.startswith("100,000 rows is more than we take in one file: the most is 20,000")


def test_too_many_rows_in_a_workbook() -> None:
    content = xlsx([["District", "Homes"], *[["Leeds", 1]] * 30])
    with pytest.raises(ImportTooLarge, match="30 rows is more than we take in one file: the most is 20"):
        read_sheet(content, "coverage.xlsx", max_rows=20)


def test_empty_or_merged_heading_cells_name_the_column_letter() -> None:
    with pytest.raises(ImportRefused, match="Column B has no heading"):
        read_sheet(xlsx([["District", None, "Homes"], ["Leeds", "x", 1]]), "c.xlsx")
    with pytest.raises(ImportRefused, match="Columns B and D have no heading"):
        read_sheet(csv_bytes([["District", "", "Homes", ""], ["Leeds", "a", "1", "b"]]), "c.csv")
    # a blank column with nothing under it either is simply not there
    assert read_sheet(csv_bytes([["District", "Homes", ""], ["Leeds", "1", ""]]), "c.csv").headings == [
        "District",
        "Homes",
    ]


def test_no_rows_under_the_headings() -> None:
    with pytest.raises(ImportRefused, match="no rows under them"):
        read_sheet(xlsx([["District", "Homes"]]), "c.xlsx")
    with pytest.raises(ImportRefused, match="nothing in it"):
        read_sheet(b"\r\n\r\n", "c.csv")


@pytest.mark.parametrize(
    ("typed", "value"),
    [("1,234", 1234), ("1 234", 1234), ("1\u00a0234", 1234), ("1234.0", 1234), ("12,345,678", None), ("", None)],
)
def test_whole_numbers_as_people_write_them(typed: str, value: int | None) -> None:
    if typed == "12,345,678":
        with pytest.raises(ValueError, match="the most is 10,000,000"):
            parse_whole_number(typed)
    else:
        assert parse_whole_number(typed) == value


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("1.234", "write 1234 or 1,234"),
        ("-5", "below zero"),
        ("12.5", "not a whole number"),
        ("lots", "not a number"),
        ("1,23", "not a number"),
    ],
)
def test_numbers_we_refuse_say_what_to_write(typed: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        parse_whole_number(typed)


@pytest.mark.parametrize(
    ("heading", "candidates"),
    [
        ("Local authority", DISTRICT_HEADINGS),
        ("LA", DISTRICT_HEADINGS),
        ("lad", DISTRICT_HEADINGS),
        ("LAD22CD", DISTRICT_HEADINGS),
        ("GSS_code", DISTRICT_HEADINGS),
        ("  Council ", DISTRICT_HEADINGS),
        ("District", DISTRICT_HEADINGS),
        ("Number of homes", HOMES_HEADINGS),
        ("UNITS", HOMES_HEADINGS),
        ("Stock", HOMES_HEADINGS),
        ("Homes (March 2024)", HOMES_HEADINGS),
    ],
)
def test_headings_are_recognised_tolerantly(heading: str, candidates: tuple[str, ...]) -> None:
    assert find_column(["Notes", heading], candidates) == 1


def test_unrecognised_headings_give_none_and_letters_count_like_a_spreadsheet() -> None:
    assert find_column(["Name", "Value"], DISTRICT_HEADINGS) is None
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]
