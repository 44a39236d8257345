"""Allocation: explicit amounts, pro rata by homes, even splits, largest-remainder pennies, clamping."""

from __future__ import annotations

from collections import defaultdict

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consortium.analysis.allocation import (
    ALLOCATION_SCHEMA,
    allocate,
    allocate_by_organisation,
    place_submitted_pledges,
)
from tests.analysis.builders import (
    BRADFORD,
    CAMDEN,
    CARDIFF,
    LEEDS,
    LIVERPOOL,
    MANCHESTER,
    area,
    bid,
    covers,
    member,
    parts_by_pledge,
    pledge,
)

UNKNOWN_DISTRICT = "E99999999"  # not in the district reference; allocation must still place money there


def test_explicit_amount_then_remainder_pro_rata_to_homes() -> None:
    frames = bid(
        [member(1)],
        [pledge(1, 1, 100_000)],
        [area(1, LEEDS, 40_000), area(1, BRADFORD), area(1, MANCHESTER)],
        [covers(1, BRADFORD, 300), covers(1, MANCHESTER, 100), covers(1, LEEDS, 5_000)],
    )
    # Leeds takes its explicit £400; the £600 left goes 3:1 by homes (Leeds' homes don't count: it is explicit).
    assert parts_by_pledge(allocate(frames)) == {1: {LEEDS: 40_000, BRADFORD: 45_000, MANCHESTER: 15_000}}


def test_largest_remainder_gives_leftover_pennies_to_largest_fractions() -> None:
    frames = bid(
        [member(1)],
        [pledge(1, 1, 10)],
        [area(1, LEEDS), area(1, BRADFORD), area(1, MANCHESTER)],
        [covers(1, LEEDS, 1), covers(1, BRADFORD, 2), covers(1, MANCHESTER, 4)],
    )
    # 10p by 1:2:4 = 1.43, 2.86, 5.71 -> floors 1, 2, 5 (8p); the 2 pennies left go to .86 and .71.
    assert parts_by_pledge(allocate(frames)) == {1: {LEEDS: 1, BRADFORD: 3, MANCHESTER: 6}}


def test_ties_in_remainders_go_to_the_lower_district_code() -> None:
    frames = bid(
        [member(1)],
        [pledge(1, 1, 100)],
        [area(1, BRADFORD), area(1, LIVERPOOL), area(1, MANCHESTER)],
        [covers(1, BRADFORD, 7), covers(1, LIVERPOOL, 7), covers(1, MANCHESTER, 7)],
    )
    # 100p / 3 = 33 each and 1 penny over; all remainders tie, so the lowest code (Manchester E08000003) gets it.
    assert parts_by_pledge(allocate(frames)) == {1: {MANCHESTER: 34, LIVERPOOL: 33, BRADFORD: 33}}


def test_even_split_when_homes_are_unknown_everywhere() -> None:
    frames = bid(
        [member(1)],
        [pledge(1, 1, 1_000)],
        [area(1, LEEDS), area(1, CAMDEN), area(1, BRADFORD)],
        [covers(1, LEEDS, None), covers(1, CAMDEN, 0)],  # Bradford is not in the coverage at all
    )
    assert parts_by_pledge(allocate(frames)) == {1: {BRADFORD: 334, LEEDS: 333, CAMDEN: 333}}


def test_unknown_homes_weigh_nothing_when_other_districts_have_homes() -> None:
    frames = bid(
        [member(1)],
        [pledge(1, 1, 1_000)],
        [area(1, LEEDS), area(1, BRADFORD)],
        [covers(1, LEEDS, 10), covers(1, BRADFORD, None)],
    )
    assert parts_by_pledge(allocate(frames)) == {1: {LEEDS: 1_000}}


def test_pledge_without_areas_spreads_over_the_organisations_coverage() -> None:
    frames = bid(
        [member(1), member(2)],
        [pledge(1, 1, 90_000), pledge(2, 2, 5_000)],
        [],
        [covers(1, LEEDS, 200), covers(1, CARDIFF, 100), covers(2, CAMDEN, 50)],
    )
    assert parts_by_pledge(allocate(frames)) == {1: {LEEDS: 60_000, CARDIFF: 30_000}, 2: {CAMDEN: 5_000}}


def test_pledge_with_no_areas_and_no_coverage_is_unallocated() -> None:
    frames = bid([member(1)], [pledge(1, 1, 12_345)])
    allocation = allocate(frames)
    assert parts_by_pledge(allocation) == {1: {None: 12_345}}
    assert allocation.schema == pl.Schema(ALLOCATION_SCHEMA)


def test_remainder_with_only_explicit_districts_is_unallocated() -> None:
    frames = bid([member(1)], [pledge(1, 1, 10_000)], [area(1, LEEDS, 6_000), area(1, BRADFORD, 3_000)])
    assert parts_by_pledge(allocate(frames)) == {1: {LEEDS: 6_000, BRADFORD: 3_000, None: 1_000}}


