"""Everything the bid document's templates show, worked out and formatted for people.

``build_context(snapshot)`` turns a ``Snapshot`` into one frozen ``BidContext``: money as pounds, dates in UK time,
percentages, sentences for the executive summary, the match calculation step by step, eligibility rows, tables and
the charts as SVG strings. Templates only loop and branch over it; they never compute or format.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby

from markupsafe import Markup

from consortium.analysis.frames import MatchTerms
from consortium.analysis.results import AmountRow, MemberResult, MemberShare, RuleResult
from consortium.documents.charts import Bar, bar_chart_svg, truncate
from consortium.documents.hexmap import hex_map_svg
from consortium.documents.snapshot import Snapshot, SnapshotMember, SnapshotPledge, snapshot_sha256
from consortium.money import format_pence
from consortium.reference.districts import NATIONS, REGIONS, districts, nation_of_region
from consortium.timeutil import UK, as_utc, uk_time_text

ORG_TYPE_NAMES: dict[str, str] = {
    "housing_association": "Housing association",
    "local_authority": "Local authority",
    "charity": "Charity",
    "community_interest_company": "Community interest company",
    "cooperative": "Co-operative",
    "other": "Other",
}
BID_STATUS_NAMES: dict[str, str] = {
    "draft": "Draft",
    "open": "Open for pledges",
    "locked": "Locked for submission",
    "submitted": "Submitted",
}
PLEDGE_STATUS_NAMES: dict[str, str] = {"draft": "Draft", "submitted": "Submitted", "withdrawn": "Withdrawn"}
MEMBER_STATUS_NAMES: dict[str, str] = {"invited": "Invited", "joined": "Joined", "withdrawn": "Withdrawn"}
OVERLAP_NAMES_SHOWN = 6  # organisations named per shared district; the rest are counted


# ---------------------------------------------------------------------------------------------------------------
# Formatting helpers (also used by the renderer and tests)


def humanise(key: str) -> str:
    """'community_interest_company' -> 'Community interest company'."""
    text = key.replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:] if text else key


def org_type_name(org_type: str) -> str:
    return ORG_TYPE_NAMES.get(org_type) or humanise(org_type)


def count_text(count: int, singular: str, plural: str | None = None) -> str:
    """'1 member', '2 members', '1,234 homes'."""
    return f"{count:,} {singular if count == 1 else (plural or singular + 's')}"


def percent_text(part: int, whole: int) -> str:
    """Share of a whole with one decimal: '12.5%'; '<0.1%' for a sliver; '0%' for nothing."""
    if whole <= 0 or part <= 0:
        return "0%"
    basis_points = part * 10_000 // whole
    if basis_points < 10:
        return "<0.1%"
    return f"{basis_points / 100:.1f}%"


def basis_points_text(basis_points: int) -> str:
    return f"{basis_points / 100:.1f}%"


def date_text(value: datetime) -> str:
    """'26 June 2026' (UK date)."""
    local = as_utc(value).astimezone(UK)
    return f"{local.day} {local:%B %Y}"


def datetime_text(value: datetime) -> str:
    """'Friday 3 July 2026 at 12:00 BST' - the same wording as the rest of Consortium."""
    return uk_time_text(value)


def regions_text(count: int) -> str:
    """'all 12 of the UK's regions and nations', '5 of the UK's 12 regions and nations'."""
    total = len(REGIONS)
    if count == total:
        return f"all {total} of the UK's regions and nations"
    return f"{count:,} of the UK's {total} regions and nations"


def ratio_text(funder_part: int, consortium_part: int) -> str:
    """'£1 for every £1 pledged (pound for pound)', '£2 for every £1 pledged'."""
    text = f"£{funder_part:,} for every £{consortium_part:,} pledged"
    if funder_part == consortium_part:
        text += " (pound for pound)"
    return text


def join_names(names: Sequence[str], limit: int | None = None) -> str:
    """'A', 'A and B', 'A, B and C'; with a limit, 'A, B and 3 others'."""
    names = list(names)
    if limit is not None and len(names) > limit:
        rest = len(names) - limit
        return ", ".join(names[:limit]) + f" and {count_text(rest, 'other')}"
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def paragraphs(text: str) -> tuple[str, ...]:
    """User text split into paragraphs on blank lines, single line breaks kept as spaces."""
    blocks = re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n").strip())
    return tuple(" ".join(block.split()) for block in blocks if block.strip())


def one_line(text: str) -> str:
    """User text on one line (the appendix lays fields out line by line)."""
    return " ".join(text.split())


def homes_text(homes: int | None) -> str:
    return "Not given" if homes is None else f"{homes:,}"


# ---------------------------------------------------------------------------------------------------------------
# The context


@dataclass(frozen=True)
class Figure:
    label: str
    value: str
    note: str


@dataclass(frozen=True)
class CalculationStep:
    number: int
    label: str
    explanation: str
    amount: str
    kind: str  # "figure" | "less" | "subtotal" | "result"


@dataclass(frozen=True)
class ExcludedMember:
    name: str
    amount: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class RuleRow:
    description: str
    figure: str
    requirement: str
    verdict: str  # "Met" | "Not met"
    passed: bool
    gap: str
    failing: str  # organisations failing it, in words


@dataclass(frozen=True)
class AmountLine:
    name: str
    amount: str
    share: str
    members: str


@dataclass(frozen=True)
class DistrictLine:
    name: str
    region: str
    amount: str
    members: str


@dataclass(frozen=True)
class DistrictGroup:
    region: str  # "" for districts missing from the reference list
    districts: tuple[DistrictLine, ...]


@dataclass(frozen=True)
class OverlapLine:
    district: str
    region: str
    count: str
    organisations: str


@dataclass(frozen=True)
class PartnerRow:
    number: int
    anchor: str
    name: str
    org_type: str
    identifier: str
    homes: str
    homes_label: str  # "1,337 homes", "homes not given"
    pledge: str
    regions: str
    status: str
    counted: bool  # the pledge counts towards the match


@dataclass(frozen=True)
class PledgeDetail:
    heading: str  # "Pledge 5001: £250,000"
    status: str
    purpose: str
    themes: str
    areas: str
    board: str
    conditions: str
    updated: str


@dataclass(frozen=True)
class MemberProfile:
    anchor: str
    name: str
    summary: str  # "Housing association · GB-SHPE-L4001 · 12,345 homes"
    status: str
    outcome: str  # why its pledge is not counted; "" when it is
    counted: bool
    description: tuple[str, ...]
    contact: str
    website: str
    coverage: str  # "Leeds (1,200 homes); Bradford (800 homes)"
    coverage_count: str
    coverage_homes_known: bool  # the coverage list gives homes after each district
    regions: str
    # Submitted pledges, in full. A draft is its member's alone and a withdrawn pledge is no part of the bid:
    # neither is shown, counted or even mentioned (snapshots made before they were left out may still hold them).
    pledges: tuple[PledgeDetail, ...]


@dataclass(frozen=True)
class ProvenanceItem:
    label: str
    value: str


@dataclass(frozen=True)
class BidContext:
    # Identity
    title: str
    running_title: str  # shortened for the page header
    long_title: bool  # set in a smaller size on the cover
    network_name: str
    funder_name: str
    funder_org_id: str
    programme: str
    deadline: str
    status: str
    is_final: bool  # locked or submitted: no "draft" marking
    prepared_on: str
    version: str
    themes: str
    # Cover and summary
    headline: tuple[Figure, ...]
    verdict: str
    eligible: bool
    summary: tuple[str, ...]
    # Match calculation
    calculation: tuple[CalculationStep, ...]
    excluded: tuple[ExcludedMember, ...]
    excluded_summary: str  # one sentence for the eligibility statement ("" when none); the table is in the match
    calculation_notes: tuple[str, ...]
    # Eligibility
    consortium_rules: tuple[RuleRow, ...]
    member_rules: tuple[RuleRow, ...]
    rules_met: str
    # Coverage
    map_svg: Markup
    region_chart_svg: Markup
    regions: tuple[AmountLine, ...]
    nations: tuple[AmountLine, ...]
    districts: tuple[DistrictLine, ...]
    district_groups: tuple[DistrictGroup, ...]  # the same lines, one group per region or nation, in order
    coverage_notes: tuple[str, ...]
    overlap: tuple[OverlapLine, ...]
    overlap_summary: str
    # Themes and organisation types
    theme_chart_svg: Markup
    themes_table: tuple[AmountLine, ...]
    org_type_chart_svg: Markup
    org_types_table: tuple[AmountLine, ...]
    # Partners
    partners: tuple[PartnerRow, ...]
    partners_total_homes: str
    partners_total_pledged: str
    # Appendix
    profiles: tuple[MemberProfile, ...]
    # Declarations and provenance
    declarations: tuple[str, ...]
    provenance: tuple[ProvenanceItem, ...]
    snapshot_sha256: str
    snapshot_ref: str  # first 12 characters, printed in every page footer
    generated_at_iso: str  # for the PDF metadata


def _rule_row(rule: RuleResult, names: dict[int, str]) -> RuleRow:
    failing_names = [names.get(o, f"Organisation {o}") for o in rule.failing_organisation_ids]
    return RuleRow(
        description=rule.description,
        figure=rule.actual_text,
        requirement=rule.required_text,
        verdict="Met" if rule.passed else "Not met",
        passed=rule.passed,
        gap=rule.gap or "",
        failing=join_names(failing_names, limit=20) if failing_names else "",
    )


def _amount_lines(rows: Iterable[AmountRow], whole: int) -> tuple[AmountLine, ...]:
    return tuple(
        AmountLine(
            name=row.name,
            amount=format_pence(row.amount_pence),
            share=percent_text(row.amount_pence, whole),
            members=f"{row.members:,}",
        )
        for row in rows
    )


def _pledge_detail(pledge: SnapshotPledge) -> PledgeDetail:
    explicit = [a for a in pledge.areas if a.amount_pence is not None]
    rest = [a for a in pledge.areas if a.amount_pence is None]
    if not pledge.areas:
        areas = "all its districts, in proportion to its homes there"
    elif not explicit:
        areas = "; ".join(a.district_name for a in rest)
        if len(rest) > 1:
            areas += " (shared in proportion to its homes there)"
    else:
        parts = []
        for area in pledge.areas:
            if area.amount_pence is not None:
                parts.append(f"{area.district_name} ({format_pence(area.amount_pence)})")
            else:
                parts.append(f"{area.district_name} ({'the rest' if len(rest) == 1 else 'a share of the rest'})")
        areas = "; ".join(parts)
    return PledgeDetail(
        heading=f"Pledge {pledge.id}: {format_pence(pledge.amount_pence)}",
        status=f"{PLEDGE_STATUS_NAMES.get(pledge.status, humanise(pledge.status)).lower()}, version {pledge.version}",
        purpose=" ".join(pledge.purpose.split()) or "Not given",
        themes=one_line(", ".join(pledge.themes)) or "None given",
        areas=areas,
        board="yes" if pledge.board_approved else "not yet",
        conditions=" ".join(pledge.conditions.split()) or "none",
        updated=date_text(pledge.updated_at),
    )


def _outcome(member: SnapshotMember, result: MemberResult | None) -> tuple[str, bool, str]:
    """(status for the partner schedule, counted towards the match, outcome sentence)."""
    status = MEMBER_STATUS_NAMES.get(member.member_status, humanise(member.member_status))
    if member.member_status != "joined":
        sentence = (
            "Invited but not yet joined: any pledge is not counted."
            if member.member_status == "invited"
            else "Withdrawn from the bid: any pledge is not counted."
        )
        return status, False, sentence
    if result is None or result.passed:
        return "Joined: counted", True, ""
    reasons = "; ".join(f.message for f in result.failures) or "does not meet a membership rule"
    return "Joined: excluded", False, f"Excluded from the eligible total: {reasons}."


def build_context(snapshot: Snapshot) -> BidContext:
    """Work out and format everything the bid document shows."""
    bid = snapshot.bid
    totals = snapshot.totals
    eligibility = snapshot.eligibility
    sha = snapshot_sha256(snapshot)
    ds = districts()
    names = {m.organisation_id: m.name for m in snapshot.members}
    results = {r.organisation_id: r for r in eligibility.members}
    shares: dict[int, MemberShare] = {s.organisation_id: s for s in totals.members}
    members_sorted = sorted(snapshot.members, key=lambda m: (m.name.casefold(), m.organisation_id))

    joined = [m for m in snapshot.members if m.member_status == "joined"]
    joined_count = len(joined)
    invited_count = sum(1 for m in snapshot.members if m.member_status == "invited")
    withdrawn_count = sum(1 for m in snapshot.members if m.member_status == "withdrawn")
    excluded_results = [
        results[m.organisation_id]
        for m in members_sorted
        if m.member_status == "joined" and m.organisation_id in results and not results[m.organisation_id].passed
    ]
    eligible_members = joined_count - len(excluded_results)
    terms = MatchTerms(bid.match_funder_part, bid.match_consortium_part, bid.match_cap_pence)
    uncapped = totals.eligible_pence * bid.match_funder_part // max(1, bid.match_consortium_part)
    excluded_pence = totals.pledged_pence - totals.eligible_pence
    programme_value = totals.eligible_pence + totals.match_requested_pence
    ratio = ratio_text(bid.match_funder_part, bid.match_consortium_part)

    # --- cover figures
    match_note = (
        f"capped at {format_pence(bid.match_cap_pence)}"
        if totals.match_capped and bid.match_cap_pence is not None
        else f"£{bid.match_funder_part:,} for every £{bid.match_consortium_part:,} pledged"
    )
    member_note = "organisations have joined"
    if invited_count:
        member_note += f"; {invited_count:,} more invited"
    headline = (
        Figure(
            "Pledged by members", format_pence(totals.pledged_pence), f"{format_pence(totals.eligible_pence)} eligible"
        ),
        Figure("Match requested", format_pence(totals.match_requested_pence), match_note),
        Figure("Programme value", format_pence(programme_value), "eligible pledges plus the match"),
        Figure("Members", f"{joined_count:,}", member_note),
        Figure("Homes", f"{totals.homes_covered:,}", "managed by our members"),
        Figure(
            "Districts",
            f"{totals.districts_covered:,}",
            f"of {len(ds):,}, in {regions_text(totals.regions_covered)}",
        ),
    )

    # --- rules
    consortium_rules = tuple(_rule_row(r, names) for r in eligibility.rules if r.scope == "consortium")
    member_rules = tuple(_rule_row(r, names) for r in eligibility.rules if r.scope == "member")
    consortium_results = [r for r in eligibility.rules if r.scope == "consortium"]
    consortium_failed = [r for r in consortium_results if not r.passed]
    member_failed = [r for r in eligibility.rules if r.scope == "member" and not r.passed]
    sentences = []
    if not eligibility.rules:
        sentences.append("The funding call sets no eligibility rules for this bid.")
    if consortium_results:
        if not consortium_failed:
            count = len(consortium_results)
            sentences.append(
                "The consortium meets the funding call's rule for the consortium as a whole."
                if count == 1
                else f"The consortium meets all {count:,} of the funding call's rules for the consortium as a whole."
            )
        else:
            gaps = [f"{r.description} ({r.gap or r.actual_text})" for r in consortium_failed]
            sentences.append(
                f"The consortium meets {len(consortium_results) - len(consortium_failed):,} of the funding call's "
                f"{count_text(len(consortium_results), 'rule')} for the consortium as a whole; still to resolve: "
                f"{join_names(gaps, limit=6)}."
            )
    if member_failed or excluded_results:
        how_many = count_text(len(excluded_results), "does", "do")
        verb = "is" if len(excluded_results) == 1 else "are"
        sentences.append(
            f"Of the {joined_count:,} members, {how_many} not yet meet every rule for individual members and {verb} "
            "left out of the eligible total; the match calculation lists them with the reasons."
        )
    elif any(r.scope == "member" for r in eligibility.rules):
        sentences.append("Every member meets the funding call's rules for individual members.")
    rules_met = " ".join(sentences)

    # --- executive summary
    invited_clause = f" (and has invited {invited_count:,} more)" if invited_count else ""
    p1 = (
        f"{bid.network_name} brings together {count_text(joined_count, 'organisation')}{invited_clause} in one bid "
        f"to {bid.programme} ({bid.funder_name}). Together our members manage "
        f"{count_text(totals.homes_covered, 'home')} across "
        f"{count_text(totals.districts_covered, 'local authority district')} in "
        f"{regions_text(totals.regions_covered)}."
    )
    p2 = f"Members have pledged {format_pence(totals.pledged_pence)} of their own money."
    if excluded_results:
        p2 += (
            f" Of the {joined_count:,} members, {eligible_members:,} meet every membership rule, so "
            f"{format_pence(totals.eligible_pence)} counts towards the match; the "
            f"{format_pence(excluded_pence)} pledged by the other {count_text(len(excluded_results), 'member')} "
            "is set aside until they do."
        )
    else:
        p2 += " Every member meets the membership rules, so all of it counts towards the match."
    p3 = f"The funder gives {ratio}. On {format_pence(totals.eligible_pence)} that comes to {format_pence(uncapped)}"
    if totals.match_capped and bid.match_cap_pence is not None:
        p3 += f", more than the programme's cap of {format_pence(bid.match_cap_pence)}, so we request the cap."
    else:
        p3 += ", which we request in full."
    p3 += f" With the match, the programme is worth {format_pence(programme_value)}."
    summary = [p1, p2, p3, rules_met]
    top_regions = [r for r in totals.by_region if r.amount_pence > 0][:3]
    allocated = sum(r.amount_pence for r in totals.by_region)
    if top_regions:
        where = [
            f"{r.name} ({format_pence(r.amount_pence)}, {percent_text(r.amount_pence, allocated)})" for r in top_regions
        ]
        funded_regions = sum(1 for r in totals.by_region if r.amount_pence > 0)
        p5 = f"The money reaches {regions_text(funded_regions)}. The most goes to {join_names(where)}."
        if totals.overlap:
            p5 += (
                f" More than one member works in {count_text(len(totals.overlap), 'district')}; members there "
                "will coordinate so that the money reaches more homes rather than the same ones twice."
            )
        summary.append(p5)
    top_themes = [t for t in totals.by_theme if t.amount_pence > 0][:3]
    if top_themes:
        summary.append(
            "By theme, the largest commitments are to "
            + join_names([f"{t.name} ({format_pence(t.amount_pence)})" for t in top_themes])
            + "."
        )

    # --- match calculation
    pledge_count = totals.pledges_by_status.get("submitted", 0)
    calculation = (
        CalculationStep(
            1,
            "Pledged by members",
            f"{count_text(pledge_count, 'submitted pledge')} from {count_text(joined_count, 'joined member')}",
            format_pence(totals.pledged_pence),
            "figure",
        ),
        CalculationStep(
            2,
            "Less: members not meeting the membership rules",
            (
                f"{count_text(len(excluded_results), 'member')}, listed below with the reasons"
                if excluded_results
                else "None: every member meets the membership rules"
            ),
            "−" + format_pence(excluded_pence) if excluded_pence else format_pence(0),
            "less",
        ),
        CalculationStep(
            3, "Eligible pledges", "The consortium's match funding", format_pence(totals.eligible_pence), "subtotal"
        ),
        CalculationStep(
            4,
            "Match at the funder's ratio",
            f"{ratio}: {format_pence(totals.eligible_pence)} × {bid.match_funder_part:,} "
            f"÷ {bid.match_consortium_part:,}",
            format_pence(uncapped),
            "figure",
        ),
        CalculationStep(
            5,
            "Cap on the match",
            (
                "The programme sets no cap"
                if bid.match_cap_pence is None
                else f"The programme caps the match at {format_pence(bid.match_cap_pence)}: "
                + ("the cap applies" if totals.match_capped else "the cap does not apply")
            ),
            "No cap" if bid.match_cap_pence is None else format_pence(bid.match_cap_pence),
            "figure",
        ),
        CalculationStep(
            6, "Match requested", "The smaller of steps 4 and 5", format_pence(totals.match_requested_pence), "result"
        ),
        CalculationStep(
            7,
            "Total programme value",
            "Eligible pledges (step 3) plus match requested (step 6)",
            format_pence(programme_value),
            "result",
        ),
    )
    excluded = tuple(
        ExcludedMember(
            name=names.get(r.organisation_id, r.name),
            amount=format_pence(r.pledged_pence),
            reasons=tuple(f.message for f in r.failures) or ("Does not meet a membership rule",),
        )
        for r in excluded_results
    )
    excluded_pledged = format_pence(sum(r.pledged_pence for r in excluded_results))
    excluded_summary = (
        ""
        if not excluded
        else f"1 member who has joined does not meet every membership rule; its pledges total {excluded_pledged}."
        if len(excluded) == 1
        else f"{len(excluded):,} members who have joined do not meet every membership rule; their pledges total "
        f"{excluded_pledged}."
    )
    calculation_notes = [
        "Only submitted pledges from members who have joined the consortium are counted; pledges from invited or "
        "withdrawn members are not. Pledges not yet submitted, or withdrawn, are not part of this document."
    ]
    if terms.match_for(totals.eligible_pence) != (totals.match_requested_pence, totals.match_capped):
        calculation_notes.append("The match requested is the figure recorded by the analysis at the snapshot.")
    if invited_count or withdrawn_count:
        calculation_notes.append(
            f"Not counted: {count_text(invited_count, 'invited organisation')} and "
            f"{count_text(withdrawn_count, 'withdrawn member')}."
        )

    # --- coverage
    by_district = {r.key: r.amount_pence for r in totals.by_district}
    largest = totals.by_district[0] if totals.by_district else None
    map_title = (
        f"Hex map of the {len(ds):,} UK local authority districts, shaded by the money our members allocate to each. "
        f"{count_text(sum(1 for v in by_district.values() if v > 0), 'district receives', 'districts receive')} money"
        + (f"; the most goes to {largest.name} ({format_pence(largest.amount_pence)})." if largest else ".")
    )
    map_svg = hex_map_svg(
        by_district,
        title=map_title,
        description="Darker hexagons receive more money; grey hexagons receive none. Region and nation boundaries "
        "are drawn as dark lines. The table after the map lists the same figures.",
        legend_title="Money allocated",
        id_prefix="map-money",
        hex_titles=False,
    )
    region_bars = [Bar(r.name, r.amount_pence) for r in totals.by_region]
    region_chart = bar_chart_svg(
        region_bars,
        title="Bar chart of money allocated by region and nation: "
        + "; ".join(f"{r.name} {format_pence(r.amount_pence)}" for r in totals.by_region[:12]),
        description="Horizontal bars, largest first. The table below gives the same figures.",
        id_prefix="chart-regions",
    )
    nation_amounts: dict[str, int] = defaultdict(int)
    nation_members: dict[str, int] = defaultdict(int)
    for row in totals.by_region:
        nation_amounts[nation_of_region(row.key)] += row.amount_pence
    for share in totals.members:
        if share.member_status == "joined":
            for nation in {nation_of_region(code) for code in share.regions if code in REGIONS or code in NATIONS}:
                nation_members[nation] += 1
    nations = tuple(
        AmountLine(
            name=name,
            amount=format_pence(nation_amounts.get(code, 0)),
            share=percent_text(nation_amounts.get(code, 0), allocated),
            members=f"{nation_members.get(code, 0):,}",
        )
        for code, name in NATIONS.items()
    )
    district_lines = tuple(
        DistrictLine(
            name=row.name,
            region=ds[row.key].region_name if row.key in ds else "",
            amount=format_pence(row.amount_pence),
            members=f"{row.members:,}",
        )
        for row in sorted(
            totals.by_district,
            key=lambda r: (ds[r.key].region_name if r.key in ds else "~", r.name.casefold(), r.key),
        )
        if row.amount_pence > 0
    )
    coverage_notes = [
        f"Money is placed in districts as each pledge says; a pledge naming no districts is spread over the "
        f"member's districts in proportion to its homes there. In total {format_pence(allocated)} is placed in "
        f"{count_text(len(district_lines), 'district')}."
    ]
    if totals.unallocated_pence:
        coverage_notes.append(
            f"{format_pence(totals.unallocated_pence)} could not be placed in a district (the pledge names none and "
            "the member has recorded no coverage)."
        )
    overlap = tuple(
        OverlapLine(
            district=row.name,
            region=ds[row.district_code].region_name if row.district_code in ds else "",
            count=f"{len(row.organisation_ids):,}",
            organisations=join_names(row.organisation_names, limit=OVERLAP_NAMES_SHOWN),
        )
        for row in totals.overlap
    )
    overlap_summary = (
        f"{count_text(len(overlap), 'district is', 'districts are')} served by more than one member. "
        "Members working in the same district have agreed to coordinate so that the money reaches more homes "
        "rather than the same ones twice."
        if overlap
        else "No district is served by more than one member."
    )

    # --- themes and organisation types
    theme_total = sum(r.amount_pence for r in totals.by_theme)
    theme_chart = bar_chart_svg(
        [Bar(r.name, r.amount_pence) for r in totals.by_theme],
        title="Bar chart of money by theme: "
        + "; ".join(f"{truncate(r.name, 60)} {format_pence(r.amount_pence)}" for r in totals.by_theme[:10]),
        description="Horizontal bars, largest first. The table beside the chart gives the same figures.",
        id_prefix="chart-themes",
    )
    type_total = sum(r.amount_pence for r in totals.by_org_type)
    type_chart = bar_chart_svg(
        [Bar(r.name, r.amount_pence) for r in totals.by_org_type],
        title="Bar chart of money by type of organisation: "
        + "; ".join(f"{r.name} {format_pence(r.amount_pence)}" for r in totals.by_org_type[:10]),
        description="Horizontal bars, largest first. The table beside the chart gives the same figures.",
        id_prefix="chart-org-types",
        colour="#2f6f8f",
    )

    # --- partners and profiles
    partners = []
    profiles = []
    for number, member in enumerate(members_sorted, start=1):
        result = results.get(member.organisation_id)
        status, counted, sentence = _outcome(member, result)
        member_share = shares.get(member.organisation_id)
        pledged = (
            member_share.pledged_pence
            if member_share is not None
            else sum(p.amount_pence for p in member.pledges if p.status == "submitted")
        )
        region_names = sorted({c.region_name for c in member.coverage})
        anchor = f"member-{member.organisation_id}"
        partners.append(
            PartnerRow(
                number=number,
                anchor=anchor,
                name=member.name,
                org_type=org_type_name(member.org_type),
                identifier=member.identifier or "None",
                homes=homes_text(member.homes),
                homes_label="homes not given" if member.homes is None else count_text(member.homes, "home"),
                pledge=format_pence(pledged),
                regions=", ".join(region_names) or "None recorded",
                status=status,
                counted=counted,
            )
        )
        summary_bits = [org_type_name(member.org_type)]
        if member.identifier:
            summary_bits.append(member.identifier)
        summary_bits.append("homes not given" if member.homes is None else count_text(member.homes, "home"))
        contact_bits = [one_line(b) for b in (member.contact_name, member.contact_email) if b and b.strip()]
        pledges = sorted(member.pledges, key=lambda p: p.id)
        coverage_parts = [
            c.district_name + ("" if c.homes is None else f" {c.homes:,}")
            for c in sorted(member.coverage, key=lambda c: (c.region_name, c.district_name.casefold(), c.district_code))
        ]
        profiles.append(
            MemberProfile(
                anchor=anchor,
                name=member.name,
                summary=" · ".join(summary_bits),
                status=status,
                outcome=sentence,
                counted=counted,
                description=paragraphs(member.description) or ("No description given.",),
                contact=", ".join(contact_bits) or "Not given",
                website=one_line(member.website or "") or "Not given",
                coverage="; ".join(coverage_parts) or "No districts recorded",
                coverage_count=count_text(len(member.coverage), "district"),
                coverage_homes_known=any(c.homes is not None for c in member.coverage),
                regions=", ".join(region_names) or "None recorded",
                pledges=tuple(_pledge_detail(p) for p in pledges if p.status == "submitted"),
            )
        )

    # --- declarations and provenance
    declarations = (
        f"This bid to {bid.programme} (funder: {bid.funder_name}) is made by {bid.network_name} on behalf of the "
        "members listed in the partner schedule.",
        "Each member has recorded its own pledge, coverage and details in Consortium. Only submitted pledges of "
        "members who have joined and who meet every membership rule count towards the match requested.",
        "Every figure in this document is calculated from one snapshot of the bid, taken at the time shown below. "
        "The snapshot is attached to this PDF as snapshot.json and every submitted pledge as pledges.csv, so the "
        "figures can be checked independently. The SHA-256 digest of snapshot.json is printed below and, "
        "shortened, in the footer of every page.",
    )
    status_name = BID_STATUS_NAMES.get(bid.status, humanise(bid.status))
    provenance = (
        ProvenanceItem("Generated by", snapshot.generated_by),
        ProvenanceItem("Generated at", datetime_text(snapshot.generated_at)),
        ProvenanceItem("Document version", f"Version {snapshot.document_version}"),
        ProvenanceItem("Bid reference", f"Bid {bid.id}, status: {status_name}"),
        ProvenanceItem("Snapshot format", f"Schema version {snapshot.schema_version}"),
        ProvenanceItem("Snapshot SHA-256", sha),
        ProvenanceItem("Attachments", "snapshot.json (the snapshot); pledges.csv (one row per submitted pledge)"),
    )

    return BidContext(
        title=bid.title,
        running_title=truncate(bid.title, 90),
        long_title=len(bid.title) > 90,
        network_name=bid.network_name,
        funder_name=bid.funder_name,
        funder_org_id=bid.funder_org_id or "",
        programme=bid.programme,
        deadline=datetime_text(bid.deadline),
        status=status_name,
        is_final=bid.status in ("locked", "submitted"),
        prepared_on=date_text(snapshot.generated_at),
        version=f"Version {snapshot.document_version}",
        themes=", ".join(bid.themes),
        headline=headline,
        verdict=eligibility.verdict,
        eligible=eligibility.eligible,
        summary=tuple(summary),
        calculation=calculation,
        excluded=excluded,
        excluded_summary=excluded_summary,
        calculation_notes=tuple(calculation_notes),
        consortium_rules=consortium_rules,
        member_rules=member_rules,
        rules_met=rules_met,
        map_svg=Markup(map_svg),  # noqa: S704 - built by our code, every text escaped
        region_chart_svg=Markup(region_chart),  # noqa: S704
        regions=_amount_lines(totals.by_region, allocated),
        nations=nations,
        districts=district_lines,
        district_groups=tuple(
            DistrictGroup(region, tuple(lines)) for region, lines in groupby(district_lines, key=lambda d: d.region)
        ),
        coverage_notes=tuple(coverage_notes),
        overlap=overlap,
        overlap_summary=overlap_summary,
        theme_chart_svg=Markup(theme_chart),  # noqa: S704
        themes_table=_amount_lines(totals.by_theme, theme_total),
        org_type_chart_svg=Markup(type_chart),  # noqa: S704
        org_types_table=_amount_lines(totals.by_org_type, type_total),
        partners=tuple(partners),
        partners_total_homes=f"{sum(m.homes or 0 for m in joined):,}",
        partners_total_pledged=format_pence(totals.pledged_pence),
        profiles=tuple(profiles),
        declarations=declarations,
        provenance=provenance,
        snapshot_sha256=sha,
        snapshot_ref=sha[:12],
        generated_at_iso=as_utc(snapshot.generated_at).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
