"""The document context: every figure worked out and formatted for people, consistent with the snapshot."""

from __future__ import annotations

from types import ModuleType

import msgspec
import pytest

from consortium.documents.context import (
    BidContext,
    build_context,
    count_text,
    date_text,
    datetime_text,
    humanise,
    join_names,
    paragraphs,
    percent_text,
    ratio_text,
)
from consortium.documents.snapshot import Snapshot, snapshot_sha256
from consortium.money import format_pence


@pytest.fixture(scope="module")
def ctx(demo_snapshot: Snapshot) -> BidContext:
    return build_context(demo_snapshot)


def test_formatting_helpers() -> None:
    assert count_text(1, "member") == "1 member" and count_text(1234, "home") == "1,234 homes"
    assert count_text(2, "district is", "districts are") == "2 districts are"
    assert percent_text(1, 3) == "33.3%" and percent_text(0, 5) == "0%" and percent_text(1, 100_000) == "<0.1%"
    assert percent_text(5, 0) == "0%"
    assert join_names([]) == "" and join_names(["A"]) == "A" and join_names(["A", "B", "C"]) == "A, B and C"
    assert join_names(["A", "B", "C", "D"], limit=2) == "A, B and 2 others"
    assert humanise("community_interest_company") == "Community interest company"
    assert paragraphs("One\nline.\r\n\r\nTwo.\n\n\n") == ("One line.", "Two.")
    assert ratio_text(1, 1) == "£1 for every £1 pledged (pound for pound)"
    assert ratio_text(2, 1) == "£2 for every £1 pledged"


def test_dates_are_uk_time(demo_snapshot: Snapshot, ctx: BidContext) -> None:
    assert ctx.deadline == "Friday 3 July 2026 at 12:00 BST"
    assert datetime_text(demo_snapshot.generated_at) == "Friday 26 June 2026 at 16:30 BST"
    assert ctx.prepared_on == date_text(demo_snapshot.generated_at) == "26 June 2026"
    winter = msgspec.structs.replace(demo_snapshot.bid, deadline=demo_snapshot.bid.deadline.replace(month=1, day=9))
    assert datetime_text(winter.deadline) == "Friday 9 January 2026 at 11:00 GMT"


def test_headline_figures(demo_snapshot: Snapshot, ctx: BidContext) -> None:
    totals = demo_snapshot.totals
    figures = {f.label: f for f in ctx.headline}
    assert figures["Pledged by members"].value == format_pence(totals.pledged_pence)
    assert figures["Match requested"].value == format_pence(totals.match_requested_pence)
    assert figures["Programme value"].value == format_pence(totals.eligible_pence + totals.match_requested_pence)
    assert figures["Members"].value == str(totals.members_by_status["joined"])
    assert figures["Homes"].value == f"{totals.homes_covered:,}"
    assert figures["Districts"].value == str(totals.districts_covered)


def test_match_calculation_adds_up(demo_snapshot: Snapshot, ctx: BidContext) -> None:
    totals = demo_snapshot.totals
    steps = {s.number: s for s in ctx.calculation}
    assert [s.number for s in ctx.calculation] == [1, 2, 3, 4, 5, 6, 7]
    assert steps[1].amount == format_pence(totals.pledged_pence)
    assert steps[2].amount == "−" + format_pence(totals.pledged_pence - totals.eligible_pence)
    assert steps[3].amount == format_pence(totals.eligible_pence)
    assert steps[6].amount == format_pence(totals.match_requested_pence)
    assert steps[7].amount == format_pence(totals.eligible_pence + totals.match_requested_pence)
    assert totals.match_capped and "the cap applies" in steps[5].explanation
    # The members left out, with why: their pledges make up the difference between steps 1 and 3.
    failing = [r for r in demo_snapshot.eligibility.members if r.member_status == "joined" and not r.passed]
    assert [e.name for e in ctx.excluded] == sorted((r.name for r in failing), key=str.casefold)
    assert sum(r.pledged_pence for r in failing) == totals.pledged_pence - totals.eligible_pence
    for member in ctx.excluded:
        assert member.reasons and all(member.reasons)


