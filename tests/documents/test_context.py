"""The document context: one section per template, every figure worked out and formatted for people, consistent
with the snapshot."""

from __future__ import annotations

import dataclasses
import re
from types import ModuleType

import msgspec
import pytest

from consortium.analysis import measures
from consortium.documents.context import BidContext, build_context
from consortium.documents.render import TEMPLATES_DIR
from consortium.documents.sections.appendix import paragraphs
from consortium.documents.snapshot import Snapshot, snapshot_sha256
from consortium.money import format_pence
from consortium.words import date_text, datetime_text, money_column


@pytest.fixture(scope="module")
def ctx(demo_snapshot: Snapshot) -> BidContext:
    return build_context(demo_snapshot)


def test_one_section_per_template(ctx: BidContext) -> None:
    partials = {p.stem for p in (TEMPLATES_DIR / "bid").glob("*.html")} - {"document"}
    assert set(ctx.sections()) == partials | {"document"}
    for section in ctx.sections().values():
        assert dataclasses.is_dataclass(section) and type(section).__dataclass_params__.frozen  # type: ignore[attr-defined]


def test_each_template_reads_only_its_own_section() -> None:
    for path in (TEMPLATES_DIR / "bid").glob("*.html"):
        names = set(re.findall(r"{[{%][^}]*?(?<![/\w])([a-z_]+)\.[a-z_]", path.read_text()))
        names -= {"row", "rule", "step", "member", "figure", "group", "note", "paragraph", "pledge", "item", "loop"}
        assert names == {path.stem}, (path.name, names)


def test_paragraphs_of_user_text() -> None:
    assert paragraphs("One\nline.\r\n\r\nTwo.\n\n\n") == ("One line.", "Two.")


def test_dates_are_uk_time(demo_snapshot: Snapshot, ctx: BidContext) -> None:
    assert ctx.cover.deadline == "Friday 3 July 2026 at 12:00 BST"
    assert datetime_text(demo_snapshot.generated_at) == "Friday 26 June 2026 at 16:30 BST"
    assert ctx.cover.prepared == f"{date_text(demo_snapshot.generated_at)}, version 3 (locked)"
    assert date_text(demo_snapshot.generated_at) == "26 June 2026"
    winter = msgspec.structs.replace(demo_snapshot.bid, deadline=demo_snapshot.bid.deadline.replace(month=1, day=9))
    assert datetime_text(winter.deadline) == "Friday 9 January 2026 at 11:00 GMT"


def test_headline_figures_are_named_measures(demo_snapshot: Snapshot, ctx: BidContext) -> None:
    totals = demo_snapshot.totals
    figures = {f.label: f for f in ctx.cover.headline}
    money = money_column([totals.pledged_pence, totals.match_requested_pence, measures.programme_value(totals)])
    assert figures[measures.PLEDGED.label].value == money[0] == "£5,799,564.23"
    assert figures[measures.MATCH_REQUESTED.label].value == money[1] == "£5,000,000.00"  # pence on all, or none
    assert figures[measures.PROGRAMME_VALUE.label].value == money[2]
    assert figures[measures.MEMBERS.label].value == str(totals.members_by_status["joined"])
    assert f"{totals.homes_covered:,} homes" in figures[measures.MEMBERS.label].note
    # Where members work and where the money goes, each under its own label.
    assert figures[measures.WORK_DISTRICTS.label].value == f"{totals.districts_covered:,}"
    assert figures[measures.MONEY_DISTRICTS.label].value == f"{totals.money_districts:,}"
    assert totals.money_districts == measures.money_districts(totals.by_district) != totals.districts_covered
    # The summary's table is the cover's figures.
    assert ctx.summary.glance == ctx.cover.headline


def test_the_cover_carries_the_verdict(factories: ModuleType, ctx: BidContext) -> None:
    assert not ctx.cover.eligible and ctx.cover.verdict.startswith("Not yet eligible: 2 of 6 rules are not met.")
    clean = build_context(factories.make_snapshot(39, clean=True, rules=[{"key": "min_members", "count": 2}]))
    assert clean.cover.eligible and clean.cover.verdict == "Eligible: the 1 rule is met."


