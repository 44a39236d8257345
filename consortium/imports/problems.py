"""What is wrong with one row of an imported sheet, and reading the numbers people type into spreadsheets."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["MAX_WHOLE_NUMBER", "RowProblem", "parse_whole_number"]

MAX_WHOLE_NUMBER = 10_000_000  # the most homes one row may give (consortium.schemas.Homes)


@dataclass(frozen=True)
class RowProblem:
    """One problem with one row: its row number in the sheet (the headings are row 1), the heading of the column
    at fault (or "" when it is the row as a whole) and what to change, in plain words."""

    row: int
    column: str
    message: str


_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")  # ordinary, non-breaking and thin spaces
_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+$")  # 1,234 or 12,345,678
_SPACE_GROUPED = re.compile(r"^\d{1,3}( \d{3})+$")  # 1 234
_PLAIN = re.compile(r"^\d+$")
_DOT_GROUPED = re.compile(r"^\d{1,3}(\.\d{3})+$")  # 1.234: a European thousand, or one and a bit?


def parse_whole_number(text: str | None) -> int | None:
    """A whole number of homes as people write it: "1234", "1,234", "1 234", "1234.0". A blank cell is None.
    Anything else raises ValueError whose words say what to write instead: "1.234" (a thousand in some countries,
    one and a bit in others), fractions, negative numbers and words."""
    if text is None:
        return None
    raw = str(text).strip()
    if not raw:
        return None
    compact = _SPACES.sub(" ", raw)
    if _DOT_GROUPED.match(compact):  # "1.234": refused before "1.000" could be read as one
        whole = compact.replace(".", "")
        n = int(whole)
        raise ValueError(
            f"{raw} is unclear: in some countries it means {n:,}, in others a number with a decimal point. "
            f"For {n:,} homes write {whole} or {n:,}."
        )
    whole_part, point, decimals = compact.partition(".")
    if point and decimals and set(decimals) == {"0"}:  # "1234.0", how a spreadsheet may show a whole number
        compact = whole_part
    value: int | None = None
    if _PLAIN.match(compact):
        value = int(compact)
    elif _GROUPED.match(compact) or _SPACE_GROUPED.match(compact):
        value = int(compact.replace(",", "").replace(" ", ""))
    if value is not None:
        if value > MAX_WHOLE_NUMBER:
            raise ValueError(f"{raw} is more homes than one row can have: the most is {MAX_WHOLE_NUMBER:,}.")
        return value
    digits = compact.replace(" ", "")
    if re.match(r"^-[\d,.]+$", digits):
        raise ValueError(f"{raw} is below zero: write the number of homes, 0 or more.")
    if re.match(r"^[\d,]*\.\d+$", digits):
        raise ValueError(f"{raw} is not a whole number: write a whole number of homes, like 1234.")
    raise ValueError(f"{raw[:40]!r} is not a number: write the number of homes, like 1234 or 1,234.")
