"""Totals: every figure of a small bid computed by hand, breakdowns that always add up, the 39-member bid."""

from __future__ import annotations

from collections import defaultdict

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consortium.analysis import totals as totals_module
from consortium.analysis.eligibility import evaluate, prepare_bid
from consortium.analysis.frames import BidFrames, MatchTerms
from consortium.analysis.results import AmountRow, MemberShare, OverlapRow
from consortium.analysis.rules import Rule, parse_rules
from consortium.analysis.totals import compute_totals
from consortium.reference.districts import districts
from tests.analysis.builders import (
    BELFAST,
    CAMDEN,
    CARDIFF,
    GLASGOW,
    LEEDS,
    LIVERPOOL,
    LONDON,
    MANCHESTER,
    NORTH_WEST,
    WALES,
    YORKSHIRE,
    area,
    bid,
    covers,
    member,
    pledge,
    pounds,
)

ASHBROOK, BEACON, CEDAR, DALE, ELM, FERN = 1, 2, 3, 4, 5, 6


def six_members() -> BidFrames:
    return bid(
        [
            member(ASHBROOK, "Ashbrook Homes", homes=12_000),
            member(BEACON, "Beacon Council", org_type="local_authority"),
            member(CEDAR, "Cedar Trust", org_type="charity", homes=1_000),
            member(DALE, "Dale Housing", status="invited"),
            member(ELM, "Elm Trust", org_type="charity", status="withdrawn"),
            member(FERN, "Fern Co-op", org_type="cooperative"),
        ],
        [
            pledge(1, ASHBROOK, pounds(310_000), themes=["retrofit", "new_homes"]),
            pledge(6, ASHBROOK, pounds(5_000), status="draft"),
            pledge(2, BEACON, 50_000_001, themes=None),
            pledge(8, BEACON, 3, status="withdrawn"),
            pledge(3, CEDAR, pounds(190_000), themes=["retrofit"]),
            pledge(4, DALE, pounds(1_000)),
            pledge(5, ELM, pounds(400_000)),
            pledge(7, FERN, pounds(10_000), themes=["retrofit", "skills", "new_homes", ""]),
        ],
        [area(1, LEEDS, pounds(310_000)), area(3, CARDIFF)],
        [
            covers(ASHBROOK, LEEDS, 9_000),
            covers(BEACON, MANCHESTER, 5_000),
            covers(BEACON, LIVERPOOL, 3_000),
            covers(BEACON, LEEDS, 1_000),
            covers(CEDAR, CARDIFF, 800),
            covers(DALE, LEEDS, 100),
        ],
    )


RULES = parse_rules([{"key": "min_pledge", "amount_pence": pounds(100_000)}])
HALF_MATCH_CAPPED = MatchTerms(funder_part=1, consortium_part=2, cap_pence=pounds(400_000))


