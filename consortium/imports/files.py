"""Reading a person's spreadsheet safely: a CSV (UTF-8, UTF-8 with a BOM or Windows-1252; comma, semicolon or tab)
or an XLSX workbook (its first sheet, read with Polars and calamine). Every cell comes back as the text a person
sees in it: "1,234" typed as text stays "1,234", a whole number stored as a number is "1234", a date is its ISO
date ("2024-03-01"), a formula is the value it last showed (never worked out here) and text starting with "=" is
only text.

The whole file is refused (``ImportRefused``, 422; ``ImportTooLarge``, 413) when it is not a CSV or XLSX (judged by
its content, not only its name), when a workbook would unpack to far more than it weighs (a "zip bomb", checked
with zipfile before anything parses it), when it has more rows than we take at once, when a column with something
in it has no heading (an empty or merged cell in the first row) and when there are no rows under the headings."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass

import polars as pl

from consortium.errors import BadInput
from consortium.imports.headings import column_letter

__all__ = [
    "MAX_UNPACKED_BYTES",
    "ImportRefused",
    "ImportTooLarge",
    "Sheet",
    "read_sheet",
]

MAX_UNPACKED_BYTES = 50_000_000  # the most an XLSX may unpack to
MAX_PACKING_RATIO = 200  # how many times its packed size a workbook may unpack to (real ones are 5 to 30)
SAVE_AS = "Save it as .xlsx or .csv from your spreadsheet program (File, then Save as) and upload that."


class ImportRefused(BadInput):
    """The whole file is refused, with what to do about it; nothing in it is used."""

    title = "We could not use that file"


class ImportTooLarge(ImportRefused):
    status_code = 413
    title = "That file is too large"


@dataclass
class Sheet:
    """A sheet's headings (the first row) and the rows under them, each cell as text ("" when empty). ``rows[i]`` is
    the sheet's row ``i + 2``; empty rows are kept (so the numbers stay right) and callers skip them."""

    headings: list[str]
    rows: list[list[str]]

    @staticmethod
    def row_number(index: int) -> int:
        return index + 2

    def is_blank(self, index: int) -> bool:
        return not any(cell.strip() for cell in self.rows[index])


def read_sheet(content: bytes, filename: str, *, max_rows: int = 20_000) -> Sheet:
    """The first sheet of an XLSX or a CSV file as text (see the module docstring); ``ImportRefused`` otherwise."""
    name = (filename or "").strip().lower()
    if not content:
        raise ImportRefused("The file is empty. Choose the spreadsheet again and upload it.")
    kind = _kind(content, name)
    cells = _read_xlsx(content) if kind == "xlsx" else _read_csv(content)
    return _sheet(cells, max_rows)


def _kind(content: bytes, name: str) -> str:
    if content.startswith(b"PK\x03\x04") or content.startswith(b"PK\x05\x06"):
        return "xlsx"
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportRefused(
            f"That is an old Excel file (.xls) or another Office document, which we cannot read. {SAVE_AS}"
        )
    if content.startswith(b"%PDF"):
        raise ImportRefused(f"That is a PDF, not a spreadsheet. {SAVE_AS}")
    if name.endswith((".xlsx", ".xlsm")):
        raise ImportRefused(f"That file is named .xlsx but is not an Excel workbook inside. {SAVE_AS}")
    if name.endswith((".xls", ".ods", ".numbers", ".pdf", ".doc", ".docx")) or b"\x00" in content[:8192]:
        raise ImportRefused(f"That is not a spreadsheet we can read. {SAVE_AS}")
    return "csv"


# --- XLSX -------------------------------------------------------------------------------------------------------------