def test_match_calculation_adds_up(demo_snapshot: Snapshot, ctx: BidContext) -> None:
    totals = demo_snapshot.totals
    steps = {s.number: s for s in ctx.match.steps}
    assert [s.number for s in ctx.match.steps] == [1, 2, 3, 4, 5, 6, 7]
    amount = format_pence  # the demo's pledged total has pence, so the whole column shows pence

    def shown(pence: int) -> str:
        return amount(pence, always_pence=True)

    assert steps[1].amount == shown(totals.pledged_pence)
    assert steps[2].amount == "−" + shown(totals.pledged_pence - totals.eligible_pence)
    assert steps[3].amount == shown(totals.eligible_pence)
    assert steps[6].amount == shown(totals.match_requested_pence)
    assert steps[7].amount == shown(totals.eligible_pence + totals.match_requested_pence)
    assert totals.match_capped and "the cap applies" in steps[5].explanation
    # The members left out, with why: their pledges make up the difference between steps 1 and 3.
    failing = [r for r in demo_snapshot.eligibility.members if r.member_status == "joined" and not r.passed]
    assert [e.name for e in ctx.match.excluded] == sorted((r.name for r in failing), key=str.casefold)
    assert sum(r.pledged_pence for r in failing) == totals.pledged_pence - totals.eligible_pence
    for member in ctx.match.excluded:
        assert member.reasons and all(member.reasons)


def test_rules_are_split_by_scope(demo_snapshot: Snapshot, ctx: BidContext) -> None:
    rules = demo_snapshot.eligibility.rules
    assert len(ctx.eligibility.consortium_rules) == sum(r.scope == "consortium" for r in rules)
    assert len(ctx.eligibility.member_rules) == sum(r.scope == "member" for r in rules)
    for row in ctx.eligibility.consortium_rules + ctx.eligibility.member_rules:
        assert row.verdict == ("Met" if row.passed else "Not met")
        assert row.passed or row.gap
    failing_row = next(r for r in ctx.eligibility.member_rules if not r.passed)
    assert failing_row.failing  # names the members
    assert ctx.eligibility.verdict == ctx.summary.verdict == demo_snapshot.eligibility.verdict


def test_summary_is_built_from_the_figures(demo_snapshot: Snapshot, ctx: BidContext) -> None:
    text = " ".join(ctx.summary.paragraphs)
    totals = demo_snapshot.totals
    for figure in (totals.pledged_pence, totals.eligible_pence, totals.match_requested_pence):
        assert format_pence(figure) in text
    assert demo_snapshot.bid.network_name in text and demo_snapshot.bid.programme in text
    assert f"{totals.homes_covered:,} homes" in text
    assert f"work in {totals.districts_covered:,} local authority districts" in text
    assert f"The money reaches {totals.money_districts:,} districts" in text
    assert totals.by_region[0].name in text


def test_partners_and_profiles_cover_every_member(demo_snapshot: Snapshot, ctx: BidContext) -> None:
    names = sorted((m.name for m in demo_snapshot.members), key=str.casefold)
    assert [p.name for p in ctx.partners.rows] == names
    assert [p.name for p in ctx.appendix.profiles] == names
    assert len({p.anchor for p in ctx.appendix.profiles}) == len(names)
    statuses = {p.name: p.status for p in ctx.partners.rows}
    for member in demo_snapshot.members:
        if member.member_status == "invited":
            assert statuses[member.name] == "Invited"
        if member.member_status == "withdrawn":
            assert statuses[member.name] == "Withdrawn"
    assert sum(p.counted for p in ctx.partners.rows) == sum(r.passed for r in demo_snapshot.eligibility.members)
    assert ctx.partners.total_homes == f"{demo_snapshot.totals.homes_covered:,} homes"