def test_every_figure_of_a_small_bid() -> None:
    totals = compute_totals(six_members(), RULES, HALF_MATCH_CAPPED)

    assert totals.pledged_pence == 101_000_001  # joined members' submitted pledges (not Dale, not Elm)
    assert totals.eligible_pence == 100_000_001  # Fern's £10,000 is below the minimum pledge
    assert (totals.match_requested_pence, totals.match_capped) == (pounds(400_000), True)
    assert totals.members_by_status == {"invited": 1, "joined": 4, "withdrawn": 1}
    assert totals.pledges_by_status == {"draft": 1, "submitted": 4, "withdrawn": 1}
    assert totals.homes_covered == 22_000  # 12,000 given + Beacon's 9,000 covered + 1,000 given + 0
    assert (totals.districts_covered, totals.regions_covered) == (4, 3)
    assert totals.unallocated_pence == pounds(10_000)

    # Beacon's £500,000.01 goes 5:3:1 over Manchester, Liverpool, Leeds: 27,777,778 / 16,666,667 / 5,555,556.
    assert totals.by_region == [
        AmountRow(NORTH_WEST, "North West", 44_444_445, 1),
        AmountRow(YORKSHIRE, "Yorkshire and The Humber", 36_555_556, 2),
        AmountRow(WALES, "Wales", 19_000_000, 1),
        AmountRow("unallocated", "Not yet assigned to a district", 1_000_000, 1),
    ]
    assert totals.by_district == [
        AmountRow(LEEDS, "Leeds", 36_555_556, 2),
        AmountRow(MANCHESTER, "Manchester", 27_777_778, 1),
        AmountRow(CARDIFF, "Cardiff", 19_000_000, 1),
        AmountRow(LIVERPOOL, "Liverpool", 16_666_667, 1),
    ]
    # Fern's £10,000 over three themes: the odd penny goes to the first theme alphabetically (new_homes).
    assert totals.by_theme == [
        AmountRow("none", "No theme given", 50_000_001, 1),
        AmountRow("retrofit", "Retrofit", 34_833_333, 3),
        AmountRow("new_homes", "New homes", 15_833_334, 2),
        AmountRow("skills", "Skills", 333_333, 1),
    ]
    assert totals.by_org_type == [
        AmountRow("local_authority", "Local authority", 50_000_001, 1),
        AmountRow("housing_association", "Housing association", 31_000_000, 1),
        AmountRow("charity", "Charity", 19_000_000, 1),
        AmountRow("cooperative", "Co-operative", 1_000_000, 1),
    ]
    assert totals.overlap == [OverlapRow(LEEDS, "Leeds", [ASHBROOK, BEACON], ["Ashbrook Homes", "Beacon Council"])]

    north_west_and_yorkshire = [NORTH_WEST, YORKSHIRE]
    # Where each works (coverage regions) and where its money goes (money regions): Elm's and Fern's money names
    # no district and they record none, so it goes nowhere yet.
    assert totals.members == [
        MemberShare(BEACON, "Beacon Council", "local_authority", "joined", 50_000_001, 50_000_001, 4_950, 9_000, 3,
                    north_west_and_yorkshire, north_west_and_yorkshire),
        MemberShare(ELM, "Elm Trust", "charity", "withdrawn", 40_000_000, 0, 0, 0, 0, [], []),
        MemberShare(ASHBROOK, "Ashbrook Homes", "housing_association", "joined", 31_000_000, 31_000_000, 3_069,
                    12_000, 1, [YORKSHIRE], [YORKSHIRE]),
        MemberShare(CEDAR, "Cedar Trust", "charity", "joined", 19_000_000, 19_000_000, 1_881, 1_000, 1, [WALES],
                    [WALES]),
        MemberShare(FERN, "Fern Co-op", "cooperative", "joined", 1_000_000, 0, 99, 0, 0, [], []),
        MemberShare(DALE, "Dale Housing", "housing_association", "invited", 100_000, 0, 0, 100, 1, [YORKSHIRE],
                    [YORKSHIRE]),
    ]  # fmt: skip
    # Where the money goes: the districts and regions of by_district and by_region (not "unallocated").
    assert (totals.money_districts, totals.money_regions) == (4, 3)


def test_uncapped_match_and_an_empty_bid() -> None:
    totals = compute_totals(six_members(), [], MatchTerms(funder_part=3, consortium_part=2))
    assert totals.eligible_pence == totals.pledged_pence == 101_000_001
    assert (totals.match_requested_pence, totals.match_capped) == (151_500_001, False)

    empty = compute_totals(bid([]), RULES, MatchTerms())
    assert (empty.pledged_pence, empty.eligible_pence, empty.match_requested_pence) == (0, 0, 0)
    assert empty.members_by_status == {"invited": 0, "joined": 0, "withdrawn": 0}
    assert empty.by_region == empty.by_district == empty.by_theme == empty.members == []


def test_unrecognised_districts_keep_by_region_adding_up() -> None:
    frames = bid([member(1)], [pledge(1, 1, 1_000)], [area(1, "E99999999", 400), area(1, LEEDS, 600)])
    totals = compute_totals(frames, [], MatchTerms())
    assert totals.by_region == [
        AmountRow(YORKSHIRE, "Yorkshire and The Humber", 600, 1),
        AmountRow("unrecognised", "District not recognised", 400, 1),
    ]
    assert [row.name for row in totals.by_district] == ["Leeds", "E99999999"]


