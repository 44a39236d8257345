"""Eligibility: every rule kind failing and passing on a small bid, in the words a convenor reads."""

from __future__ import annotations

from typing import Any

import pytest

from consortium.analysis.eligibility import evaluate
from consortium.analysis.frames import BidFrames, MatchTerms
from consortium.analysis.results import MemberFailure, RuleResult
from consortium.analysis.rules import parse_rules
from tests.analysis.builders import (
    CARDIFF,
    LEEDS,
    LIVERPOOL,
    MANCHESTER,
    area,
    bid,
    covers,
    member,
    pledge,
    pounds,
)

ASHBROOK, BEACON, CEDAR, DALE, ELM = 1, 2, 3, 4, 5
TERMS = MatchTerms()


def three_members(*extra_members: dict[str, object], extra_pledges: tuple[dict[str, object], ...] = ()) -> BidFrames:
    """Ashbrook (£310,000 to Leeds), Beacon (£500,000 over its North West coverage), Cedar (£190,000 to Cardiff,
    a charity without identifier or board approval): £1,000,000 in 3 regions and 4 districts, 21,000 homes."""
    return bid(
        [
            member(ASHBROOK, "Ashbrook Homes", homes=12_000),
            member(BEACON, "Beacon Council", org_type="local_authority"),
            member(CEDAR, "Cedar Trust", org_type="charity", identifier=None, homes=1_000),
            *extra_members,
        ],
        [
            pledge(1, ASHBROOK, pounds(310_000)),
            pledge(2, BEACON, pounds(500_000)),
            pledge(3, CEDAR, pounds(190_000), approved=False),
            *extra_pledges,
        ],
        [area(1, LEEDS, pounds(310_000)), area(3, CARDIFF)],
        [covers(BEACON, MANCHESTER, 5_000), covers(BEACON, LIVERPOOL, 3_000), covers(ASHBROOK, LEEDS, 9_000)],
    )


def judge(frames: BidFrames, *raw: dict[str, Any]) -> tuple[RuleResult, dict[int, list[MemberFailure]]]:
    eligibility = evaluate(frames, parse_rules(list(raw)), TERMS)
    (result,) = eligibility.rules
    return result, {m.organisation_id: m.failures for m in eligibility.members if m.failures}


MEMBER_RULE_CASES = [
    (
        {"key": "min_pledge", "amount_pence": pounds(200_000)},
        "Pledge is £190,000; the minimum is £200,000 (£10,000 short)",
        {"key": "min_pledge", "amount_pence": pounds(190_000)},
        CEDAR,
    ),
    (
        {"key": "max_pledge", "amount_pence": pounds(400_000)},
        "Pledge is £500,000; the maximum is £400,000 (£100,000 over)",
        {"key": "max_pledge", "amount_pence": pounds(500_000)},
        BEACON,
    ),
    (
        {"key": "allowed_org_types", "org_types": ["housing_association", "local_authority"]},
        "Organisation type is Charity; it must be Housing association or Local authority",
        {"key": "allowed_org_types", "org_types": ["housing_association", "local_authority", "charity"]},
        CEDAR,
    ),
    (
        {"key": "board_approval_required"},
        "1 submitted pledge has no board approval yet",
        None,
        CEDAR,
    ),
    (
        {"key": "allowed_areas", "area_codes": ["E92000001"]},
        "Pledged £190,000 to Wales, outside England",
        {"key": "allowed_areas", "area_codes": ["E92000001", "W92000004"]},
        CEDAR,
    ),
    (
        {"key": "identifier_required"},
        "No organisation identifier given (such as GB-CHC-1234567)",
        None,
        CEDAR,
    ),
]


