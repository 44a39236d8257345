"""Rules as data: parsing, refusing with actionable messages, plain-English descriptions, percent wording."""

from __future__ import annotations

from typing import Any

import pytest

from consortium.analysis.measures import share_text
from consortium.analysis.rules import (
    RULE_KINDS,
    AllowedAreas,
    AllowedOrgTypes,
    BoardApprovalRequired,
    IdentifierRequired,
    MaxMemberShare,
    MaxPledge,
    MaxTotal,
    MinDistricts,
    MinHomes,
    MinMembers,
    MinPledge,
    MinRegions,
    MinTotal,
    RuleError,
    allowed_regions,
    describe,
    dump_rules,
    parse_rules,
)

EVERY_RULE: list[dict[str, Any]] = [
    {"key": "min_pledge", "amount_pence": 1_000_000},
    {"key": "max_pledge", "amount_pence": 50_000_000},
    {"key": "allowed_org_types", "org_types": ["housing_association", "local_authority"]},
    {"key": "board_approval_required"},
    {"key": "allowed_areas", "area_codes": ["E92000001"]},
    {"key": "identifier_required"},
    {"key": "min_members", "count": 20},
    {"key": "min_total", "amount_pence": 100_000_000},
    {"key": "max_total", "amount_pence": 500_000_000},
    {"key": "min_regions", "count": 3},
    {"key": "min_districts", "count": 10},
    {"key": "max_member_share", "percent": 25},
    {"key": "min_homes", "homes": 100_000},
]


def test_every_key_parses_to_its_typed_rule_and_round_trips() -> None:
    rules = parse_rules(EVERY_RULE)
    assert [type(rule) for rule in rules] == [
        MinPledge,
        MaxPledge,
        AllowedOrgTypes,
        BoardApprovalRequired,
        AllowedAreas,
        IdentifierRequired,
        MinMembers,
        MinTotal,
        MaxTotal,
        MinRegions,
        MinDistricts,
        MaxMemberShare,
        MinHomes,
    ]
    assert rules[0] == MinPledge(amount_pence=1_000_000)
    assert dump_rules(rules) == EVERY_RULE
    assert set(RULE_KINDS) == {rule["key"] for rule in EVERY_RULE}


def test_the_registry_describes_every_kind() -> None:
    member_keys = {"min_pledge", "max_pledge", "allowed_org_types", "board_approval_required", "allowed_areas"}
    assert {key for key, kind in RULE_KINDS.items() if kind.scope == "member"} == member_keys | {"identifier_required"}
    for key, kind in RULE_KINDS.items():
        assert kind.key == key
        assert kind.title and kind.title[0].isupper()
        if kind.scope == "member":
            assert kind.passes is not None and kind.failure is not None and kind.noun
        else:
            assert kind.check is not None


def test_descriptions_read_as_plain_english() -> None:
    assert [describe(rule) for rule in parse_rules(EVERY_RULE)] == [
        "Each member pledges at least £10,000",
        "Each member pledges at most £500,000",
        "Members are housing associations or local authorities",
        "Every pledge has board approval",
        "Pledges only in England",
        "Each member gives an organisation identifier",
        "At least 20 members have joined and meet every member rule",
        "Eligible pledges total at least £1,000,000",
        "Eligible pledges total at most £5,000,000",
        "Eligible money reaches at least 3 regions",
        "Eligible money reaches at least 10 districts",
        "No member holds more than 25% of the eligible total",
        "Members manage at least 100,000 homes between them",
    ]
    assert describe(AllowedAreas(["E12000002", "W92000004"])) == "Pledges only in North West or Wales"
    assert describe(MinMembers(1)) == "At least 1 member has joined and meets every member rule"
    assert RULE_KINDS["min_pledge"].describe(MinPledge(12_345)) == "Each member pledges at least £123.45"


