"""Real spreadsheet files for the import tests, written with xlsxwriter (as Excel would save them) or as CSV bytes."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from typing import Any

import xlsxwriter


def xlsx(rows: list[list[Any]], *, formulas: dict[tuple[int, int], tuple[str, Any]] | None = None) -> bytes:
    """A workbook whose first sheet holds ``rows``: str as text cells, int/float as numbers, dates with a date
    format; ``formulas`` puts a formula with its cached value at (row, column)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("Districts")
    dated = book.add_format({"num_format": "dd/mm/yyyy"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, (datetime, date)):
                sheet.write_datetime(r, c, value, dated)
            elif isinstance(value, str):
                sheet.write_string(r, c, value)
            else:
                sheet.write_number(r, c, value)
    for (r, c), (formula, cached) in (formulas or {}).items():
        sheet.write_formula(r, c, formula, None, cached)
    book.close()
    return buffer.getvalue()


def csv_bytes(rows: list[list[str]], *, delimiter: str = ",", encoding: str = "utf-8", bom: bool = False) -> bytes:
    text = "\r\n".join(delimiter.join(f'"{c}"' if delimiter in c else c for c in row) for row in rows) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


def zip_bomb(unpacked_bytes: int = 60_000_000) -> bytes:
    """A small zip that looks like a workbook but unpacks to ``unpacked_bytes`` of zeros."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * unpacked_bytes)
    return buffer.getvalue()