@pytest.mark.parametrize(("failing", "message", "passing", "failer"), MEMBER_RULE_CASES)
def test_member_rules_fail_and_pass(
    failing: dict[str, Any], message: str, passing: dict[str, Any] | None, failer: int
) -> None:
    result, failures = judge(three_members(), failing)
    assert not result.passed
    assert (result.actual, result.required) == (2, 3)
    assert (result.actual_text, result.required_text) == ("2 of 3 members", "every member")
    assert result.gap == "1 member does not meet this"
    assert result.failing_organisation_ids == [failer]
    assert failures == {failer: [MemberFailure(failing["key"], message)]}

    if passing is not None:
        result, failures = judge(three_members(), passing)
        assert result.passed and result.gap is None and result.failing_organisation_ids == []
        assert (result.actual_text, failures) == ("3 of 3 members", {})


def test_board_approval_and_identifier_pass_when_given() -> None:
    frames = bid(
        [member(ASHBROOK, "Ashbrook Homes", identifier=" GB-SHPE-L0001 ")],
        [pledge(1, ASHBROOK, 100), pledge(2, ASHBROOK, 100, approved=False, status="draft")],
    )
    eligibility = evaluate(
        frames, parse_rules([{"key": "board_approval_required"}, {"key": "identifier_required"}]), TERMS
    )
    assert eligibility.eligible


def test_member_without_a_submitted_pledge_fails_the_minimum() -> None:
    frames = bid([member(ASHBROOK, "Ashbrook Homes")], [pledge(1, ASHBROOK, pounds(50_000), status="draft")])
    result, failures = judge(frames, {"key": "min_pledge", "amount_pence": pounds(10_000)})
    assert failures == {ASHBROOK: [MemberFailure("min_pledge", "No pledge submitted yet")]}
    assert result.gap == "1 member does not meet this"


def test_several_pledges_are_judged_together() -> None:
    frames = bid(
        [member(ASHBROOK, "Ashbrook Homes")],
        [
            pledge(1, ASHBROOK, pounds(6_000)),
            pledge(2, ASHBROOK, pounds(2_500)),
            pledge(3, ASHBROOK, 1, status="withdrawn"),
        ],
    )
    _, failures = judge(frames, {"key": "min_pledge", "amount_pence": pounds(10_000)})
    assert failures[ASHBROOK][0].message == "Pledges total £8,500; the minimum is £10,000 (£1,500 short)"


def test_money_not_assigned_to_a_district_fails_the_area_rule() -> None:
    frames = bid([member(ASHBROOK, "Ashbrook Homes")], [pledge(1, ASHBROOK, pounds(5_000))])
    _, failures = judge(frames, {"key": "allowed_areas", "area_codes": ["E92000001"]})
    assert failures[ASHBROOK][0].message == (
        "£5,000 is not assigned to a district yet; add districts to the pledge or the organisation's coverage"
    )


def test_area_rule_names_each_place_outside() -> None:
    frames = bid(
        [member(ASHBROOK, "Ashbrook Homes")],
        [pledge(1, ASHBROOK, pounds(3_000)), pledge(2, ASHBROOK, pounds(1_000))],
        [area(1, LEEDS, pounds(1_000)), area(1, CARDIFF, pounds(500)), area(1, MANCHESTER, pounds(1_000))],
    )
    _, failures = judge(frames, {"key": "allowed_areas", "area_codes": ["E12000003"]})
    assert failures[ASHBROOK][0].message == (
        "Pledged £1,000 to North West and £500 to Wales, outside Yorkshire and The Humber; "
        "£1,500 is not assigned to a district yet; add districts to the pledge or the organisation's coverage"
    )


