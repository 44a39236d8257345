"""Matching the district a person wrote in a spreadsheet or a search box to a UK local authority district.

A cell may hold an ONS GSS code (E06, E07, E08, E09, W06, S12 or N09 and six digits, any case, spaces ignored) or a
name written any of the ways councils are named: any case or accents, "&" for "and", "City of Bristol" or "Bristol,
City of", "London Borough of Camden", "Leeds City Council", "Cyngor Gwynedd", and the Welsh names of the 22 Welsh
authorities (held in the reference data itself: ``District.welsh_name``, from the ONS ``LAD19NMW`` field). A name
that matches nothing is compared with every name by rapidfuzz (``process.extractOne`` with a score cutoff), so
"Gateshed" is answered "Did you mean Gateshead?"; the match is only ever suggested, never taken.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from rapidfuzz import fuzz, process

from consortium.reference import search
from consortium.reference.districts import District, districts
from consortium.reference.search import fold

__all__ = ["DistrictMatch", "match_district", "search_districts", "unknown_district_message"]

GSS_CODE = re.compile(r"^(E06|E07|E08|E09|W06|S12|N09)\d{6}$")
SUGGESTION_SCORE = 80  # rapidfuzz's ratio (0 to 100) below which a name is not offered as "did you mean"

# Words around a district's name in a council's name, English and Welsh, longest first.
_PREFIXES = (
    "the ",
    "london borough of ",
    "royal borough of ",
    "metropolitan borough of ",
    "county borough of ",
    "borough of ",
    "city and county of ",
    "city and district of ",
    "city of ",
    "county of ",
    "district of ",
    "cyngor bwrdeistref sirol ",
    "cyngor dinas a sir ",
    "cyngor sir ",
    "cyngor ",
    "dinas a sir ",
    "bwrdeistref sirol ",
)
_SUFFIXES = (
    " metropolitan borough council",
    " metropolitan district council",
    " county borough council",
    " borough council",
    " district council",
    " county council",
    " city council",
    " unitary authority",
    " council",
    " mbc",
    " cbc",
    " bc",
    " dc",
    " cc",
    " city of",
    " county of",
)


@dataclass(frozen=True)
class DistrictMatch:
    """The district a cell names (``code`` and ``name``), or none with, maybe, the ``suggestion`` it most likely
    meant (a district's name)."""

    code: str | None
    name: str | None
    suggestion: str | None

    @property
    def found(self) -> bool:
        return self.code is not None


def _strip_council_words(folded: str) -> str:
    text = folded
    changed = True
    while changed:
        changed = False
        for prefix in _PREFIXES:
            if text.startswith(prefix) and len(text) > len(prefix):
                text, changed = text[len(prefix) :], True
        for suffix in _SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                text, changed = text[: -len(suffix)], True
    return text.strip()


@cache
def _keys() -> dict[str, str]:
    """Every folded way of naming a district (English, Welsh, "Bristol"/"City of Bristol" aliases and the name
    without its council words) to its code; a way two districts share is left out."""
    owners: dict[str, set[str]] = {}
    for code, names in search._name_keys().items():  # the names the search already knows, aliases included
        for name in names:
            owners.setdefault(name, set()).add(code)
            core = _strip_council_words(name)
            if core and core != name and core != "london":  # "City of London" is not London
                owners.setdefault(core, set()).add(code)
    return {key: next(iter(codes)) for key, codes in owners.items() if len(codes) == 1}


@cache
def _choices() -> tuple[list[str], list[str]]:
    keys = _keys()
    return list(keys), list(keys.values())


def _found(district: District) -> DistrictMatch:
    return DistrictMatch(code=district.code, name=district.name, suggestion=None)


@lru_cache(maxsize=4096)
def match_district(text: str) -> DistrictMatch:
    """The district ``text`` names (a GSS code or a name, see the module docstring), or a suggestion."""
    raw = (text or "").strip()
    if not raw:
        return DistrictMatch(None, None, None)
    all_districts = districts()
    code = re.sub(r"\s+", "", raw).upper()
    if GSS_CODE.match(code):
        known = all_districts.get(code)
        return _found(known) if known else DistrictMatch(None, None, None)
    keys = _keys()
    folded = fold(raw)
    for key in (folded, _strip_council_words(folded)):
        if key in keys:
            return _found(all_districts[keys[key]])
    query = _strip_council_words(folded)
    if len(query) < 3:
        return DistrictMatch(None, None, None)
    names, codes = _choices()
    best = process.extractOne(query, names, scorer=fuzz.ratio, score_cutoff=SUGGESTION_SCORE)
    if best is not None:
        return DistrictMatch(None, None, all_districts[codes[best[2]]].name)
    near = search.suggest_districts(raw, limit=1)
    return DistrictMatch(None, None, near[0].name if near else None)


def unknown_district_message(text: str, match: DistrictMatch) -> str:
    """What to tell a person whose district was not recognised."""
    shown = text if len(text) <= 60 else text[:57] + "..."
    if GSS_CODE.match(re.sub(r"\s+", "", text).upper()):
        return (
            f"{shown} is not the code of a current district. Check the code (ONS codes of 2023, like E08000035), or "
            "write the district's name."
        )
    if match.suggestion:
        return f"We don't recognise '{shown}'. Did you mean {match.suggestion}?"
    return (
        f"We don't recognise '{shown}' as a UK local authority district. Write its name, like Leeds, or its ONS "
        "code, like E08000035."
    )


def search_districts(query: str, limit: int = 10) -> list[District]:
    """Districts for a search box: those whose name or code matches (``consortium.reference.search``, best first),
    and when none does, the names most like what was typed ("Gateshed" finds Gateshead)."""
    found = search.search_districts(query, limit=limit)
    if found or limit <= 0:
        return found
    match = match_district(query)
    all_districts = districts()
    if match.code:
        return [all_districts[match.code]]
    folded = _strip_council_words(fold(query))
    if len(folded) < 3:
        return []
    names, codes = _choices()
    chosen: dict[str, District] = {}
    for _, _, index in process.extract(folded, names, scorer=fuzz.ratio, score_cutoff=SUGGESTION_SCORE, limit=limit):
        chosen.setdefault(codes[index], all_districts[codes[index]])
    if not chosen and match.suggestion:
        near = search.suggest_districts(query, limit=limit)
        chosen = {d.code: d for d in near}
    return list(chosen.values())[:limit]