def _check_workbook(content: bytes) -> None:
    """Refuse anything that is not a workbook, or would unpack to too much, from the zip's directory alone."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise ImportRefused(f"That file is damaged or is not an Excel workbook. {SAVE_AS}") from error
    names = {entry.filename for entry in entries}
    if "xl/workbook.xml" not in names:
        if "content.xml" in names:
            raise ImportRefused(f"That is an OpenDocument spreadsheet (.ods), which we cannot read. {SAVE_AS}")
        raise ImportRefused(f"That is a zip file or another document, not an Excel workbook. {SAVE_AS}")
    unpacked = sum(entry.file_size for entry in entries)
    packed = max(1, sum(entry.compress_size for entry in entries))
    if unpacked > MAX_UNPACKED_BYTES or unpacked > MAX_PACKING_RATIO * packed:
        raise ImportTooLarge(
            f"That workbook unpacks to {unpacked / 1_000_000:,.0f} MB, far more than a sheet of districts or members "
            f"needs (the most is {MAX_UNPACKED_BYTES // 1_000_000} MB). Copy just the rows you need into a new "
            "workbook, or save it as .csv, and upload that."
        )


_MIDNIGHT = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T]00:00:00(\.0+)?$")
_DATE_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(\.\d+)?$")


def _xlsx_cell(value: object) -> str:
    if value is None:
        return ""
    text = str(value)
    if (midnight := _MIDNIGHT.match(text)) is not None:
        return midnight.group(1)
    if (stamp := _DATE_TIME.match(text)) is not None:
        return f"{stamp.group(1)}T{stamp.group(2)}"
    return text


def _read_xlsx(content: bytes) -> list[list[str]]:
    _check_workbook(content)
    try:
        frame = pl.read_excel(
            io.BytesIO(content),
            engine="calamine",
            sheet_id=1,
            has_header=False,
            infer_schema_length=0,  # every column as text: no guessing of types
            raise_if_empty=False,
        )
    except Exception as error:  # calamine's errors for a broken workbook vary; each means the same here
        raise ImportRefused(f"We could not read that workbook: it may be damaged or protected. {SAVE_AS}") from error
    return [[_xlsx_cell(v) for v in row] for row in frame.iter_rows()]


# --- CSV --------------------------------------------------------------------------------------------------------------


def _decode(content: bytes) -> str:
    if content.startswith(b"\xef\xbb\xbf"):
        content = content[3:]
    elif content.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return content.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252")  # Excel's "CSV" on Windows
    except UnicodeDecodeError as error:
        raise ImportRefused(
            'We could not read the letters in that file. Save it as "CSV UTF-8" (or as .xlsx) and upload it again.'
        ) from error


def _delimiter(text: str) -> str:
    """Comma, semicolon or tab: whichever splits the first lines into the same number of columns, most columns."""
    sample = text[:20_000].splitlines()[:20]
    if not sample:
        return ","
    best, best_score = ",", (False, 0)
    for candidate in (",", ";", "\t"):
        rows = [r for r in csv.reader(sample, delimiter=candidate) if r]
        if not rows:
            continue
        width = len(rows[0])
        score = (width > 1 and all(len(r) == width for r in rows[:-1]), width)
        if score > best_score:
            best, best_score = candidate, score
    return best


def _read_csv(content: bytes) -> list[list[str]]:
    text = _decode(content)
    try:
        return [list(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))]
    except csv.Error as error:
        raise ImportRefused(
            f"We could not read that CSV file ({error}). Open it in your spreadsheet program, save it as .csv or "
            ".xlsx and upload it again."
        ) from error


# --- both -------------------------------------------------------------------------------------------------------------


def _sheet(cells: list[list[str]], max_rows: int) -> Sheet:
    rows = [[cell.strip() for cell in row] for row in cells]
    while rows and not any(rows[-1]):
        rows.pop()
    if not rows:
        raise ImportRefused("The file has nothing in it. Put the headings in the first row and one row per line.")
    data_rows = len(rows) - 1
    if data_rows > max_rows:
        raise ImportTooLarge(
            f"{data_rows:,} rows is more than we take in one file: the most is {max_rows:,}. Split it into smaller "
            "files and upload each."
        )
    width = max(len(row) for row in rows)
    rows = [row + [""] * (width - len(row)) for row in rows]
    # Columns with nothing at all in them (not even a heading) are dropped from the right.
    while width and not any(row[width - 1] for row in rows):
        width -= 1
    rows = [row[:width] for row in rows]
    headings, body = rows[0], rows[1:]
    if not any(headings):
        raise ImportRefused(
            "The first row is empty. Put the headings (such as District and Homes) in the first row, above the data."
        )
    blank = [column_letter(i) for i, heading in enumerate(headings) if not heading]
    if blank:
        which = blank[0] if len(blank) == 1 else ", ".join(blank[:-1]) + " and " + blank[-1]
        plural = "s" if len(blank) > 1 else ""
        raise ImportRefused(
            f"Column{plural} {which} {'have' if plural else 'has'} no heading in the first row (an empty or merged "
            "cell). Give every column its own heading in row 1, unmerge any merged cells, and upload it again."
        )
    if not any(any(row) for row in body):
        raise ImportRefused(
            "The file has headings but no rows under them. Add a row for each entry and upload it again."
        )
    return Sheet(headings=headings, rows=body)
