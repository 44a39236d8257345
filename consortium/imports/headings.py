"""Recognising a column by its heading, however a person wrote it: any case, spaces or punctuation."""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["DISTRICT_HEADINGS", "HOMES_HEADINGS", "column_letter", "find_column", "heading_key"]

# The headings people give a local authority column and a homes column, most telling first.
DISTRICT_HEADINGS: tuple[str, ...] = (
    "GSS code",
    "LAD23CD",
    "LAD code",
    "District code",
    "Local authority code",
    "LA code",
    "ONS code",
    "Local authority",
    "Local authority district",
    "Local authority name",
    "LAD23NM",
    "LAD",
    "LA",
    "District",
    "District name",
    "Council",
    "Authority",
    "Area",
)
HOMES_HEADINGS: tuple[str, ...] = (
    "Homes",
    "Number of homes",
    "No of homes",
    "Homes owned",
    "Units",
    "Number of units",
    "Stock",
    "Housing stock",
    "Properties",
    "Dwellings",
)


def heading_key(text: str) -> str:
    """A heading as compared: lower case, letters and digits only ("Local authority" -> "localauthority")."""
    return re.sub(r"[^0-9a-z]", "", text.casefold().replace("&", "and"))


def _words(text: str) -> list[str]:
    return re.findall(r"[0-9a-z]+", text.casefold())


def _without_digits(key: str) -> str:
    return re.sub(r"\d", "", key)


def find_column(headings: Sequence[str], candidates: tuple[str, ...]) -> int | None:
    """The index of the first heading that is one of ``candidates`` (tried in their order): first exactly (ignoring
    case, spaces and punctuation), then ignoring digits ("LAD22CD" for "LAD23CD"), then a heading whose words
    begin with a candidate's words ("Homes (March 2024)", "Number of homes owned"). None when nothing matches."""
    keys = [heading_key(h) for h in headings]
    wanted = [heading_key(c) for c in candidates]
    for want in wanted:
        for index, key in enumerate(keys):
            if want and key == want:
                return index
    for want in wanted:
        for index, key in enumerate(keys):
            if want and _without_digits(key) and _without_digits(key) == _without_digits(want):
                return index
    heading_words = [_words(h) for h in headings]
    for candidate in candidates:
        want_words = _words(candidate)
        if not want_words or len("".join(want_words)) < 3:  # "LA" alone is too short to find inside other words
            continue
        for index, words in enumerate(heading_words):
            if words[: len(want_words)] == want_words:
                return index
    return None


def column_letter(index: int) -> str:
    """A spreadsheet's name for a column: 0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    n = index + 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters
