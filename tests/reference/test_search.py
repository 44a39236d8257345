from __future__ import annotations

import pytest

from consortium.reference.districts import REGIONS, District, districts
from consortium.reference.search import (
    UnknownDistrict,
    fold,
    regions,
    resolve_district,
    search_districts,
    search_regions,
    suggest_districts,
)


def names(found: list[District]) -> list[str]:
    return [d.name for d in found]


def codes(found: list[District]) -> list[str]:
    return [d.code for d in found]


# --- folding ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Ynys Môn", "ynys mon"),
        ("St. Helens", "st helens"),
        ("King's Lynn and West Norfolk", "kings lynn and west norfolk"),
        ("King’s Lynn", "kings lynn"),
        ("Stoke-on-Trent", "stoke on trent"),
        ("Bristol, City of", "bristol city of"),
        ("Brighton & Hove", "brighton and hove"),
        ("  MANCHESTER  ", "manchester"),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


# --- search ----------------------------------------------------------------------------------------------------------


def test_prefix_matches_come_first_in_name_order() -> None:
    found = names(search_districts("man"))
    assert found[:2] == ["Manchester", "Mansfield"]
    # substring matches come after every prefix match
    assert "Clackmannanshire" in found
    assert found.index("Clackmannanshire") > found.index("Mansfield")


def test_ranking_exact_then_prefix_then_word_prefix_then_substring() -> None:
    found = names(search_districts("york", limit=50))
    assert found[0] == "York"  # exact
    assert set(found[1:3]) == {"North Yorkshire", "East Riding of Yorkshire"}  # word prefix, by name
    assert found[1:3] == ["East Riding of Yorkshire", "North Yorkshire"]


def test_substring_after_word_prefix() -> None:
    found = names(search_districts("hull", limit=10))
    assert found == ["Kingston upon Hull, City of", "Solihull"]


def test_search_is_case_and_accent_insensitive() -> None:
    assert codes(search_districts("ynys mon")) == ["W06000001"]
    assert codes(search_districts("YNYS MÔN")) == ["W06000001"]
    assert codes(search_districts("st helens")) == ["E08000013"]
    assert codes(search_districts("kings lynn")) == ["E07000146"]
    assert codes(search_districts("STOKE ON TRENT")) == ["E06000021"]


@pytest.mark.parametrize(
    ("welsh", "english"),
    [("Caerdydd", "Cardiff"), ("abertawe", "Swansea"), ("Casnewydd", "Newport"), ("Pen-y-bont", "Bridgend")],
)
def test_welsh_names_find_the_district(welsh: str, english: str) -> None:
    assert names(search_districts(welsh))[0] == english


def test_search_by_code() -> None:
    assert names(search_districts("E08000003")) == ["Manchester"]
    assert names(search_districts("e08000003")) == ["Manchester"]
    welsh = search_districts("W06", limit=100)
    assert len(welsh) == 22
    assert all(d.code.startswith("W06") for d in welsh)
    assert names(welsh) == sorted(names(welsh), key=fold)


def test_multi_word_queries_match_word_prefixes_in_any_order() -> None:
    assert names(search_districts("tyne north")) == ["North Tyneside"]
    assert names(search_districts("newcastle")) == ["Newcastle-under-Lyme", "Newcastle upon Tyne"]


def test_city_of_names_are_found_either_way() -> None:
    assert names(search_districts("bristol")) == ["Bristol, City of"]
    assert names(search_districts("City of Bristol")) == ["Bristol, City of"]


def test_search_limit_and_nothing_found() -> None:
    assert len(search_districts("a", limit=5)) == 5
    assert search_districts("a", limit=0) == []
    assert search_districts("zzzzqq") == []
    assert search_districts("") == []
    assert search_districts("   ") == []
    assert search_districts("!!!") == []


def test_single_letter_codes_do_not_match_everything_as_substrings() -> None:
    # digits match codes only from the start, never inside them
    assert search_districts("000003") == []


# --- suggestions -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("Manchster", "Manchester"),
        ("Sheffeld", "Sheffield"),
        ("Westminister", "Westminster"),
        ("Brsitol", "Bristol, City of"),
        ("Cardif", "Cardiff"),
        ("Barnsly", "Barnsley"),
        ("Tower Hamlet", "Tower Hamlets"),
        ("Leeds City Council", "Leeds"),
        ("Caerdyd", "Cardiff"),
    ],
)
def test_suggestions_for_typos(typo: str, meant: str) -> None:
    assert names(suggest_districts(typo))[0] == meant


def test_a_clear_typo_suggests_only_the_close_name() -> None:
    assert names(suggest_districts("Manchster")) == ["Manchester"]


def test_a_partial_name_suggests_every_district_it_starts() -> None:
    assert names(suggest_districts("Newcastle")) == ["Newcastle-under-Lyme", "Newcastle upon Tyne"]
    assert names(suggest_districts("Richmond")) == ["Richmond upon Thames"]