def test_explicit_amounts_over_the_pledge_are_scaled_down_pro_rata() -> None:
    frames = bid(
        [member(1)],
        [pledge(1, 1, 1_000)],
        [area(1, LEEDS, 1_500), area(1, BRADFORD, 500), area(1, CAMDEN)],
        [covers(1, CAMDEN, 100)],
    )
    # £20 of explicit amounts for a £10 pledge: split 3:1 by the explicit amounts; Camden (no amount) gets nothing.
    assert parts_by_pledge(allocate(frames)) == {1: {LEEDS: 750, BRADFORD: 250}}


def test_negative_amounts_are_clamped_and_negative_pledges_stay_unallocated() -> None:
    frames = bid(
        [member(1)],
        [pledge(1, 1, 1_000), pledge(2, 1, -500)],
        [area(1, LEEDS, -300), area(1, BRADFORD), area(2, LEEDS)],
    )
    assert parts_by_pledge(allocate(frames)) == {1: {BRADFORD: 1_000}, 2: {None: -500}}


def test_a_district_listed_twice_counts_once_with_its_amounts_added() -> None:
    frames = bid(
        [member(1)],
        [pledge(1, 1, 1_000)],
        [area(1, LEEDS, 200), area(1, LEEDS, 300), area(1, BRADFORD), area(1, BRADFORD)],
    )
    assert parts_by_pledge(allocate(frames)) == {1: {LEEDS: 500, BRADFORD: 500}}


def test_zero_pledges_produce_no_rows() -> None:
    frames = bid([member(1)], [pledge(1, 1, 0)], [area(1, LEEDS)], [covers(1, LEEDS, 5)])
    assert allocate(frames).is_empty()


def test_unknown_district_codes_still_receive_money() -> None:
    frames = bid([member(1)], [pledge(1, 1, 999)], [area(1, UNKNOWN_DISTRICT), area(1, LEEDS)])
    assert parts_by_pledge(allocate(frames)) == {1: {LEEDS: 500, UNKNOWN_DISTRICT: 499}}  # tie: lower code