def test_where_members_work_and_where_the_money_goes_are_counted_apart() -> None:
    # Ashbrook works in Leeds but pledges to Camden; Beacon records no districts and pledges to Cardiff.
    frames = bid(
        [member(1, "Ashbrook"), member(2, "Beacon")],
        [pledge(1, 1, pounds(450_000)), pledge(2, 2, pounds(1_000))],
        [area(1, CAMDEN), area(2, CARDIFF)],
        [covers(1, LEEDS, 100)],
    )
    totals = compute_totals(frames, [], MatchTerms())
    assert (totals.districts_covered, totals.regions_covered) == (1, 1)  # Leeds, in Yorkshire
    assert (totals.money_districts, totals.money_regions) == (2, 2)  # Camden and Cardiff, in London and Wales
    shares = {share.organisation_id: share for share in totals.members}
    assert (shares[1].regions, shares[1].money_regions) == ([YORKSHIRE], [LONDON])
    assert (shares[2].regions, shares[2].money_regions) == ([], [WALES])


def test_member_share_columns_follow_the_struct() -> None:
    # compute_totals builds MemberShare positionally from these columns: keep them in the struct's order.
    assert tuple(totals_module._SHARE_COLUMNS) == MemberShare.__struct_fields__


def test_a_prepared_bid_gives_the_same_answers() -> None:
    frames = six_members()
    prepared = prepare_bid(frames)
    assert compute_totals(frames, RULES, MatchTerms(), prepared=prepared) == compute_totals(frames, RULES, MatchTerms())
    assert evaluate(frames, RULES, MatchTerms(), prepared=prepared, without_organisation_id=BEACON) == evaluate(
        frames, RULES, MatchTerms(), without_organisation_id=BEACON
    )


# --- breakdowns always add up -------------------------------------------------------------------------------------

DISTRICTS = [LEEDS, MANCHESTER, LIVERPOOL, CAMDEN, CARDIFF, GLASGOW, BELFAST, "E99999999"]
THEMES = ["retrofit", "new_homes", "skills", "Warm Homes"]
ORG_TYPES = ["housing_association", "local_authority", "charity", None]


@st.composite
def random_bids(draw: st.DrawFn) -> BidFrames:
    members: list[dict[str, object]] = []
    pledges: list[dict[str, object]] = []
    areas: list[dict[str, object]] = []
    coverage: list[dict[str, object]] = []
    for organisation_id in range(1, draw(st.integers(0, 6)) + 1):
        members.append(
            member(
                organisation_id,
                org_type=draw(st.sampled_from(ORG_TYPES)),
                homes=draw(st.one_of(st.none(), st.integers(0, 50_000))),
                status=draw(st.sampled_from(["joined", "joined", "invited", "withdrawn"])),
            )
        )
        for code in draw(st.lists(st.sampled_from(DISTRICTS), unique=True, max_size=4)):
            coverage.append(covers(organisation_id, code, draw(st.one_of(st.none(), st.integers(0, 9_000)))))
        for _ in range(draw(st.integers(0, 3))):
            pledge_id = len(pledges) + 1
            themes = draw(st.one_of(st.none(), st.lists(st.sampled_from(THEMES), max_size=4)))
            status = draw(st.sampled_from(["submitted", "submitted", "draft", "withdrawn"]))
            amount = draw(st.integers(0, 100_000_000))
            pledges.append(pledge(pledge_id, organisation_id, amount, status=status, themes=themes))
            for code in draw(st.lists(st.sampled_from(DISTRICTS), unique=True, max_size=3)):
                areas.append(area(pledge_id, code, draw(st.one_of(st.none(), st.integers(0, 60_000_000)))))
    return bid(members, pledges, areas, coverage)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_bids(), st.sampled_from([[], RULES]))