def test_no_rules_is_fine() -> None:
    assert parse_rules([]) == []


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            {"key": "min_pledges", "amount_pence": 1},
            "Rule 1 has an unknown key 'min_pledges'; valid keys are min_pledge, max_pledge, allowed_org_types, "
            "board_approval_required, allowed_areas, identifier_required, min_members, min_total, max_total, "
            "min_regions, min_districts, max_member_share, min_homes",
        ),
        ({"amount_pence": 1}, "Rule 1 has no key; valid keys are min_pledge, "),
        ("min_pledge", "Rule 1 must be an object with a key"),
        ({"key": "min_pledge"}, "Rule 1 (min_pledge): amount_pence is required (fields: amount_pence)"),
        ({"key": "min_pledge", "amount_pence": "10"}, "Rule 1 (min_pledge): amount_pence must be a whole number"),
        ({"key": "min_pledge", "amount_pence": 10.5}, "Rule 1 (min_pledge): amount_pence must be a whole number"),
        ({"key": "min_pledge", "amount_pence": True}, "Rule 1 (min_pledge): amount_pence must be a whole number"),
        (
            {"key": "min_pledge", "amount": 10},
            "Rule 1 (min_pledge): amount is not a field of this rule (fields: amount_pence)",
        ),
        ({"key": "min_pledge", "amount_pence": -1}, "Rule 1 (min_pledge): the minimum pledge can't be negative"),
        ({"key": "max_total", "amount_pence": -5}, "Rule 1 (max_total): the maximum total can't be negative"),
        ({"key": "min_members", "count": -2}, "Rule 1 (min_members): the number of members can't be negative"),
        ({"key": "min_homes", "homes": -2}, "Rule 1 (min_homes): the number of homes can't be negative"),
        (
            {"key": "max_member_share", "percent": 0},
            "Rule 1 (max_member_share): the share limit must be a whole percent from 1 to 100",
        ),
        (
            {"key": "max_member_share", "percent": 101},
            "Rule 1 (max_member_share): the share limit must be a whole percent from 1 to 100",
        ),
        ({"key": "allowed_areas", "area_codes": "E92000001"}, "Rule 1 (allowed_areas): area_codes must be a list"),
        ({"key": "allowed_areas", "area_codes": []}, "Rule 1 (allowed_areas): choose at least one region or nation"),
        (
            {"key": "allowed_areas", "area_codes": ["E92000001", "X123"]},
            "Rule 1 (allowed_areas): unknown region or nation code X123; use one of E92000001 England, ",
        ),
        (
            {"key": "allowed_org_types", "org_types": ["bank"]},
            "Rule 1 (allowed_org_types): unknown organisation type bank; use housing_association, local_authority, "
            "charity, community_interest_company, cooperative, other",
        ),
        (
            {"key": "allowed_org_types", "org_types": []},
            "Rule 1 (allowed_org_types): choose at least one organisation type",
        ),
    ],
)
def test_bad_rules_are_refused_with_an_actionable_message(raw: Any, message: str) -> None:
    with pytest.raises(RuleError) as raised:
        parse_rules([raw])
    assert str(raised.value).startswith(message)
    assert isinstance(raised.value, ValueError)


def test_contradictions_between_rules_are_refused() -> None:
    with pytest.raises(RuleError) as raised:
        parse_rules(
            [
                {"key": "min_pledge", "amount_pence": 2_000_000},
                {"key": "max_pledge", "amount_pence": 1_000_000},
                {"key": "min_total", "amount_pence": 900_000_000},
                {"key": "max_total", "amount_pence": 500_000_000},
            ]
        )
    assert raised.value.problems == [
        "The minimum pledge (£20,000) is above the maximum pledge (£10,000); lower the minimum or raise the maximum",
        "The minimum total (£9,000,000) is above the maximum total (£5,000,000); "
        "lower the minimum or raise the maximum",
    ]


def test_equal_minimum_and_maximum_are_allowed() -> None:
    rules = parse_rules([{"key": "min_total", "amount_pence": 5}, {"key": "max_total", "amount_pence": 5}])
    assert len(rules) == 2


def test_a_key_set_twice_is_refused() -> None:
    with pytest.raises(RuleError, match="min_members is set 2 times; keep one"):
        parse_rules([{"key": "min_members", "count": 3}, {"key": "min_members", "count": 5}])


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(RuleError) as raised:
        parse_rules([{"key": "nope"}, {"key": "min_pledge", "amount_pence": -1}, {"key": "board_approval_required"}])
    assert [problem.split(" ")[1] for problem in raised.value.problems] == ["1", "2"]


def test_nations_expand_to_their_regions() -> None:
    england = allowed_regions(AllowedAreas(["E92000001"]))
    assert len(england) == 9 and all(code.startswith("E12") for code in england)
    assert allowed_regions(AllowedAreas(["W92000004", "E12000007"])) == ["E12000007", "W92000004"]


@pytest.mark.parametrize(
    ("part", "whole", "limit", "text"),
    [
        (31, 100, 25, "31%"),
        (319, 1_000, 25, "31%"),  # rounded down, never up
        (254, 1_000, 25, "25.4%"),  # never "25%" when it is over a 25% limit
        (2_501, 10_000, 25, "just over 25%"),  # 25.01%: one decimal would still say 25.0%
        (25, 100, 25, "25%"),  # exactly at the limit is within it
        (1, 3, None, "33%"),
        (0, 0, 25, "0%"),
    ],
)
def test_percent_wording_is_honest(part: int, whole: int, limit: int | None, text: str) -> None:
    assert share_text(part, whole, limit) == text


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ({"key": "min_regions", "count": 50}, "the UK has 12 regions and nations, so the minimum can be at most 12"),
        ({"key": "min_districts", "count": 10_000}, "the UK has 361 districts, so the minimum can be at most 361"),
        ({"key": "allowed_areas", "area_codes": ["E92000001", "E92000001"]}, "list each region or nation once"),
    ],
)
def test_rules_the_uk_cannot_meet_are_refused(raw: dict[str, Any], problem: str) -> None:
    with pytest.raises(RuleError) as refused:
        parse_rules([raw])
    assert refused.value.problems == [f"Rule 1 ({raw['key']}): {problem}"]


def test_the_most_places_the_uk_has_are_allowed() -> None:
    assert len(parse_rules([{"key": "min_regions", "count": 12}, {"key": "min_districts", "count": 361}])) == 2