def test_huge_amounts_are_exact_beyond_int64_products() -> None:
    big = 2**52 + 12_345  # pence; products with explicit weights of this size overflow Int64
    frames = bid(
        [member(1)],
        [pledge(1, 1, big)],
        [area(1, LEEDS, big), area(1, BRADFORD, big // 2), area(1, CAMDEN, big // 3)],
    )
    parts = parts_by_pledge(allocate(frames))[1]
    assert sum(parts.values()) == big
    assert parts == _reference_split(big, [(LEEDS, big), (BRADFORD, big // 2), (CAMDEN, big // 3)], {})


def test_empty_frames() -> None:
    frames = bid([])
    assert allocate(frames).is_empty()
    assert allocate_by_organisation(frames).is_empty()


def test_organisation_view_adds_up_per_organisation_and_matches_single_pledges() -> None:
    frames = bid(
        [member(1), member(2)],
        [pledge(1, 1, 10_001), pledge(2, 1, 20_002), pledge(3, 2, 7_777), pledge(4, 2, 100)],
        [area(3, LEEDS, 5_000), area(3, BRADFORD), area(4, CAMDEN)],
        [covers(1, LEEDS, 3), covers(1, BRADFORD, 3), covers(1, MANCHESTER, 3), covers(2, BRADFORD, 10)],
    )
    by_organisation = allocate_by_organisation(frames)
    totals = dict(by_organisation.group_by("organisation_id").agg(pl.col("amount_pence").sum()).iter_rows())
    assert totals == {1: 30_003, 2: 7_877}
    # Organisation 1's two area-less pledges are split once as £300.03 over three equal districts.
    rows = {(org, district): amount for org, district, amount in by_organisation.iter_rows()}
    assert rows == {
        (1, MANCHESTER): 10_001,
        (1, BRADFORD): 10_001,
        (1, LEEDS): 10_001,
        (2, LEEDS): 5_000,
        (2, BRADFORD): 2_777,
        (2, CAMDEN): 100,
    }
    assert by_organisation.columns == ["organisation_id", "district_code", "amount_pence"]


def test_placement_counts_submitted_pledges_with_regions() -> None:
    frames = bid(
        [member(1)],
        [pledge(1, 1, 1_000), pledge(2, 1, 5_000, status="draft")],
        [area(1, LEEDS, 400), area(1, CARDIFF, 600)],
    )
    placement = place_submitted_pledges(frames)
    money = {
        (district, region): amount
        for district, region, amount in placement.money.select(
            pl.col("district_code").cast(pl.Utf8), pl.col("region_code").cast(pl.Utf8), "amount_pence"
        ).iter_rows()
    }
    assert money == {(LEEDS, "E12000003"): 400, (CARDIFF, "W92000004"): 600}


# --- properties ---------------------------------------------------------------------------------------------------

DISTRICTS = [LEEDS, BRADFORD, MANCHESTER, LIVERPOOL, CAMDEN, CARDIFF, UNKNOWN_DISTRICT]
homes_values = st.one_of(st.none(), st.integers(0, 0), st.integers(1, 100_000))
explicit_values = st.one_of(st.none(), st.integers(-10, 5_000_000))


@st.composite
def pledge_sets(draw: st.DrawFn) -> tuple[list[dict[str, object]], list[dict[str, object]], list[dict[str, object]]]:
    """Random pledges of a few organisations: areas with and without amounts, or none; random coverage."""
    pledges: list[dict[str, object]] = []
    areas: list[dict[str, object]] = []
    coverage: list[dict[str, object]] = []
    for organisation_id in range(1, draw(st.integers(1, 4)) + 1):
        covered = draw(st.lists(st.sampled_from(DISTRICTS), unique=True, max_size=5))
        coverage += [covers(organisation_id, code, draw(homes_values)) for code in covered]
        for _ in range(draw(st.integers(0, 4))):
            pledge_id = len(pledges) + 1
            pledges.append(pledge(pledge_id, organisation_id, draw(st.integers(-5, 10_000_000))))
            named = draw(st.lists(st.sampled_from(DISTRICTS), unique=True, max_size=4))
            areas += [area(pledge_id, code, draw(explicit_values)) for code in named]
    return pledges, areas, coverage


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pledge_sets())
def test_parts_add_up_to_each_pledge_and_match_the_reference(
    data: tuple[list[dict[str, object]], list[dict[str, object]], list[dict[str, object]]],
) -> None:
    pledges, areas, coverage = data
    organisations = {p["organisation_id"] for p in pledges} | {c["organisation_id"] for c in coverage}
    frames = bid([member(int(str(org))) for org in organisations], pledges, areas, coverage)

    parts = parts_by_pledge(allocate(frames))
    for row in pledges:
        pledge_id, amount = int(str(row["pledge_id"])), int(str(row["amount_pence"]))
        got = parts.get(pledge_id, {})
        assert sum(got.values()) == amount
        named = [(str(a["district_code"]), a["amount_pence"]) for a in areas if a["pledge_id"] == pledge_id]
        homes = {
            str(c["district_code"]): c["homes"] for c in coverage if c["organisation_id"] == row["organisation_id"]
        }
        assert got == _reference_split(amount, named, homes)

    by_organisation = allocate_by_organisation(frames)
    expected: dict[int, int] = defaultdict(int)
    for row in pledges:
        expected[int(str(row["organisation_id"]))] += int(str(row["amount_pence"]))
    got_totals = dict(by_organisation.group_by("organisation_id").agg(pl.col("amount_pence").sum()).iter_rows())
    assert got_totals == {org: total for org, total in expected.items() if total != 0 or org in got_totals}

    # One rounding per organisation instead of one per pledge: at most a penny apart per area-less pledge.
    named_pledges = {a["pledge_id"] for a in areas}
    arealess: dict[int, int] = defaultdict(int)
    for row in pledges:
        if row["pledge_id"] not in named_pledges and int(str(row["amount_pence"])) >= 0:
            arealess[int(str(row["organisation_id"]))] += 1
    per_pledge: dict[tuple[int, str | None], int] = defaultdict(int)
    owner = {int(str(row["pledge_id"])): int(str(row["organisation_id"])) for row in pledges}
    for pledge_id, districts in parts.items():
        for district, amount in districts.items():
            per_pledge[owner[pledge_id], district] += amount
    by_pair = {(org, district): amount for org, district, amount in by_organisation.iter_rows()}
    for key in set(per_pledge) | set(by_pair):
        assert abs(per_pledge.get(key, 0) - by_pair.get(key, 0)) <= arealess[key[0]]


def _reference_split(amount: int, named: list[tuple[str, object]], homes: dict[str, object]) -> dict[str | None, int]:
    """The allocation rules written plainly for one pledge, to check the vectorised version against."""
    if amount < 0:
        return {None: amount}
    if not named:
        if not homes:
            return {None: amount} if amount else {}
        named = [(code, None) for code in homes]
    explicit = {code: max(0, int(str(value))) for code, value in named if value is not None}
    open_codes = [code for code, value in named if value is None]
    result: dict[str | None, int] = {}
    if sum(explicit.values()) > amount:
        to_share, weights = amount, explicit
    else:
        result.update(explicit)
        to_share = amount - sum(explicit.values())
        known = {code: max(0, int(str(homes.get(code) or 0))) for code in open_codes}
        weights = known if sum(known.values()) > 0 else dict.fromkeys(open_codes, 1)
    total = sum(weights.values())
    if total == 0:
        if to_share:
            result[None] = to_share
    else:
        shares = {code: to_share * weight // total for code, weight in weights.items()}
        fractions = {code: to_share * weight % total for code, weight in weights.items()}
        leftover = to_share - sum(shares.values())
        for code in sorted(weights, key=lambda code: (-fractions[code], code))[:leftover]:
            shares[code] += 1
        for code, share in shares.items():
            result[code] = result.get(code, 0) + share
    return {code: value for code, value in result.items() if value != 0}
