"""Where the money goes (``templates/bid/coverage.html``): the map, money by region, nation and district, and the
districts more than one member works in.

Every figure here is where the money goes (allocation): the districts and regions with allocated money, and the
members putting money there. Where members work (their coverage) is said once, in the notes, with its own label,
and is the figure the overlap table lists.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby

from markupsafe import Markup

from consortium.analysis import measures
from consortium.analysis.results import AmountRow
from consortium.documents.charts import Bar, bar_chart_svg
from consortium.documents.hexmap import hex_map_svg, map_scope, scope_text
from consortium.documents.sections.facts import Facts, regions_of_uk
from consortium.reference.districts import districts
from consortium.words import count_text, join_names, money_column, money_text, percent_text

OVERLAP_NAMES_SHOWN = 6  # organisations named per shared district; the rest are counted
NOT_RECORDED = "Not recorded"  # a snapshot made before members' money regions were recorded


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
class CoverageContext:
    map_svg: Markup
    notes: tuple[str, ...]
    region_chart_svg: Markup
    regions: tuple[AmountLine, ...]
    nations: tuple[AmountLine, ...]
    districts: tuple[DistrictLine, ...]
    district_groups: tuple[DistrictGroup, ...]  # the same lines, one group per region or nation, in order
    overlap: tuple[OverlapLine, ...]
    overlap_summary: str


def amount_lines(rows: Sequence[AmountRow], whole: int) -> tuple[AmountLine, ...]:
    """A table of amounts with their share of ``whole`` and the members contributing: one money column."""
    amounts = money_column([row.amount_pence for row in rows])
    return tuple(
        AmountLine(row.name, amount, percent_text(row.amount_pence, whole), f"{row.members:,}")
        for row, amount in zip(rows, amounts, strict=True)
    )


def build(facts: Facts) -> CoverageContext:
    snapshot = facts.snapshot
    totals = snapshot.totals
    allocated = sum(r.amount_pence for r in totals.by_region)  # the pledged total, unallocated money included
    placed_rows = [r for r in totals.by_district if r.amount_pence > 0]
    placed = sum(r.amount_pence for r in placed_rows)
    scope = map_scope(snapshot.rules)

    largest = placed_rows[0] if placed_rows else None
    map_title = (
        f"Hex map of the local authority districts of {scope_text(scope)}, shaded by the money our members "
        f"allocate to each. {measures.MONEY_DISTRICTS.label}: {facts.money_districts:,}"
        + (f"; the most goes to {largest.name} ({money_text(largest.amount_pence)})." if largest else ".")
    )
    map_svg = hex_map_svg(
        {r.key: r.amount_pence for r in totals.by_district},
        title=map_title,
        description="Darker hexagons receive more money; grey hexagons receive none. Region and nation boundaries "
        "are drawn as dark lines. The tables after the map list the same figures.",
        legend_title="Money allocated",
        id_prefix="map-money",
        hex_titles=False,
        scope=scope,
    )

    region_amounts = money_column([r.amount_pence for r in totals.by_region])
    region_chart = bar_chart_svg(
        [Bar(r.name, r.amount_pence, text) for r, text in zip(totals.by_region, region_amounts, strict=True)],
        title="Bar chart of money allocated by region and nation: "
        + "; ".join(f"{r.name} {text}" for r, text in zip(totals.by_region[:12], region_amounts, strict=False)),
        description="Horizontal bars, largest first. The table below gives the same figures.",
        id_prefix="chart-regions",
    )

    recorded = facts.money_regions_recorded
    nation_figures = measures.by_nation(totals.by_region, totals.members)
    nation_amounts = money_column([n.amount_pence for n in nation_figures])
    nations = tuple(
        AmountLine(
            n.name, amount, percent_text(n.amount_pence, allocated), f"{n.members:,}" if recorded else NOT_RECORDED
        )
        for n, amount in zip(nation_figures, nation_amounts, strict=True)
    )

    ds = districts()

    def region_of(code: str) -> str:
        return ds[code].region_name if code in ds else ""

    ordered = sorted(placed_rows, key=lambda r: (region_of(r.key) or "~", r.name.casefold(), r.key))
    district_amounts = money_column([r.amount_pence for r in ordered])  # one column across every region's table
    district_lines = tuple(
        DistrictLine(r.name, region_of(r.key), amount, f"{r.members:,}")
        for r, amount in zip(ordered, district_amounts, strict=True)
    )

    notes = [
        "Money is placed in districts as each pledge says; a pledge naming no districts is spread over the member's "
        f"districts in proportion to its homes there. In total {money_text(placed)} is placed in "
        f"{count_text(facts.money_districts, 'district')} {regions_of_uk(facts.money_regions)} "
        f"({measures.MONEY_DISTRICTS.label.lower()}). Members work in "
        f"{count_text(totals.districts_covered, 'district')} {regions_of_uk(totals.regions_covered)} "
        f"({measures.WORK_DISTRICTS.label.lower()}): a district where a member works but places no money is not "
        "shaded."
    ]
    if totals.unallocated_pence:
        notes.append(
            f"{money_text(totals.unallocated_pence)} could not be placed in a district (the pledge names none and "
            "the member has recorded no districts it works in)."
        )
    overlap = tuple(
        OverlapLine(
            district=row.name,
            region=region_of(row.district_code),
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
    return CoverageContext(
        map_svg=Markup(map_svg),  # noqa: S704 - built by our code, every text escaped
        notes=tuple(notes),
        region_chart_svg=Markup(region_chart),  # noqa: S704
        regions=amount_lines(totals.by_region, allocated),
        nations=nations,
        districts=district_lines,
        district_groups=tuple(
            DistrictGroup(region, tuple(lines)) for region, lines in groupby(district_lines, key=lambda d: d.region)
        ),
        overlap=overlap,
        overlap_summary=overlap_summary,
    )
