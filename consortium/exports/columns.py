"""What an export is: a ``Table`` (its sheet name and typed columns), one definition per export.

A row is a dict keyed by ``Column.key`` holding the raw value of each kind:

* ``text``: a string (None reads as empty); a formula-like start is neutralised by the writers;
* ``int``: a whole number;
* ``money``: integer pence (pounds only at the edge: "1234.56" in a CSV, a £ number format in a workbook);
* ``percent``: a fraction (0.25 is 25%), already rounded as the figure it shows is rounded;
* ``date``: a ``datetime`` (timezone-aware, written in UTC) or a ``date``;
* ``bool``: True or False, written "yes" or "no".
"""

from __future__ import annotations

from dataclasses import dataclass

KINDS = frozenset({"text", "int", "money", "percent", "date", "bool"})
SHEET_NAME_LIMIT = 31  # characters Excel allows in a sheet's name
_SHEET_NAME_FORBIDDEN = set("[]:*?/\\")


@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    kind: str  # "text" | "int" | "money" | "percent" | "date" | "bool"
    width: int | None = None  # in characters; None: fitted to the widest cell

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Column {self.key!r} has kind {self.kind!r}; use one of {', '.join(sorted(KINDS))}")


@dataclass(frozen=True)
class Table:
    name: str  # the sheet's name in a workbook
    columns: tuple[Column, ...]

    def __post_init__(self) -> None:
        if not self.name or len(self.name) > SHEET_NAME_LIMIT or set(self.name) & _SHEET_NAME_FORBIDDEN:
            raise ValueError(f"{self.name!r} cannot name a sheet")
        keys = [c.key for c in self.columns]
        if len(set(keys)) != len(keys):
            raise ValueError(f"Table {self.name!r} names a column twice")

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns)

    @property
    def headings(self) -> tuple[str, ...]:
        return tuple(c.heading for c in self.columns)