CONSORTIUM_RULE_CASES = [
    (
        {"key": "min_members", "count": 5},
        (3, 5, "3 members", "at least 5", "2 more eligible members needed"),
        {"key": "min_members", "count": 3},
    ),
    (
        {"key": "min_total", "amount_pence": pounds(1_250_000)},
        (pounds(1_000_000), pounds(1_250_000), "£1,000,000", "at least £1,250,000", "£250,000 short"),
        {"key": "min_total", "amount_pence": pounds(1_000_000)},
    ),
    (
        {"key": "max_total", "amount_pence": pounds(950_000)},
        (pounds(1_000_000), pounds(950_000), "£1,000,000", "at most £950,000", "£50,000 over the maximum"),
        {"key": "max_total", "amount_pence": pounds(1_000_000)},
    ),
    (
        {"key": "min_regions", "count": 5},
        (3, 5, "3 regions", "at least 5", "2 more regions needed"),
        {"key": "min_regions", "count": 3},
    ),
    (
        {"key": "min_districts", "count": 5},
        (4, 5, "4 districts", "at least 5", "1 more district needed"),
        {"key": "min_districts", "count": 4},
    ),
    (
        {"key": "max_member_share", "percent": 35},
        (5_000, 3_500, "50%", "at most 35% each", "Beacon Council holds 50% of the eligible total; the limit is 35%"),
        {"key": "max_member_share", "percent": 50},
    ),
    (
        {"key": "min_homes", "homes": 25_000},
        (21_000, 25_000, "21,000 homes", "at least 25,000", "4,000 more homes needed"),
        {"key": "min_homes", "homes": 21_000},
    ),
]


@pytest.mark.parametrize(("failing", "expected", "passing"), CONSORTIUM_RULE_CASES)
def test_consortium_rules_fail_and_pass(
    failing: dict[str, Any], expected: tuple[int, int, str, str, str], passing: dict[str, Any]
) -> None:
    result, _ = judge(three_members(), failing)
    assert not result.passed
    assert (result.actual, result.required, result.actual_text, result.required_text, result.gap) == expected
    assert result.scope == "consortium"

    result, _ = judge(three_members(), passing)
    assert result.passed and result.gap is None


def test_share_limit_names_the_member_and_rounds_honestly() -> None:
    others = [member(i, f"Partner {i}") for i in range(10, 15)]
    frames = bid(
        [member(ASHBROOK, "Ashbrook Homes"), *others],
        [pledge(1, ASHBROOK, pounds(310_000))] + [pledge(i, i, pounds(138_000)) for i in range(10, 15)],
    )
    result, _ = judge(frames, {"key": "max_member_share", "percent": 25})
    assert result.gap == "Ashbrook Homes holds 31% of the eligible total; the limit is 25%"
    assert result.failing_organisation_ids == [ASHBROOK]
    assert result.actual == 3_100

    # 25.4% against a 25% limit is not "25%".
    frames = bid(
        [member(ASHBROOK, "Ashbrook Homes"), member(BEACON, "Beacon Council")],
        [pledge(1, ASHBROOK, 254), pledge(2, BEACON, 746)],
    )
    result, _ = judge(frames, {"key": "max_member_share", "percent": 25})
    assert result.gap == (
        "Beacon Council holds 74% and Ashbrook Homes holds 25.4% of the eligible total; the limit is 25%"
    )
    assert result.failing_organisation_ids == [BEACON, ASHBROOK]


def test_consortium_rules_count_only_eligible_members() -> None:
    rules = parse_rules(
        [
            {"key": "min_pledge", "amount_pence": pounds(200_000)},
            {"key": "min_total", "amount_pence": pounds(1_000_000)},
            {"key": "min_regions", "count": 3},
            {"key": "min_members", "count": 3},
            {"key": "min_homes", "homes": 21_000},
        ]
    )
    eligibility = evaluate(three_members(), rules, TERMS)
    by_key = {result.key: result for result in eligibility.rules}
    assert by_key["min_total"].gap == "£190,000 short"  # Cedar's £190,000 does not count
    assert by_key["min_regions"].actual_text == "2 regions"  # nor does its Wales
    assert by_key["min_members"].actual_text == "2 eligible members (3 joined)"
    assert by_key["min_homes"].actual == 20_000
    assert [result.key for result in eligibility.rules] == [
        "min_pledge",
        "min_total",
        "min_regions",
        "min_members",
        "min_homes",
    ]


