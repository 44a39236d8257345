"""Finding districts and regions by what people type: part of a name (English or Welsh), a code, or a typo.

Names are compared folded: no accents ("Ynys Mon" finds Ynys Môn), any case, "&" read as "and", apostrophes and
full stops dropped ("Kings Lynn", "St Helens") and other punctuation read as a space ("Stoke on Trent"). The data's
"Bristol, City of" style names are also known as "Bristol" and "City of Bristol".

``search_districts`` ranks an exact match first, then names or codes starting with the query, then names with a
word starting with it, then names containing it; ties go by name. ``resolve_district`` turns a code or an exact
name into its district, or raises ``UnknownDistrict`` suggesting the nearest names.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import Counter
from functools import cache
from typing import Any

from consortium.reference.districts import NATIONS, REGIONS, District, districts, nation_of_region

__all__ = [
    "DistrictList",
    "UnknownDistrict",
    "fold",
    "regions",
    "resolve_district",
    "search_districts",
    "search_regions",
    "suggest_districts",
]

EXACT, PREFIX, WORD_PREFIX, SUBSTRING = range(4)
_NO_MATCH = 99
SUGGESTION_CUTOFF = 0.7  # difflib similarity below which a name is not offered as "did you mean"
SUGGESTION_SPREAD = 0.1  # and below the closest name's similarity by more than this
CLOSE_TYPO = 0.8  # the similarity of a near-certain typo
_SHOWN_LENGTH = 60


class UnknownDistrict(ValueError):
    """A district code or name we don't recognise. ``suggestions`` holds the nearest districts (maybe none)."""

    def __init__(self, message: str, *, value: str, suggestions: list[District]) -> None:
        super().__init__(message)
        self.value = value
        self.suggestions = suggestions


def fold(text: str) -> str:
    """Text for comparing names: "St. Helens" -> "st helens", "Ynys Môn" -> "ynys mon", "Stoke-on-Trent" ->
    "stoke on trent"."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    plain = plain.replace("&", " and ")
    plain = re.sub(r"['’‘`.]", "", plain)
    return " ".join(re.findall(r"[^\W_]+", plain))


def _aliases(name: str) -> list[str]:
    """ "Bristol, City of" is also "Bristol" and "City of Bristol"."""
    place, comma, qualifier = name.partition(", ")
    if comma and qualifier.endswith(" of"):
        return [place, f"{qualifier} {place}"]
    return []


@cache
def _name_keys() -> dict[str, tuple[str, ...]]:
    """Each district's folded names: English, Welsh, then aliases; an alias two districts share is left out."""
    keys: dict[str, list[str]] = {}
    for district in districts().values():
        names = [district.name, *([district.welsh_name] if district.welsh_name else [])]
        keys[district.code] = list(dict.fromkeys(fold(name) for name in names))
    owners = Counter(key for names in keys.values() for key in names)
    for district in districts().values():
        for alias in _aliases(district.name):
            folded = fold(alias)
            if owners[folded] == 0:
                keys[district.code].append(folded)
                owners[folded] += 1
    return {code: tuple(names) for code, names in keys.items()}


@cache
def _exact_names() -> dict[str, District]:
    """Folded name (or alias) to district, for names that belong to exactly one district."""
    all_districts = districts()
    owners: dict[str, set[str]] = {}
    for code, names in _name_keys().items():
        for name in names:
            owners.setdefault(name, set()).add(code)
    return {name: all_districts[next(iter(codes))] for name, codes in owners.items() if len(codes) == 1}


def _name_rank(key: str, query: str, words: list[str]) -> int:
    if key == query:
        return EXACT
    if key.startswith(query):
        return PREFIX
    key_words = key.split()
    if f" {query}" in f" {key}" or (len(words) > 1 and all(any(k.startswith(w) for k in key_words) for w in words)):
        return WORD_PREFIX
    if query in key:
        return SUBSTRING
    return _NO_MATCH


def _code_rank(code: str, query: str) -> int:
    if code == query:
        return EXACT
    if code.startswith(query):
        return PREFIX
    return _NO_MATCH