def test_breakdowns_add_up_to_the_pledged_total(frames: BidFrames, rules: list[Rule]) -> None:
    totals = compute_totals(frames, rules, MatchTerms())
    pledged = totals.pledged_pence
    assert sum(row.amount_pence for row in totals.by_region) == pledged
    assert sum(row.amount_pence for row in totals.by_theme) == pledged
    assert sum(row.amount_pence for row in totals.by_org_type) == pledged
    assert sum(row.amount_pence for row in totals.by_district) + totals.unallocated_pence == pledged
    assert sum(share.pledged_pence for share in totals.members if share.member_status == "joined") == pledged
    assert sum(share.eligible_pence for share in totals.members) == totals.eligible_pence <= pledged
    assert sum(share.share_basis_points for share in totals.members) <= 10_000
    assert sum(totals.members_by_status.values()) == frames.members.height


# --- the 39-member bid --------------------------------------------------------------------------------------------


def test_thirty_nine_members_one_point_one_million_homes_six_and_a_quarter_million() -> None:
    """39 joined members across the UK manage 1,100,000 homes and pledge £6,250,000 between them."""
    places = list(districts().values())[::9][:39]  # 39 real districts spread across the reference
    members: list[dict[str, object]] = []
    pledges: list[dict[str, object]] = []
    areas: list[dict[str, object]] = []
    coverage: list[dict[str, object]] = []
    expected_by_region: dict[str, int] = defaultdict(int)
    for i, place in enumerate(places, start=1):
        homes = 28_210 if i == 39 else 28_205  # 38 × 28,205 + 28,210 = 1,100,000
        # Every fourth member leaves homes blank: its coverage says how many it manages.
        members.append(member(i, f"Member {i:02d}", homes=None if i % 4 == 0 else homes))
        coverage.append(covers(i, place.code, homes))
        amount = pounds(170_000 if i == 39 else 160_000)  # 38 × £160,000 + £170,000 = £6,250,000
        if i % 3 == 0:  # two pledges, naming the district
            pledges += [pledge(2 * i, i, pounds(100_000)), pledge(2 * i + 1, i, amount - pounds(100_000))]
            areas += [area(2 * i, place.code, pounds(100_000)), area(2 * i + 1, place.code)]
        else:  # one pledge spread over the coverage (a single district)
            pledges.append(pledge(2 * i, i, amount))
        expected_by_region[place.region_code] += amount
    frames = bid(members, pledges, areas, coverage)
    rules = parse_rules(
        [
            {"key": "min_members", "count": 30},
            {"key": "min_total", "amount_pence": pounds(5_000_000)},
            {"key": "min_regions", "count": 5},
            {"key": "max_member_share", "percent": 10},
        ]
    )
    terms = MatchTerms(funder_part=1, consortium_part=1, cap_pence=pounds(6_000_000))

    totals = compute_totals(frames, rules, terms)
    assert totals.pledged_pence == totals.eligible_pence == pounds(6_250_000)
    assert (totals.match_requested_pence, totals.match_capped) == (pounds(6_000_000), True)
    assert totals.homes_covered == 1_100_000
    assert totals.members_by_status == {"invited": 0, "joined": 39, "withdrawn": 0}
    assert totals.pledges_by_status == {"draft": 0, "submitted": 52, "withdrawn": 0}
    assert totals.districts_covered == 39
    assert totals.regions_covered == len(expected_by_region) == 12
    assert {row.key: row.amount_pence for row in totals.by_region} == expected_by_region
    assert totals.unallocated_pence == 0 and totals.overlap == []
    assert totals.by_theme == [AmountRow("none", "No theme given", pounds(6_250_000), 39)]
    assert totals.members[0] == MemberShare(
        39, "Member 39", "housing_association", "joined", pounds(170_000), pounds(170_000), 272, 28_210, 1,
        [places[38].region_code], [places[38].region_code],
    )  # fmt: skip
    assert (totals.money_districts, totals.money_regions) == (39, 12)
    assert {share.share_basis_points for share in totals.members[1:]} == {256}  # £160,000 / £6.25m = 2.56%

    eligibility = evaluate(frames, rules, terms)
    assert eligibility.eligible and eligibility.verdict == "Eligible: all 4 rules are met."
    assert [result.actual_text for result in eligibility.rules] == ["39 members", "£6,250,000", "12 regions", "2%"]
