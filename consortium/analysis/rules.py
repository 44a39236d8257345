"""Eligibility rules as data: a small vocabulary of typed rules, their plain-English wording and their checks.

A rule is a msgspec Struct tagged by its ``key`` (``{"key": "min_pledge", "amount_pence": 1000000}``). Money is
integer pence, shares whole percent (1 to 100), counts and homes whole numbers. ``parse_rules`` turns stored or
submitted dicts into rules and refuses, with messages a person can act on, anything unknown, negative or
contradictory. ``RULE_KINDS`` describes every key: its scope, a title for forms, ``describe`` and its check.

Member rules ("member" scope) judge each member on the sum of its *submitted* pledges. Their check is a Polars
expression over the per-member frame built by ``consortium.analysis.eligibility`` (so every member is judged at
once); ``failure`` then words, from that frame's row, why a failing member fails. The frame's columns:

    organisation_id, name, org_type, identifier, member_status
    pledged_pence       submitted pledges added up (0 when none)
    submitted_pledges   how many
    unapproved_pledges  submitted pledges without board approval
    pence_in_<code>     submitted money allocated to each region (one column per code in ``REGIONS``, e.g.
                        ``pence_in_E12000002``; Wales, Scotland and Northern Ireland count as regions)
    unallocated_pence   submitted money not assigned to any district
    unrecognised_pence  submitted money in district codes missing from the district reference

Consortium rules judge the eligible members together (``ConsortiumFigures``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, TypeAlias

import msgspec
import polars as pl

from consortium.analysis.measures import SHARE_OF_ELIGIBLE, share_text
from consortium.analysis.results import RuleResult, Scope
from consortium.money import format_pence
from consortium.reference.districts import NATIONS, REGIONS, area_name, districts, nation_of_region
from consortium.schemas import MAX_PENCE
from consortium.words import ORG_TYPE_NAMES, ORG_TYPE_PLURALS, count_text, join_names, org_type_name


class RuleError(ValueError):
    """Rules that cannot be used; ``problems`` lists each one in words a person can act on, and ``keys`` the kind
    of rule each is about (None for a rule of no kind we know), so a form can show it beside that rule."""

    def __init__(self, problems: Sequence[str], keys: Sequence[str | None] | None = None) -> None:
        self.problems = list(problems)
        self.keys = list(keys) if keys is not None else [None] * len(self.problems)
        super().__init__("; ".join(self.problems))


class _Rule(msgspec.Struct, frozen=True, tag_field="key", forbid_unknown_fields=True):
    pass


# --- member scope -------------------------------------------------------------------------------------------------


class MinPledge(_Rule, frozen=True, tag="min_pledge"):
    amount_pence: int


class MaxPledge(_Rule, frozen=True, tag="max_pledge"):
    amount_pence: int


class AllowedOrgTypes(_Rule, frozen=True, tag="allowed_org_types"):
    org_types: list[str]


class BoardApprovalRequired(_Rule, frozen=True, tag="board_approval_required"):
    pass


class AllowedAreas(_Rule, frozen=True, tag="allowed_areas"):
    area_codes: list[str]  # region codes (E12…) or nation codes (E92000001 England, W92000004 Wales, …)


class IdentifierRequired(_Rule, frozen=True, tag="identifier_required"):
    pass


# --- consortium scope ---------------------------------------------------------------------------------------------


class MinMembers(_Rule, frozen=True, tag="min_members"):
    count: int


class MinTotal(_Rule, frozen=True, tag="min_total"):
    amount_pence: int


class MaxTotal(_Rule, frozen=True, tag="max_total"):
    amount_pence: int


class MinRegions(_Rule, frozen=True, tag="min_regions"):
    count: int


class MinDistricts(_Rule, frozen=True, tag="min_districts"):
    count: int


class MaxMemberShare(_Rule, frozen=True, tag="max_member_share"):
    percent: int


class MinHomes(_Rule, frozen=True, tag="min_homes"):
    homes: int


Rule: TypeAlias = (
    MinPledge
    | MaxPledge
    | AllowedOrgTypes
    | BoardApprovalRequired
    | AllowedAreas
    | IdentifierRequired
    | MinMembers
    | MinTotal
    | MaxTotal
    | MinRegions
    | MinDistricts
    | MaxMemberShare
    | MinHomes
)


@dataclass(frozen=True)
class ConsortiumFigures:
    """What consortium rules measure, over the eligible members (joined and passing every member rule)."""

    eligible_members: int
    joined_members: int
    eligible_pence: int
    regions: int  # distinct regions / nations with allocated eligible money: measures.ELIGIBLE_MONEY_REGIONS
    districts: int  # distinct districts with allocated eligible money: measures.ELIGIBLE_MONEY_DISTRICTS
    homes: int  # homes of the eligible members
    shares: pl.DataFrame = field(repr=False)  # organisation_id, name, eligible_pence of each eligible member


@dataclass(frozen=True)
class RuleKind:
    key: str
    scope: Scope
    title: str  # a short name for form headings
    type: type[Any]
    describe: Callable[[Any], str]  # plain English: "Each member pledges at least £10,000"
    validate: Callable[[Any], list[str]]  # problems with the rule's own parameters
    noun: str = ""  # member rules, in the verdict: "2 members do not meet <noun>"
    passes: Callable[[Any], pl.Expr] | None = None  # member rules: True per member frame row that passes
    failure: Callable[[Any, dict[str, Any]], str] | None = None  # member rules: why this member fails, in words
    check: Callable[[Any, ConsortiumFigures], RuleResult] | None = None  # consortium rules
    verdict_prefix: str = ""  # consortium rules: prefix of the gap in the verdict


# --- words ----------------------------------------------------------------------------------------------------------


def _area_names(codes: Sequence[str]) -> str:
    return _names_of_areas(tuple(codes))


@cache
def _names_of_areas(codes: tuple[str, ...]) -> str:
    # Cached: worded again for every member whose money lands outside the allowed areas.
    return join_names([area_name(code) for code in codes], conjunction="or")


def allowed_regions(rule: AllowedAreas) -> list[str]:
    """The region codes (Wales, Scotland and Northern Ireland are their own region) the rule allows."""
    return sorted(_regions_within(tuple(rule.area_codes)))


@cache
def _regions_within(area_codes: tuple[str, ...]) -> frozenset[str]:
    # Cached: the failure message of every member outside the areas asks again.
    wanted = set(area_codes)
    return frozenset(region for region in REGIONS if region in wanted or nation_of_region(region) in wanted)


# --- validation -----------------------------------------------------------------------------------------------------


def _non_negative(value: int, what: str) -> list[str]:
    if value < 0:
        return [f"{what} can't be negative"]
    if value > MAX_PENCE:  # also bounds counts: every figure stays a 64-bit integer in the database and frames
        return [f"{what} is far too large: it can be at most {MAX_PENCE:,}"]
    return []


def _valid_org_types(rule: AllowedOrgTypes) -> list[str]:
    if not rule.org_types:
        return [f"choose at least one organisation type ({', '.join(ORG_TYPE_NAMES)})"]
    unknown = sorted(set(rule.org_types) - set(ORG_TYPE_NAMES))
    if unknown:
        return [f"unknown organisation type {', '.join(unknown)}; use {', '.join(ORG_TYPE_NAMES)}"]
    return []


def _count_within(value: int, available: int, what: str) -> list[str]:
    """A minimum count of places that the UK can meet: no bid reaches 50 of its 12 regions and nations."""
    if value < 0:
        return [f"the number of {what} can't be negative"]
    if value > available:
        return [f"the UK has {available} {what}, so the minimum can be at most {available}"]
    return []


def _valid_areas(rule: AllowedAreas) -> list[str]:
    if not rule.area_codes:
        return ["choose at least one region or nation"]
    if len(set(rule.area_codes)) != len(rule.area_codes):
        return ["list each region or nation once"]
    unknown = sorted(set(rule.area_codes) - set(REGIONS) - set(NATIONS))
    if unknown:
        valid = ", ".join(f"{code} {name}" for code, name in {**NATIONS, **REGIONS}.items())
        return [f"unknown region or nation code {', '.join(unknown)}; use one of {valid}"]
    return []


def _valid_percent(rule: MaxMemberShare) -> list[str]:
    return [] if 1 <= rule.percent <= 100 else ["the share limit must be a whole percent from 1 to 100"]


# --- member checks: which members pass (Polars expressions), and in words why a failing member fails -----------
# The words are written per failing member from the final member frame: Python formats only the figures that are
# there, where Polars would format every region column of every member.


def _pledge_subject(member: dict[str, Any]) -> str:
    return "Pledge is" if member["submitted_pledges"] == 1 else "Pledges total"


def _min_pledge_failure(rule: MinPledge, member: dict[str, Any]) -> str:
    if not member["submitted_pledges"]:
        return "No pledge submitted yet"
    pledged = member["pledged_pence"]
    return (
        f"{_pledge_subject(member)} {format_pence(pledged)}; the minimum is {format_pence(rule.amount_pence)} "
        f"({format_pence(rule.amount_pence - pledged)} short)"
    )


def _max_pledge_failure(rule: MaxPledge, member: dict[str, Any]) -> str:
    pledged = member["pledged_pence"]
    return (
        f"{_pledge_subject(member)} {format_pence(pledged)}; the maximum is {format_pence(rule.amount_pence)} "
        f"({format_pence(pledged - rule.amount_pence)} over)"
    )


def _org_type_failure(rule: AllowedOrgTypes, member: dict[str, Any]) -> str:
    allowed = join_names([ORG_TYPE_NAMES[kind] for kind in rule.org_types], conjunction="or")
    org_type = member["org_type"]
    if org_type is None:
        return f"Organisation type is not given; it must be {allowed}"
    name = org_type_name(org_type)
    return f"Organisation type is {name}; it must be {allowed}"


def _board_failure(rule: BoardApprovalRequired, member: dict[str, Any]) -> str:
    count = member["unapproved_pledges"]
    return f"{count_text(count, 'submitted pledge')} {'has' if count == 1 else 'have'} no board approval yet"


def region_column(region_code: str) -> str:
    """The member frame's column of money allocated to this region."""
    return f"pence_in_{region_code}"


