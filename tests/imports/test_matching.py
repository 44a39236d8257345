"""Tolerant district matching: codes, council names, Welsh names and typos."""

from __future__ import annotations

import pytest

from consortium.reference.matching import match_district, search_districts, unknown_district_message


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("E08000037", "E08000037"),
        ("e08 000037", "E08000037"),
        ("gateshead", "E08000037"),
        ("Gateshead Council", "E08000037"),
        ("Brighton & Hove", "E06000043"),
        ("City of Bristol", "E06000023"),
        ("Bristol City Council", "E06000023"),
        ("London Borough of Camden", "E09000007"),
        ("City of Edinburgh Council", "S12000036"),
        ("Ynys Môn", "W06000001"),
        ("Ynys Mon", "W06000001"),
        ("Wrecsam", "W06000006"),
        ("Caerdydd", "W06000015"),
        ("Cyngor Gwynedd", "W06000002"),
        ("kings lynn & west norfolk", "E07000146"),
    ],
)
def test_codes_and_names_match(typed: str, code: str) -> None:
    assert match_district(typed).code == code


def test_gateshed_suggests_gateshead() -> None:
    match = match_district("Gateshed")
    assert match.code is None and match.suggestion == "Gateshead"
    assert unknown_district_message("Gateshed", match).endswith("Did you mean Gateshead?")
    assert [d.name for d in search_districts("Gateshed")] == ["Gateshead"]


def test_unknown_codes_and_nonsense_are_not_guessed() -> None:
    assert match_district("E08000999") == match_district("")  # no district, no suggestion
    assert "not the code of a current district" in unknown_district_message("E08000999", match_district("E08000999"))
    assert match_district("qqqq").suggestion is None
    assert match_district("London").code is None  # "City of London" is not London


def test_search_keeps_its_ranking_for_ordinary_queries() -> None:
    assert search_districts("Leeds")[0].name == "Leeds"
    assert len(search_districts("a", limit=5)) == 5