def test_suggestions_for_a_mistyped_code() -> None:
    found = suggest_districts("E0800003")
    assert found
    assert all(d.code.startswith("E080000") for d in found)


def test_no_suggestions_for_nonsense() -> None:
    assert suggest_districts("xyzzy") == []
    assert suggest_districts("") == []
    assert suggest_districts("Manchster", limit=0) == []


def test_suggestion_limit() -> None:
    assert len(suggest_districts("North", limit=3)) == 3
    assert len(suggest_districts("North", limit=5)) == 5


# --- resolving -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("E08000003", "E08000003"),
        ("e08000003", "E08000003"),
        (" E08000003 ", "E08000003"),
        ("Manchester", "E08000003"),
        ("MANCHESTER", "E08000003"),
        ("Bristol, City of", "E06000023"),
        ("bristol", "E06000023"),
        ("City of Bristol", "E06000023"),
        ("Kingston upon Hull", "E06000010"),
        ("Herefordshire", "E06000019"),
        ("Caerdydd", "W06000015"),
        ("Ynys Mon", "W06000001"),
        ("Ynys Môn", "W06000001"),
        ("St Helens", "E08000013"),
        ("Stoke on Trent", "E06000021"),
        ("Bournemouth, Christchurch and Poole", "E06000058"),
        ("Rhondda Cynon Taf", "W06000016"),
    ],
)
def test_resolve(value: str, code: str) -> None:
    assert resolve_district(value).code == code


def test_every_district_resolves_by_code_and_names() -> None:
    for district in districts().values():
        assert resolve_district(district.code) is district
        assert resolve_district(district.name) is district
        if district.welsh_name:
            assert resolve_district(district.welsh_name) is district


def test_unknown_district_suggests_the_nearest() -> None:
    with pytest.raises(UnknownDistrict) as caught:
        resolve_district("Manchster")
    assert str(caught.value) == "We don't recognise 'Manchster'. Did you mean Manchester (E08000003)?"
    assert codes(caught.value.suggestions) == ["E08000003"]
    assert caught.value.value == "Manchster"


def test_unknown_district_lists_several_suggestions() -> None:
    with pytest.raises(UnknownDistrict) as caught:
        resolve_district("Newcastle")
    assert str(caught.value) == (
        "We don't recognise 'Newcastle'. Did you mean Newcastle-under-Lyme (E07000195) or Newcastle upon Tyne "
        "(E08000021)?"
    )


def test_unknown_code_suggests_similar_codes() -> None:
    with pytest.raises(UnknownDistrict, match=r"We don't recognise 'E0800003'\. Did you mean .*\(E080000\d\d\)"):
        resolve_district("E0800003")


def test_unknown_district_without_suggestions() -> None:
    with pytest.raises(UnknownDistrict) as caught:
        resolve_district("Xyzzy")
    assert str(caught.value) == (
        "We don't recognise 'Xyzzy' as a UK local authority district. Enter a district's name, like Leeds, "
        "or its ONS code, like E08000035."
    )
    assert caught.value.suggestions == []


def test_empty_district() -> None:
    with pytest.raises(UnknownDistrict, match="Enter a local authority district's name"):
        resolve_district("  ")


def test_long_unknown_values_are_shortened() -> None:
    with pytest.raises(UnknownDistrict) as caught:
        resolve_district("q" * 500)
    assert "q" * 57 + "..." in str(caught.value)
    assert "q" * 61 not in str(caught.value)


def test_unknown_district_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="Manchester"):
        resolve_district("Manchster")


# --- regions ---------------------------------------------------------------------------------------------------------


def test_regions() -> None:
    found = regions()
    assert [r["code"] for r in found] == list(REGIONS)
    assert sum(r["district_count"] for r in found) == len(districts()) == 361
    north_west = next(r for r in found if r["code"] == "E12000002")
    assert north_west == {
        "code": "E12000002",
        "name": "North West",
        "nation_code": "E92000001",
        "nation_name": "England",
        "district_count": 35,
    }
    wales = next(r for r in found if r["code"] == "W92000004")
    assert (wales["nation_code"], wales["nation_name"], wales["district_count"]) == ("W92000004", "Wales", 22)


def test_regions_are_fresh_copies() -> None:
    regions()[0]["name"] = "Changed"
    assert regions()[0]["name"] == "North East"


def test_search_regions() -> None:
    assert [r["name"] for r in search_regions("north")] == ["North East", "North West", "Northern Ireland"]
    assert [r["name"] for r in search_regions("humber")] == ["Yorkshire and The Humber"]
    assert [r["code"] for r in search_regions("e12000007")] == ["E12000007"]
    assert [r["name"] for r in search_regions("wales")] == ["Wales"]
    england = search_regions("England")
    assert len(england) == 9
    assert england[0]["name"] == "East of England"  # its name contains "England"
    assert {r["nation_code"] for r in england} == {"E92000001"}
    assert search_regions("") == regions()
    assert search_regions("atlantis") == []