def test_verdicts() -> None:
    frames = three_members()
    not_yet = evaluate(
        frames,
        parse_rules(
            [
                {"key": "min_total", "amount_pence": pounds(1_250_000)},
                {"key": "min_pledge", "amount_pence": pounds(100_000)},
                {"key": "min_regions", "count": 5},
            ]
        ),
        TERMS,
    )
    assert not not_yet.eligible
    assert not_yet.verdict == (
        "Not yet eligible: 2 of 3 rules are not met — the consortium total is £250,000 short; 2 more regions needed."
    )

    member_failing = evaluate(frames, parse_rules([{"key": "identifier_required"}]), TERMS)
    assert (
        member_failing.verdict
        == "Not yet eligible: 1 of 1 rule is not met — 1 member does not meet the identifier rule."
    )

    eligible = evaluate(
        frames, parse_rules([{"key": "min_members", "count": 2}, {"key": "min_regions", "count": 2}]), TERMS
    )
    assert eligible.eligible and eligible.verdict == "Eligible: all 2 rules are met."
    assert evaluate(frames, parse_rules([{"key": "min_members", "count": 2}]), TERMS).verdict == (
        "Eligible: the 1 rule is met."
    )


def test_without_rules_the_bid_is_eligible() -> None:
    eligibility = evaluate(three_members(), [], TERMS)
    assert eligibility.eligible and eligibility.rules == []
    assert eligibility.verdict == "No eligibility rules are set."
    assert all(m.passed for m in eligibility.members)


def test_members_who_have_not_joined_cannot_be_eligible() -> None:
    frames = three_members(
        member(DALE, "Dale Housing", status="invited"),
        member(ELM, "Elm Trust", status="withdrawn"),
        extra_pledges=(pledge(4, DALE, pounds(1_000)), pledge(5, ELM, pounds(400_000))),
    )
    eligibility = evaluate(
        frames,
        parse_rules([{"key": "min_pledge", "amount_pence": pounds(50_000)}, {"key": "min_total", "amount_pence": 1}]),
        TERMS,
    )
    members = {m.organisation_id: m for m in eligibility.members}
    assert not members[DALE].passed and not members[ELM].passed
    assert members[DALE].failures == [
        MemberFailure("membership", "Has not joined the bid yet"),
        MemberFailure("min_pledge", "Pledge is £1,000; the minimum is £50,000 (£49,000 short)"),
    ]
    assert members[ELM].failures == [MemberFailure("membership", "Has withdrawn")]
    assert members[ELM].pledged_pence == pounds(400_000)
    # The member rule is about joined members only: Dale does not make it fail.
    assert eligibility.rules[0].passed and eligibility.rules[0].actual_text == "3 of 3 members"
    assert eligibility.rules[1].actual == pounds(1_000_000)
    assert [m.name for m in eligibility.members] == [
        "Ashbrook Homes",
        "Beacon Council",
        "Cedar Trust",
        "Dale Housing",
        "Elm Trust",
    ]


def test_what_if_a_member_withdraws() -> None:
    rules = parse_rules([{"key": "min_total", "amount_pence": pounds(600_000)}, {"key": "min_regions", "count": 3}])
    frames = three_members()
    assert evaluate(frames, rules, TERMS).eligible

    without_beacon = evaluate(frames, rules, TERMS, without_organisation_id=BEACON)
    assert without_beacon.without_organisation_id == BEACON
    assert not without_beacon.eligible
    assert without_beacon.verdict == (
        "Not yet eligible: 2 of 2 rules are not met — the consortium total is £100,000 short; 1 more region needed."
    )
    beacon = next(m for m in without_beacon.members if m.organisation_id == BEACON)
    assert beacon.failures == [MemberFailure("membership", "Has withdrawn")]
    # The frames themselves are untouched.
    assert evaluate(frames, rules, TERMS).eligible
