"""Every figure of a bid named once: what it measures, what people read beside it, and how it is written.

A bid has figures that sound alike and are not: the districts where members *work* (their coverage) are not the
districts the money *goes* to (where their pledges are allocated), and a member's share of the *pledged* total is
not its share of the *eligible* total, which is what the largest-share rule judges. Each is a ``Measure`` here
with one definition, one label and one formatter; the API's schema, the pages, the bid document and the command
line all take their words from it, so the same label always means the same figure.

The values themselves are worked out in ``consortium.analysis.totals`` (``Totals``) and the consortium rules
(``consortium.analysis.rules.ConsortiumFigures``); the helpers below derive what a page or a section needs from
those, the same way everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

import msgspec

from consortium.reference.districts import NATIONS, REGIONS, nation_of_region
from consortium.words import count_text, money_text, percent_text

if TYPE_CHECKING:
    from consortium.analysis.results import AmountRow, MemberShare, Totals

Unit = Literal["money", "count", "share"]


@dataclass(frozen=True)
class Measure:
    key: str  # the field that holds it (in Totals, or the name of the derived figure)
    label: str  # what people read beside the figure
    definition: str  # one sentence: what exactly is counted (API descriptions, notes)
    unit: Unit
    singular: str = ""  # counts: the noun, "district"
    plural: str = ""
    after: str = ""  # shares: the words after the figure, "of the eligible total"

    def text(self, value: int) -> str:
        """The figure as people read it: '£1,250,000', '12 districts'."""
        if self.unit == "money":
            return money_text(value)
        if self.unit == "count":
            return count_text(value, self.singular, self.plural or None)
        raise TypeError(f"{self.key} is a share: use share_text")

    def number(self, value: int) -> str:
        """A count without its noun, for a table cell under the label: '12'."""
        return f"{value:,}"

    def schema(self) -> msgspec.Meta:
        """How the API's schema describes a field holding this measure: its label and definition."""
        return msgspec.Meta(title=self.label, description=self.definition)


# --- money ----------------------------------------------------------------------------------------------------------

PLEDGED = Measure(
    "pledged_pence",
    "Pledged by members",
    "The submitted pledges of members who have joined the bid.",
    "money",
)
ELIGIBLE = Measure(
    "eligible_pence",
    "Eligible pledges",
    "The submitted pledges of joined members who meet every membership rule: what the match is worked out on.",
    "money",
)
MATCH_REQUESTED = Measure(
    "match_requested_pence",
    "Match requested",
    "The eligible pledges times the funder's ratio, rounded down to the penny, and no more than the cap.",
    "money",
)
PROGRAMME_VALUE = Measure(
    "programme_value_pence",
    "Programme value",
    "The eligible pledges plus the match requested.",
    "money",
)
UNALLOCATED = Measure(
    "unallocated_pence",
    "Not yet placed in a district",
    "Pledged money that names no district, from members who have recorded no districts they work in.",
    "money",
)

# --- people and homes -----------------------------------------------------------------------------------------------

MEMBERS = Measure(
    "joined_members",
    "Members",
    "Organisations that have joined the bid (not those only invited, waiting for approval or withdrawn).",
    "count",
    "member",
)
HOMES = Measure(
    "homes_covered",
    "Homes",
    "The homes joined members manage: each member's own figure, or else the homes in the districts it works in.",
    "count",
    "home",
)

# --- where members work (coverage) and where the money goes (allocation) --------------------------------------------

WORK_DISTRICTS = Measure(
    "districts_covered",
    "Districts where members work",
    "Distinct local authority districts that joined members say they work in (their coverage), with or without "
    "money in them.",
    "count",
    "district",
)
WORK_REGIONS = Measure(
    "regions_covered",
    "Regions where members work",
    "Distinct regions of those districts; Wales, Scotland and Northern Ireland each count as one region.",
    "count",
    "region",
)
MONEY_DISTRICTS = Measure(
    "money_districts",
    "Districts the money reaches",
    "Distinct districts that receive some of the pledged money of joined members, as each pledge is allocated "
    "(its own districts, or else the member's districts in proportion to its homes).",
    "count",
    "district",
)
MONEY_REGIONS = Measure(
    "money_regions",
    "Regions the money reaches",
    "Distinct regions of the districts the money reaches; Wales, Scotland and Northern Ireland each count as one "
    "region.",
    "count",
    "region",
)
ELIGIBLE_MONEY_DISTRICTS = Measure(
    "eligible_money_districts",
    "Districts the eligible money reaches",
    "As the districts the money reaches, counting only eligible pledges: what the minimum districts rule judges.",
    "count",
    "district",
)
ELIGIBLE_MONEY_REGIONS = Measure(
    "eligible_money_regions",
    "Regions the eligible money reaches",
    "As the regions the money reaches, counting only eligible pledges: what the minimum regions rule judges.",
    "count",
    "region",
)

# --- one member's share ---------------------------------------------------------------------------------------------