def _sort_name(district: District) -> tuple[str, str]:
    return (fold(district.name), district.code)


def _ranked(query: str) -> list[tuple[int, District]]:
    folded = fold(query)
    code = re.sub(r"\s+", "", query).casefold()
    if not folded and not code:
        return []
    words = folded.split()
    ranked: list[tuple[int, District]] = []
    keys = _name_keys()
    for district in districts().values():
        rank = _code_rank(district.code.casefold(), code) if code else _NO_MATCH
        if folded:
            rank = min(rank, *(_name_rank(key, folded, words) for key in keys[district.code]))
        if rank != _NO_MATCH:
            ranked.append((rank, district))
    ranked.sort(key=lambda item: (item[0], *_sort_name(item[1])))
    return ranked


def search_districts(query: str, limit: int = 20) -> list[District]:
    """Districts whose English or Welsh name, or code, matches ``query``, best first (see the module docstring)."""
    if limit <= 0:
        return []
    return [district for _, district in _ranked(query)[:limit]]


def suggest_districts(unknown: str, limit: int = 3) -> list[District]:
    """The districts ``unknown`` most likely meant: those whose name starts it ("Leeds City Council"), those whose
    name starts with it (or has a word starting with it), then the names and codes most like it (a typo)."""
    if limit <= 0:
        return []
    folded = fold(unknown)
    if not folded:
        return []
    chosen: dict[str, District] = {}
    # "Leeds City Council" names Leeds: districts whose whole name starts the text, longest name first.
    starting = [(name, code) for code, names in _name_keys().items() for name in names if folded.startswith(f"{name} ")]
    for _, code in sorted(starting, key=lambda item: (-len(item[0]), item[1])):
        chosen.setdefault(code, districts()[code])
    if len(folded) >= 3:
        for rank, district in _ranked(unknown):
            if rank in (PREFIX, WORD_PREFIX):
                chosen.setdefault(district.code, district)
    scores: dict[str, float] = {}
    names_like = difflib.SequenceMatcher(autojunk=False)
    names_like.set_seq2(folded)
    code_query = re.sub(r"\s+", "", unknown).casefold()
    codes_like = difflib.SequenceMatcher(autojunk=False)
    codes_like.set_seq2(code_query)
    for code, names in _name_keys().items():
        best = 0.0
        for matcher, candidate in [(codes_like, code.casefold()), *((names_like, name) for name in names)]:
            matcher.set_seq1(candidate)
            bar = max(best, SUGGESTION_CUTOFF)  # the upper bounds first: most names are nowhere near
            if matcher.real_quick_ratio() >= bar and matcher.quick_ratio() >= bar:
                best = max(best, matcher.ratio())
        if best >= SUGGESTION_CUTOFF:
            scores[code] = best
    if scores:
        # Only names about as close as the closest: "Manchster" is Manchester, not Lancaster or Winchester.
        floor = max(SUGGESTION_CUTOFF, max(scores.values()) - SUGGESTION_SPREAD)
        if chosen:  # names that start with it already: add only near-certain typos
            floor = max(floor, CLOSE_TYPO)
        all_districts = districts()
        for code in sorted(scores, key=lambda c: (-scores[c], *_sort_name(all_districts[c]))):
            if scores[code] >= floor:
                chosen.setdefault(code, all_districts[code])
    return list(chosen.values())[:limit]


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


# A list with many unknown districts is answered with the first few, each with suggestions, and a count of the
# rest: suggesting costs a few milliseconds a name, and hundreds of them would make a slow, unreadable answer.
DETAILED_UNKNOWN = 10


