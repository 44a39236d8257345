"""The one writer of every export: a ``Table`` and its rows as CSV or as an XLSX workbook.

CSV: UTF-8 with a byte order mark (so spreadsheets read "£" and accents right), CRLF line ends, quoted only where
needed; money as pounds text ("1234.56"), percentages as "25.0%", moments in UTC ("2026-06-26T15:30:00Z").

XLSX (Polars ``write_excel`` on xlsxwriter): one sheet per table, a frozen, bold header row with filters, widths
fitted to the cells; money as a number of pounds with a £ number format, percentages as numbers with a % format,
whole numbers with thousands separators, moments as dates. Every text cell is written as text, never as a formula,
a number or a link (the workbook's ``strings_to_*`` options are off).

Spreadsheets run cells that begin with = + - @ (or a tab or carriage return) as formulas, so in both formats any
text cell beginning with one of them gets a leading apostrophe: what a member typed is shown, never run.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

import polars as pl
import xlsxwriter

from consortium.exports.columns import Column, Table

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MONEY_FORMAT = "£#,##0.00;-£#,##0.00"
PERCENT_FORMAT = "0.0%"
INT_FORMAT = "#,##0"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
WIDEST = 60  # characters: a column of longer text stops here (the cell shows the rest when selected)
NARROWEST = 6
_SAMPLE_ROWS = 2_000  # widths are fitted to the header and (at most) this many rows


def neutralise(text: str) -> str:
    """A cell a spreadsheet shows as text: formula starts get a leading apostrophe."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _text(value: object) -> str:
    return neutralise("" if value is None else str(value))


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"{value.isoformat()} has no timezone: exports write moments in UTC")
    return value.astimezone(UTC)


def pounds_text(pence: int) -> str:
    """Integer pence as plain pounds for a CSV: 123456 -> "1234.56"."""
    sign = "-" if pence < 0 else ""
    pounds, rest = divmod(abs(pence), 100)
    return f"{sign}{pounds}.{rest:02d}"


def _csv_cell(column: Column, value: Any) -> str:
    if value is None:
        return ""
    kind = column.kind
    if kind == "text":
        return _text(value)
    if kind == "int":
        return str(int(value))
    if kind == "money":
        return pounds_text(int(value))
    if kind == "percent":
        return f"{float(value) * 100:.1f}%"
    if kind == "bool":
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return _utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    return _text(value)


def csv_text(table: Table, rows: Iterable[dict[str, Any]]) -> str:
    """The table as CSV text (without the byte order mark)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.headings)
    columns = table.columns
    writer.writerows([_csv_cell(c, row.get(c.key)) for c in columns] for row in rows)
    return out.getvalue()


def csv_bytes(table: Table, rows: list[dict[str, Any]]) -> bytes:
    """UTF-8 with a byte order mark, CRLF, formula-like cells neutralised, money as pounds text "1234.56"."""
    return csv_text(table, rows).encode("utf-8-sig")


# --- XLSX -----------------------------------------------------------------------------------------------------------


def _series(column: Column, rows: Sequence[dict[str, Any]]) -> pl.Series:
    values = [row.get(column.key) for row in rows]
    name, kind = column.heading, column.kind
    if kind == "text":
        return pl.Series(name, [None if v is None else neutralise(str(v)) for v in values], dtype=pl.String)
    if kind == "int":
        return pl.Series(name, values, dtype=pl.Int64)
    if kind == "money":
        return pl.Series(name, [None if v is None else int(v) / 100 for v in values], dtype=pl.Float64)
    if kind == "percent":
        return pl.Series(name, values, dtype=pl.Float64)
    if kind == "bool":
        return pl.Series(name, [None if v is None else ("yes" if v else "no") for v in values], dtype=pl.String)
    if any(isinstance(v, datetime) for v in values):
        return pl.Series(
            name, [None if v is None else _utc(v).replace(tzinfo=None) for v in values], dtype=pl.Datetime("us")
        )
    return pl.Series(name, values, dtype=pl.Date)


def _number_format(column: Column, series: pl.Series) -> str | None:
    if column.kind == "money":
        return MONEY_FORMAT
    if column.kind == "percent":
        return PERCENT_FORMAT
    if column.kind == "int":
        return INT_FORMAT
    if column.kind == "date":
        return DATETIME_FORMAT if series.dtype == pl.Datetime("us") else DATE_FORMAT
    return None


def _shown_width(column: Column, value: Any) -> int:
    """About how many characters the cell shows."""
    if value is None:
        return 0
    kind = column.kind
    if kind == "money":
        return len(f"£{int(value) / 100:,.2f}")
    if kind == "int":
        return len(f"{int(value):,}")
    if kind == "percent":
        return 7
    if kind == "date":
        return 16 if isinstance(value, datetime) else 10
    if kind == "bool":
        return 3
    return max((len(line) for line in str(value).splitlines()), default=0) + 1


def _width(column: Column, rows: Sequence[dict[str, Any]]) -> int:
    """The column's width in characters: its own, or fitted to the header and the cells (filter button included)."""
    if column.width is not None:
        return column.width
    widest = max((_shown_width(column, row.get(column.key)) for row in rows[:_SAMPLE_ROWS]), default=0)
    return max(NARROWEST, min(WIDEST, max(widest, len(column.heading) + 3) + 1))


def new_workbook(buffer: io.BytesIO) -> xlsxwriter.Workbook:
    """A workbook that writes every string as a string: never a formula, a number or a link."""
    return xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
            "nan_inf_to_errors": True,
        },
    )


def write_sheet(workbook: xlsxwriter.Workbook, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """One table as one sheet of ``workbook``."""
    series = [_series(c, rows) for c in table.columns]
    frame = pl.DataFrame(series)
    formats = {c.heading: f for c, s in zip(table.columns, series, strict=True) if (f := _number_format(c, s))}
    frame.write_excel(
        workbook,
        worksheet=table.name,
        table_style={"style": "Table Style Light 1", "first_column": False},
        column_formats=formats,  # type: ignore[arg-type]
        header_format={"bold": True, "text_wrap": True, "valign": "top"},
        float_precision=2,
        autofilter=True,
        freeze_panes=(1, 0),
    )
    sheet = workbook.get_worksheet_by_name(table.name)
    assert sheet is not None
    for index, column in enumerate(table.columns):
        sheet.set_column(index, index, _width(column, rows))


def xlsx_bytes(sheets: list[tuple[Table, list[dict[str, Any]]]], *, created: datetime | None = None) -> bytes:
    """A workbook of one sheet per table, in order. ``created``: the workbook's creation time (for the same bytes
    from the same data); now when not given."""
    buffer = io.BytesIO()
    workbook = new_workbook(buffer)
    if created is not None:
        workbook.set_properties({"created": _utc(created).replace(tzinfo=None)})
    for table, rows in sheets:
        write_sheet(workbook, table, rows)
    workbook.close()
    return buffer.getvalue()