def test_no_internal_ids_in_the_document(demo_snapshot: Snapshot, ctx: BidContext) -> None:
    headings = [p.heading for profile in ctx.appendix.profiles for p in profile.pledges]
    assert headings and not any(re.search(r"Pledge \d{3,}", h) for h in headings)
    assert any(re.fullmatch(r"Pledge 1 of 2: £[\d,.]+", h) for h in headings)
    assert any(re.fullmatch(r"Pledge: £[\d,.]+", h) for h in headings)
    provenance = {i.label: i.value for i in ctx.declarations.provenance}
    assert provenance["Bid"] == f"{demo_snapshot.bid.title} (locked)"
    assert not any(f"Bid {demo_snapshot.bid.id}" in i.value for i in ctx.declarations.provenance)


def test_pledge_areas_in_words(ctx: BidContext) -> None:
    areas = [p.areas for profile in ctx.appendix.profiles for p in profile.pledges]
    assert any("the rest" in a for a in areas)
    assert any(a == "all its districts, in proportion to its homes there" for a in areas)


def test_provenance(demo_snapshot: Snapshot, ctx: BidContext) -> None:
    sha = snapshot_sha256(demo_snapshot)
    assert ctx.cover.snapshot_sha256 == sha and ctx.document.snapshot_ref == ctx.contents.snapshot_ref == sha[:12]
    items = {i.label: i.value for i in ctx.declarations.provenance}
    assert items["Snapshot SHA-256"] == sha
    assert items["Generated by"] == demo_snapshot.generated_by
    assert items["Document version"] == "Version 3"
    assert ctx.document.generated_at_iso == "2026-06-26T15:30:00Z"


def test_coverage_tables_match_totals(demo_snapshot: Snapshot, ctx: BidContext) -> None:
    totals = demo_snapshot.totals
    coverage = ctx.coverage
    assert [r.name for r in coverage.regions] == [r.name for r in totals.by_region]
    assert len(coverage.districts) == totals.money_districts
    assert len(coverage.overlap) == len(totals.overlap)
    assert [n.name for n in coverage.nations] == ["England", "Wales", "Scotland", "Northern Ireland"]
    assert "<svg" in coverage.map_svg and "<svg" in coverage.region_chart_svg
    # The district table is printed one region at a time (a heading each, fewer table cells): same lines, same order.
    assert [d for group in coverage.district_groups for d in group.districts] == list(coverage.districts)
    assert all(d.region == group.region for group in coverage.district_groups for d in group.districts)
    assert len({group.region for group in coverage.district_groups}) == len(coverage.district_groups)


def test_money_columns_show_pence_on_all_or_none(ctx: BidContext) -> None:
    columns = {
        "regions": [r.amount for r in ctx.coverage.regions],
        "nations": [r.amount for r in ctx.coverage.nations],
        "districts": [d.amount for d in ctx.coverage.districts],
        "themes": [r.amount for r in ctx.themes.themes],
        "types": [r.amount for r in ctx.themes.org_types],
        "partners": [r.pledge for r in ctx.partners.rows] + [ctx.partners.total_pledged],
        "excluded": [m.amount for m in ctx.match.excluded],
        "steps": [s.amount for s in ctx.match.steps if s.amount != "No cap"],
    }
    for name, column in columns.items():
        with_pence = {bool(re.search(r"\.\d\d$", amount)) for amount in column}
        assert len(with_pence) == 1, (name, column)
    assert any(re.search(r"\.\d\d$", a) for a in columns["regions"])  # the demo's regions have pence


def test_excluded_members_are_summarised_once(demo_snapshot: Snapshot, ctx: BidContext) -> None:
    # The eligibility statement gives a sentence; the table of excluded members is in the match calculation only.
    assert ctx.match.excluded
    assert ctx.eligibility.excluded_summary.startswith(f"{len(ctx.match.excluded):,} members who have joined do not")
    assert build_context(demo_snapshot).eligibility.excluded_summary == ctx.eligibility.excluded_summary


def test_a_bid_with_no_members_yet(factories: ModuleType) -> None:
    ctx = build_context(factories.make_snapshot(0))
    assert ctx.partners.rows == () and ctx.appendix.profiles == () and ctx.match.excluded == ()
    assert ctx.match.steps[0].amount == "£0" and not ctx.cover.eligible
    assert "No figures to show" in ctx.coverage.region_chart_svg