class DistrictList:
    """Resolves the entries of one list of districts, collecting its problems in order: each of the first
    ``DETAILED_UNKNOWN`` unknown entries in full, with suggestions, and (from ``problems_found``) a count of the
    rest. Callers add problems of their own, such as a district listed twice, to ``problems``."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self._unknown = 0

    def resolve(self, value: str) -> District | None:
        """The district, or None when the entry is unknown (and recorded as a problem)."""
        try:
            return resolve_district(value, suggest=self._unknown < DETAILED_UNKNOWN)
        except UnknownDistrict as error:
            self._unknown += 1
            if self._unknown <= DETAILED_UNKNOWN:
                self.problems.append(str(error))
            return None

    def problems_found(self) -> list[str]:
        """Every problem, ending with how many more unknown entries there were beyond those described."""
        beyond = self._unknown - DETAILED_UNKNOWN
        if beyond <= 0:
            return self.problems
        return [
            *self.problems,
            f"{beyond:,} more {'entry is' if beyond == 1 else 'entries are'} not recognised either; check the list "
            "(ONS codes like E08000035, or district names) and send it again.",
        ]


def resolve_district(value: str, *, suggest: bool = True) -> District:
    """The district with this ONS code (any case) or exact name (English or Welsh, any case or accents, "Bristol,
    City of" or "Bristol"). Raises ``UnknownDistrict`` with suggestions (unless ``suggest`` is false) otherwise."""
    text = " ".join(value.split())
    if not text:
        raise UnknownDistrict(
            "Enter a local authority district's name, like Leeds, or its ONS code, like E08000035.",
            value=value,
            suggestions=[],
        )
    all_districts = districts()
    by_code = all_districts.get(text.replace(" ", "").upper())
    if by_code is not None:
        return by_code
    by_name = _exact_names().get(fold(text))
    if by_name is not None:
        return by_name
    shown = text if len(text) <= _SHOWN_LENGTH else text[: _SHOWN_LENGTH - 3] + "..."
    suggestions = suggest_districts(text) if suggest else []
    if suggestions:
        options = _listed([f"{d.name} ({d.code})" for d in suggestions])
        message = f"We don't recognise '{shown}'. Did you mean {options}?"
    else:
        message = (
            f"We don't recognise '{shown}' as a UK local authority district. Enter a district's name, like Leeds, "
            "or its ONS code, like E08000035."
        )
    raise UnknownDistrict(message, value=value, suggestions=suggestions)


# --- regions ----------------------------------------------------------------------------------------------------------


@cache
def _regions() -> tuple[tuple[str, str, str, str, int], ...]:
    counts = Counter(d.region_code for d in districts().values())
    return tuple(
        (code, name, nation_of_region(code), NATIONS[nation_of_region(code)], counts[code])
        for code, name in REGIONS.items()
    )


def _region_dict(row: tuple[str, str, str, str, int]) -> dict[str, Any]:
    code, name, nation_code, nation_name, count = row
    return {
        "code": code,
        "name": name,
        "nation_code": nation_code,
        "nation_name": nation_name,
        "district_count": count,
    }


def regions() -> list[dict[str, Any]]:
    """The nine English regions, then Wales, Scotland and Northern Ireland (each its own region): code, name,
    nation_code, nation_name and district_count."""
    return [_region_dict(row) for row in _regions()]


def search_regions(query: str) -> list[dict[str, Any]]:
    """Regions whose name or code matches ``query`` (ranked as districts are); a nation's name ("England") finds
    its regions after any direct matches. An empty query gives every region."""
    folded = fold(query)
    code = re.sub(r"\s+", "", query).casefold()
    if not folded and not code:
        return regions()
    words = folded.split()
    ranked: list[tuple[int, str, tuple[str, str, str, str, int]]] = []
    for row in _regions():
        region_code, name, nation_code, nation_name, _ = row
        rank = min(_code_rank(region_code.casefold(), code), _code_rank(nation_code.casefold(), code) + SUBSTRING)
        if folded:
            rank = min(rank, _name_rank(fold(name), folded, words))
            if nation_code != region_code:
                rank = min(rank, _name_rank(fold(nation_name), folded, words) + SUBSTRING)
        if rank < _NO_MATCH:
            ranked.append((rank, fold(name), row))
    ranked.sort(key=lambda item: item[:2])
    return [_region_dict(row) for _, _, row in ranked]