def _outside(rule: AllowedAreas) -> tuple[str, ...]:
    return _regions_outside(tuple(rule.area_codes))


@cache
def _regions_outside(area_codes: tuple[str, ...]) -> tuple[str, ...]:
    # Cached: asked again for every member the rule is worded for.
    allowed = _regions_within(area_codes)
    return tuple(region for region in sorted(REGIONS) if region not in allowed)


@cache
def _columns_outside(area_codes: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    # Cached: the failure message of every member outside the areas reads these columns.
    return tuple((region_column(region), REGIONS[region]) for region in _regions_outside(area_codes))


def _outside_columns(rule: AllowedAreas) -> tuple[tuple[str, str], ...]:
    """(member frame column, region name) of each region outside the rule's areas, in code order."""
    return _columns_outside(tuple(rule.area_codes))


def _areas_passes(rule: AllowedAreas) -> pl.Expr:
    nothing_outside = [pl.col(region_column(region)) <= 0 for region in _outside(rule)]
    return pl.all_horizontal(*nothing_outside, pl.col("unallocated_pence") == 0, pl.col("unrecognised_pence") == 0)


def _areas_failure(rule: AllowedAreas, member: dict[str, Any]) -> str:
    """ "Pledged £1,000 to North West and £500 to Wales, outside England; £20 is not assigned to a district yet…"."""
    places = [
        f"{format_pence(pence)} to {name}" for column, name in _outside_columns(rule) if (pence := member[column]) > 0
    ]
    reasons = []
    if places:
        reasons.append(f"{join_names(places)}, outside {_area_names(rule.area_codes)}")
    if member["unrecognised_pence"]:
        reasons.append(f"{format_pence(member['unrecognised_pence'])} to district codes that are not recognised")
    if member["unallocated_pence"]:
        reasons.append(
            f"{format_pence(member['unallocated_pence'])} is not assigned to a district yet; "
            "add districts to the pledge or the organisation's coverage"
        )
    pledged_elsewhere = places or member["unrecognised_pence"]
    return ("Pledged " if pledged_elsewhere else "") + "; ".join(reasons)


def _identifier_passes(rule: IdentifierRequired) -> pl.Expr:
    return pl.col("identifier").str.strip_chars().str.len_chars().fill_null(0) > 0


# --- consortium checks ----------------------------------------------------------------------------------------------


def _result(
    rule: Rule,
    passed: bool,
    actual: int | None,
    required: int | None,
    actual_text: str,
    required_text: str,
    gap: str | None,
    failing: list[int] | None = None,
) -> RuleResult:
    kind = kind_of(rule)
    return RuleResult(
        key=kind.key,
        scope=kind.scope,
        description=kind.describe(rule),
        passed=passed,
        actual=actual,
        required=required,
        actual_text=actual_text,
        required_text=required_text,
        gap=None if passed else gap,
        failing_organisation_ids=failing or [],
    )


def _check_min_members(rule: MinMembers, figures: ConsortiumFigures) -> RuleResult:
    have = figures.eligible_members
    actual_text = count_text(have, "member")
    if figures.joined_members != have:
        actual_text = f"{count_text(have, 'eligible member')} ({figures.joined_members:,} joined)"
    missing = rule.count - have
    gap = f"{count_text(missing, 'more eligible member')} needed"
    return _result(rule, have >= rule.count, have, rule.count, actual_text, f"at least {rule.count:,}", gap)


def _check_min_total(rule: MinTotal, figures: ConsortiumFigures) -> RuleResult:
    total = figures.eligible_pence
    gap = f"{format_pence(rule.amount_pence - total)} short"
    required_text = f"at least {format_pence(rule.amount_pence)}"
    return _result(rule, total >= rule.amount_pence, total, rule.amount_pence, format_pence(total), required_text, gap)


def _check_max_total(rule: MaxTotal, figures: ConsortiumFigures) -> RuleResult:
    total = figures.eligible_pence
    gap = f"{format_pence(total - rule.amount_pence)} over the maximum"
    required_text = f"at most {format_pence(rule.amount_pence)}"
    return _result(rule, total <= rule.amount_pence, total, rule.amount_pence, format_pence(total), required_text, gap)


def _check_min_regions(rule: MinRegions, figures: ConsortiumFigures) -> RuleResult:
    have = figures.regions
    gap = f"{count_text(rule.count - have, 'more region')} needed"
    return _result(
        rule, have >= rule.count, have, rule.count, count_text(have, "region"), f"at least {rule.count:,}", gap
    )


def _check_min_districts(rule: MinDistricts, figures: ConsortiumFigures) -> RuleResult:
    have = figures.districts
    gap = f"{count_text(rule.count - have, 'more district')} needed"
    return _result(
        rule, have >= rule.count, have, rule.count, count_text(have, "district"), f"at least {rule.count:,}", gap
    )


def _check_min_homes(rule: MinHomes, figures: ConsortiumFigures) -> RuleResult:
    have = figures.homes
    gap = f"{count_text(rule.homes - have, 'more home')} needed"
    return _result(
        rule, have >= rule.homes, have, rule.homes, count_text(have, "home"), f"at least {rule.homes:,}", gap
    )


_SHARES_NAMED_IN_GAP = 3  # name the largest few; the rest are counted


def _check_max_member_share(rule: MaxMemberShare, figures: ConsortiumFigures) -> RuleResult:
    total = figures.eligible_pence
    limit = rule.percent
    ordered = figures.shares.sort(["eligible_pence", "name", "organisation_id"], descending=[True, False, False])
    largest = ordered["eligible_pence"][0] if ordered.height else 0
    actual = largest * 10_000 // total if total > 0 else 0
    # Integer test, no rounding: over the limit when share × 100 > limit × total.
    over = ordered.filter(pl.col("eligible_pence") * 100 > limit * total) if total > 0 else ordered.clear()
    holders = [
        f"{name} holds {share_text(pence, total, limit)}"
        for name, pence in over.head(_SHARES_NAMED_IN_GAP).select("name", "eligible_pence").iter_rows()
    ]
    if over.height > _SHARES_NAMED_IN_GAP:
        holders.append(f"{over.height - _SHARES_NAMED_IN_GAP:,} more members hold more than {limit}%")
    gap = f"{join_names(holders)} {SHARE_OF_ELIGIBLE.after}; the limit is {limit}%"
    return _result(
        rule,
        over.is_empty(),
        actual,
        limit * 100,
        share_text(largest, total, limit),
        f"at most {limit}% each",
        gap,
        over["organisation_id"].to_list(),
    )


# --- the registry -----------------------------------------------------------------------------------------------------


def _kinds() -> list[RuleKind]:
    return [
        RuleKind(
            key="min_pledge",
            scope="member",
            title="Minimum pledge",
            type=MinPledge,
            describe=lambda rule: f"Each member pledges at least {format_pence(rule.amount_pence)}",
            validate=lambda rule: _non_negative(rule.amount_pence, "the minimum pledge"),
            noun="the minimum pledge",
            passes=lambda rule: (pl.col("submitted_pledges") > 0) & (pl.col("pledged_pence") >= rule.amount_pence),
            failure=_min_pledge_failure,
        ),
        RuleKind(
            key="max_pledge",
            scope="member",
            title="Maximum pledge",
            type=MaxPledge,
            describe=lambda rule: f"Each member pledges at most {format_pence(rule.amount_pence)}",
            validate=lambda rule: _non_negative(rule.amount_pence, "the maximum pledge"),
            noun="the maximum pledge",
            passes=lambda rule: pl.col("pledged_pence") <= rule.amount_pence,
            failure=_max_pledge_failure,
        ),
        RuleKind(
            key="allowed_org_types",
            scope="member",
            title="Types of organisation",
            type=AllowedOrgTypes,
            describe=lambda rule: (
                "Members are "
                + join_names([ORG_TYPE_PLURALS.get(kind, kind) for kind in rule.org_types], conjunction="or")
            ),
            validate=_valid_org_types,
            noun="the organisation type rule",
            passes=lambda rule: pl.col("org_type").is_in(rule.org_types).fill_null(False),
            failure=_org_type_failure,
        ),
        RuleKind(
            key="board_approval_required",
            scope="member",
            title="Board approval",
            type=BoardApprovalRequired,
            describe=lambda rule: "Every pledge has board approval",
            validate=lambda rule: [],
            noun="board approval",
            passes=lambda rule: pl.col("unapproved_pledges") == 0,
            failure=_board_failure,
        ),
        RuleKind(
            key="allowed_areas",
            scope="member",
            title="Where the money goes",
            type=AllowedAreas,
            describe=lambda rule: f"Pledges only in {_area_names(rule.area_codes)}",
            validate=_valid_areas,
            noun="the area rule",
            passes=_areas_passes,
            failure=_areas_failure,
        ),
        RuleKind(
            key="identifier_required",
            scope="member",
            title="Organisation identifier",
            type=IdentifierRequired,
            describe=lambda rule: "Each member gives an organisation identifier",
            validate=lambda rule: [],
            noun="the identifier rule",
            passes=_identifier_passes,
            failure=lambda rule, member: "No organisation identifier given (such as GB-CHC-1234567)",
        ),
        RuleKind(
            key="min_members",
            scope="consortium",
            title="Minimum members",
            type=MinMembers,
            # Counted over eligible members: one that joined but fails a member rule adds nothing to the bid.
            describe=lambda rule: (
                f"At least {count_text(rule.count, 'member')} have joined and meet every member rule"
                if rule.count != 1
                else "At least 1 member has joined and meets every member rule"
            ),
            validate=lambda rule: _non_negative(rule.count, "the number of members"),
            check=_check_min_members,
        ),
        RuleKind(
            key="min_total",
            scope="consortium",
            title="Minimum total",
            type=MinTotal,
            describe=lambda rule: f"Eligible pledges total at least {format_pence(rule.amount_pence)}",
            validate=lambda rule: _non_negative(rule.amount_pence, "the minimum total"),
            check=_check_min_total,
            verdict_prefix="the consortium total is ",
        ),
        RuleKind(
            key="max_total",
            scope="consortium",
            title="Maximum total",
            type=MaxTotal,
            describe=lambda rule: f"Eligible pledges total at most {format_pence(rule.amount_pence)}",
            validate=lambda rule: _non_negative(rule.amount_pence, "the maximum total"),
            check=_check_max_total,
            verdict_prefix="the consortium total is ",
        ),
        RuleKind(
            key="min_regions",
            scope="consortium",
            title="Minimum regions",
            type=MinRegions,
            describe=lambda rule: f"Eligible money reaches at least {count_text(rule.count, 'region')}",
            validate=lambda rule: _count_within(rule.count, len(REGIONS), "regions and nations"),
            check=_check_min_regions,
        ),
        RuleKind(
            key="min_districts",
            scope="consortium",
            title="Minimum districts",
            type=MinDistricts,
            describe=lambda rule: f"Eligible money reaches at least {count_text(rule.count, 'district')}",
            validate=lambda rule: _count_within(rule.count, len(districts()), "districts"),
            check=_check_min_districts,
        ),
        RuleKind(
            key="max_member_share",
            scope="consortium",
            title="Largest member share",
            type=MaxMemberShare,
            describe=lambda rule: f"No member holds more than {rule.percent}% {SHARE_OF_ELIGIBLE.after}",
            validate=_valid_percent,
            check=_check_max_member_share,
        ),
        RuleKind(
            key="min_homes",
            scope="consortium",
            title="Minimum homes",
            type=MinHomes,
            describe=lambda rule: f"Members manage at least {count_text(rule.homes, 'home')} between them",
            validate=lambda rule: _non_negative(rule.homes, "the number of homes"),
            check=_check_min_homes,
        ),
    ]


RULE_KINDS: dict[str, RuleKind] = {kind.key: kind for kind in _kinds()}
_KIND_BY_TYPE: dict[type[Any], RuleKind] = {kind.type: kind for kind in RULE_KINDS.values()}


def kind_of(rule: Rule) -> RuleKind:
    return _KIND_BY_TYPE[type(rule)]


def describe(rule: Rule) -> str:
    return kind_of(rule).describe(rule)


# --- parsing ----------------------------------------------------------------------------------------------------------


def parse_rules(raw: Sequence[dict[str, Any]]) -> list[Rule]:
    """Rules from their stored or submitted form, checked; raises ``RuleError`` listing every problem."""
    rules: list[Rule] = []
    problems: list[str] = []
    keys: list[str | None] = []
    for position, item in enumerate(raw, start=1):
        rule, problem = _parse_one(position, item)
        if problem:
            problems.append(problem)
            key = item.get("key") if isinstance(item, dict) else None
            keys.append(key if isinstance(key, str) and key in RULE_KINDS else None)
        elif rule is not None:
            rules.append(rule)
    for key, problem in _contradictions(rules):
        keys.append(key)
        problems.append(problem)
    if problems:
        raise RuleError(problems, keys)
    return rules


def dump_rules(rules: Sequence[Rule]) -> list[dict[str, Any]]:
    """The stored form of rules (what ``parse_rules`` reads)."""
    return [msgspec.to_builtins(rule) for rule in rules]


def _parse_one(position: int, item: object) -> tuple[Rule | None, str | None]:
    valid_keys = ", ".join(RULE_KINDS)
    if not isinstance(item, dict):
        return None, f"Rule {position} must be an object with a key, such as {{'key': 'min_pledge', ...}}"
    key = item.get("key")
    if not isinstance(key, str) or key not in RULE_KINDS:
        named = "has no key" if key is None else f"has an unknown key {key!r}"
        return None, f"Rule {position} {named}; valid keys are {valid_keys}"
    kind = RULE_KINDS[key]
    try:
        rule = msgspec.convert(item, type=kind.type)
    except msgspec.ValidationError as error:
        return None, f"Rule {position} ({key}): {_explain(str(error), kind)}"
    own = kind.validate(rule)
    if own:
        return None, f"Rule {position} ({key}): {'; '.join(own)}"
    return rule, None


def _explain(message: str, kind: RuleKind) -> str:
    """msgspec's validation message in words a person can act on."""
    fields = ", ".join(kind.type.__struct_fields__) or "none"
    if message.startswith("Object missing required field"):
        return f"{message.split('`')[1]} is required (fields: {fields})"
    if message.startswith("Object contains unknown field"):
        return f"{message.split('`')[1]} is not a field of this rule (fields: {fields})"
    if " - at `$." in message:
        expected, _, where = message.partition(" - at `$.")
        name = where.split("`")[0].split("[")[0]
        if "`int`" in expected:
            return f"{name} must be a whole number"
        if "`array`" in expected:
            return f"{name} must be a list"
        if "`str`" in expected:
            return f"{name} must contain text codes"
        return f"{name}: {expected}"
    return message


# Pairs of amount rules that contradict each other when the smallest is above the largest: (low, high, what).
AMOUNT_BOUNDS = (("min_pledge", "max_pledge", "pledge"), ("min_total", "max_total", "total"))
AMOUNT_RULES = (MinPledge, MaxPledge, MinTotal, MaxTotal)


def _contradictions(rules: Sequence[Rule]) -> list[tuple[str, str]]:
    """Problems of rules taken together, each with the kind of rule to change (the smallest, of a pair)."""
    problems = []
    seen: dict[str, int] = {}
    for rule in rules:
        key = kind_of(rule).key
        seen[key] = seen.get(key, 0) + 1
    problems += [(key, f"{key} is set {count} times; keep one") for key, count in seen.items() if count > 1]
    amounts: dict[str, int] = {}
    for rule in rules:
        if isinstance(rule, AMOUNT_RULES):
            amounts.setdefault(kind_of(rule).key, rule.amount_pence)  # the first, when one is set twice
    for low_key, high_key, what in AMOUNT_BOUNDS:
        low, high = amounts.get(low_key), amounts.get(high_key)
        if low is not None and high is not None and low > high:
            problems.append(
                (
                    low_key,
                    f"The minimum {what} ({format_pence(low)}) is above the maximum {what} ({format_pence(high)}); "
                    "lower the minimum or raise the maximum",
                )
            )
    return problems