SHARE_OF_PLEDGED = Measure(
    "share_of_pledged",
    "Share of the pledged total",
    "A joined member's submitted pledges over the pledged total, rounded down.",
    "share",
    after="of the pledged total",
)
SHARE_OF_ELIGIBLE = Measure(
    "share_of_eligible",
    "Share of the eligible total",
    "An eligible member's pledges over the eligible total, rounded down: what the largest member share rule judges.",
    "share",
    after="of the eligible total",
)

# The Totals fields that are measures, for the API's schema and the checks that every place agrees.
TOTALS_MEASURES: dict[str, Measure] = {
    m.key: m
    for m in (PLEDGED, ELIGIBLE, MATCH_REQUESTED, HOMES, WORK_DISTRICTS, WORK_REGIONS, MONEY_DISTRICTS, MONEY_REGIONS)
}
MEASURES: tuple[Measure, ...] = (
    PLEDGED,
    ELIGIBLE,
    MATCH_REQUESTED,
    PROGRAMME_VALUE,
    UNALLOCATED,
    MEMBERS,
    HOMES,
    WORK_DISTRICTS,
    WORK_REGIONS,
    MONEY_DISTRICTS,
    MONEY_REGIONS,
    ELIGIBLE_MONEY_DISTRICTS,
    ELIGIBLE_MONEY_REGIONS,
    SHARE_OF_PLEDGED,
    SHARE_OF_ELIGIBLE,
)


def readme_list() -> str:
    """The README's list of measures ("How the figures work"), in Markdown: each label with its definition, in the
    order of ``MEASURES``. tests/analysis/test_measures_readme.py checks the README holds exactly this."""
    return "".join(f"- **{m.label}**: {m.definition}\n" for m in MEASURES)


def share_text(part: int, whole: int, limit_percent: int | None = None) -> str:
    """One member's share of a total, as the largest member share rule writes it: a whole percent rounded down,
    with a decimal (or "just over") when a whole percent would hide that it is over ``limit_percent``."""
    return percent_text(part, whole, decimals=0, limit=limit_percent)


def labelled_share(measure: Measure, part: int, whole: int, limit_percent: int | None = None) -> str:
    """'26% of the eligible total'."""
    return f"{share_text(part, whole, limit_percent)} {measure.after}"


# --- derived figures ------------------------------------------------------------------------------------------------


def programme_value(totals: Totals) -> int:
    return totals.eligible_pence + totals.match_requested_pence


def money_districts(by_district: Iterable[AmountRow]) -> int:
    """MONEY_DISTRICTS from the money by district."""
    return sum(1 for row in by_district if row.amount_pence > 0)


def money_regions(by_region: Iterable[AmountRow]) -> int:
    """MONEY_REGIONS from the money by region (the unallocated and unrecognised rows are not regions)."""
    return sum(1 for row in by_region if row.key in REGIONS and row.amount_pence > 0)


def region_names(codes: Iterable[str]) -> list[str]:
    """Region names in the reference's order (north to south, then Wales, Scotland, Northern Ireland)."""
    wanted = set(codes)
    return [name for code, name in REGIONS.items() if code in wanted]


class HasReach(Protocol):
    """The reach figures of the full totals and of the headline totals every member sees."""

    @property
    def districts_covered(self) -> int: ...
    @property
    def regions_covered(self) -> int: ...
    @property
    def money_districts(self) -> int: ...
    @property
    def money_regions(self) -> int: ...


@dataclass(frozen=True)
class Reach:
    label: str  # the districts' measure label
    districts: str  # "12 districts"
    regions: str  # "in 3 regions"


def reach(totals: HasReach) -> list[Reach]:
    """Where members work (coverage) and where the money goes (allocation), each under its own label: what pages
    show beside the totals (also a template global, ``reach(totals)``)."""
    return [
        Reach(
            WORK_DISTRICTS.label,
            WORK_DISTRICTS.text(totals.districts_covered),
            f"in {WORK_REGIONS.text(totals.regions_covered)}",
        ),
        Reach(
            MONEY_DISTRICTS.label,
            MONEY_DISTRICTS.text(totals.money_districts),
            f"in {MONEY_REGIONS.text(totals.money_regions)}",
        ),
    ]


@dataclass(frozen=True)
class NationFigure:
    code: str
    name: str
    amount_pence: int  # money allocated to the nation's districts
    members: int  # joined members with money there: the same members as the region rows count


def by_nation(by_region: Sequence[AmountRow], members: Sequence[MemberShare]) -> list[NationFigure]:
    """Money by nation and the members putting money there: both from where the money goes (allocation)."""
    amounts: dict[str, int] = dict.fromkeys(NATIONS, 0)
    for row in by_region:
        if row.key in REGIONS:
            amounts[nation_of_region(row.key)] += row.amount_pence
    counts: dict[str, int] = dict.fromkeys(NATIONS, 0)
    for share in members:
        if share.member_status == "joined":
            for nation in {nation_of_region(code) for code in share.money_regions if code in REGIONS}:
                counts[nation] += 1
    return [NationFigure(code, name, amounts[code], counts[code]) for code, name in NATIONS.items()]