def test_rules_are_split_by_scope(demo_snapshot: Snapshot, ctx: BidContext) -> None:
    rules = demo_snapshot.eligibility.rules
    assert len(ctx.consortium_rules) == sum(r.scope == "consortium" for r in rules)
    assert len(ctx.member_rules) == sum(r.scope == "member" for r in rules)
    for row in ctx.consortium_rules + ctx.member_rules:
        assert row.verdict == ("Met" if row.passed else "Not met")
        assert row.passed or row.gap
    failing_row = next(r for r in ctx.member_rules if not r.passed)
    assert failing_row.failing  # names the members
    assert ctx.verdict == demo_snapshot.eligibility.verdict


def test_summary_is_built_from_the_figures(demo_snapshot: Snapshot, ctx: BidContext) -> None:
    text = " ".join(ctx.summary)
    totals = demo_snapshot.totals
    for figure in (totals.pledged_pence, totals.eligible_pence, totals.match_requested_pence):
        assert format_pence(figure) in text
    assert demo_snapshot.bid.network_name in text and demo_snapshot.bid.programme in text
    assert f"{totals.homes_covered:,} homes" in text
    assert totals.by_region[0].name in text


def test_partners_and_profiles_cover_every_member(demo_snapshot: Snapshot, ctx: BidContext) -> None:
    names = sorted((m.name for m in demo_snapshot.members), key=str.casefold)
    assert [p.name for p in ctx.partners] == names
    assert [p.name for p in ctx.profiles] == names
    assert len({p.anchor for p in ctx.profiles}) == len(names)
    statuses = {p.name: p.status for p in ctx.partners}
    for member in demo_snapshot.members:
        if member.member_status == "invited":
            assert statuses[member.name] == "Invited"
        if member.member_status == "withdrawn":
            assert statuses[member.name] == "Withdrawn"
    assert sum(p.counted for p in ctx.partners) == sum(r.passed for r in demo_snapshot.eligibility.members)


def test_pledge_areas_in_words(factories: ModuleType) -> None:
    snapshot = factories.make_snapshot(39)
    ctx = build_context(snapshot)
    areas = [p.areas for profile in ctx.profiles for p in profile.pledges]
    assert any("the rest" in a for a in areas)
    assert any(a == "all its districts, in proportion to its homes there" for a in areas)


def test_provenance(demo_snapshot: Snapshot, ctx: BidContext) -> None:
    sha = snapshot_sha256(demo_snapshot)
    assert ctx.snapshot_sha256 == sha and ctx.snapshot_ref == sha[:12]
    items = {i.label: i.value for i in ctx.provenance}
    assert items["Snapshot SHA-256"] == sha
    assert items["Generated by"] == demo_snapshot.generated_by
    assert items["Document version"] == "Version 3"
    assert ctx.generated_at_iso == "2026-06-26T15:30:00Z"


def test_coverage_tables_match_totals(demo_snapshot: Snapshot, ctx: BidContext) -> None:
    totals = demo_snapshot.totals
    assert [r.name for r in ctx.regions] == [r.name for r in totals.by_region]
    assert len(ctx.districts) == sum(1 for r in totals.by_district if r.amount_pence > 0)
    assert len(ctx.overlap) == len(totals.overlap)
    assert [n.name for n in ctx.nations] == ["England", "Wales", "Scotland", "Northern Ireland"]
    assert "<svg" in ctx.map_svg and "<svg" in ctx.region_chart_svg
    # The district table is printed one region at a time (a heading each, fewer table cells): same lines, same order.
    assert [d for group in ctx.district_groups for d in group.districts] == list(ctx.districts)
    assert all(d.region == group.region for group in ctx.district_groups for d in group.districts)
    assert len({group.region for group in ctx.district_groups}) == len(ctx.district_groups)


def test_excluded_members_are_summarised_once(demo_snapshot: Snapshot, ctx: BidContext) -> None:
    # The eligibility statement gives a sentence; the table of excluded members is in the match calculation only.
    assert ctx.excluded
    assert ctx.excluded_summary.startswith(f"{len(ctx.excluded):,} members who have joined do not meet")
    assert build_context(demo_snapshot).excluded_summary == ctx.excluded_summary


def test_a_bid_with_no_members_yet(factories: ModuleType) -> None:
    ctx = build_context(factories.make_snapshot(0))
    assert ctx.partners == () and ctx.profiles == () and ctx.excluded == ()
    assert ctx.calculation[0].amount == "£0" and not ctx.eligible
    assert "No figures to show" in ctx.region_chart_svg
