"""The export formats by name, so a route such as ``/bids/{id}/tracker.{fmt}`` serves each from one table
definition: ``export_format("xlsx").write([(table, rows)])``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from consortium.errors import NotFound
from consortium.exports.columns import Table
from consortium.exports.writers import csv_bytes, xlsx_bytes

Sheets = list[tuple[Table, list[dict[str, Any]]]]


@dataclass(frozen=True)
class Format:
    name: str  # "csv" | "xlsx"
    media_type: str
    suffix: str  # ".csv", ".xlsx"
    write: Callable[[Sheets], bytes]


def _csv(sheets: Sheets) -> bytes:
    """A CSV holds one table: the first sheet's."""
    if not sheets:
        raise ValueError("Nothing to write")
    table, rows = sheets[0]
    return csv_bytes(table, rows)


def _xlsx(sheets: Sheets) -> bytes:
    return xlsx_bytes(sheets)


XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

FORMATS: dict[str, Format] = {
    "csv": Format("csv", "text/csv", ".csv", _csv),
    "xlsx": Format("xlsx", XLSX_MEDIA_TYPE, ".xlsx", _xlsx),
}


def export_format(name: str) -> Format:
    """The format called ``name``; anything else is not found (404), naming the formats there are."""
    found = FORMATS.get(name.lower())
    if found is None:
        raise NotFound(f"Downloads come as {' or '.join(FORMATS)}: ask for one of those, not {name[:20]!r}.")
    return found
