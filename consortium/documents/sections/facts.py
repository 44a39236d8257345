"""What several sections of the bid document read, worked out once from the snapshot.

``Facts`` holds the snapshot's figures looked up and counted (members by status, the excluded members, the match
before its cap ...), never formatted: each section writes its own words from them, with the measures' labels
(``consortium.analysis.measures``) and the formatters of ``consortium.words``. ``headline`` is the one list of
headline figures, shown on the cover and in the summary's "at a glance" table alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from consortium.analysis import measures
from consortium.analysis.results import MemberResult, MemberShare
from consortium.documents.snapshot import Snapshot, SnapshotMember, snapshot_sha256
from consortium.reference.districts import REGIONS
from consortium.words import money_column, money_text, status_name


@dataclass(frozen=True)
class Facts:
    snapshot: Snapshot
    sha256: str
    names: dict[int, str]  # organisation id -> name
    results: dict[int, MemberResult]  # organisation id -> its eligibility
    shares: dict[int, MemberShare]  # organisation id -> its figures in the totals
    members: tuple[SnapshotMember, ...]  # every member, by name: the order of the schedule and the appendix
    joined: int
    invited: int
    withdrawn: int
    excluded: tuple[MemberResult, ...]  # joined members failing a membership rule, by name
    uncapped_match_pence: int  # the match at the funder's ratio, before any cap
    excluded_pence: int  # pledged by the excluded members
    programme_value_pence: int
    money_districts: int  # measures.MONEY_DISTRICTS
    money_regions: int  # measures.MONEY_REGIONS
    status: str  # the bid's status in words

    @property
    def eligible_members(self) -> int:
        return self.joined - len(self.excluded)

    @property
    def money_regions_recorded(self) -> bool:
        """Whether the snapshot says where each member's money goes (those made before it did read empty lists)."""
        totals = self.snapshot.totals
        has_money = any(r.key in REGIONS for r in totals.by_region)
        return not has_money or any(s.money_regions for s in totals.members)

    def name_of(self, organisation_id: int) -> str:
        return self.names.get(organisation_id, "An organisation no longer in the bid")


def facts_of(snapshot: Snapshot, sha256: str | None = None) -> Facts:
    """``sha256``: of the stored snapshot.json, when there is one (see ``render_pdf``)."""
    bid, totals, eligibility = snapshot.bid, snapshot.totals, snapshot.eligibility
    results = {r.organisation_id: r for r in eligibility.members}
    members = tuple(sorted(snapshot.members, key=lambda m: (m.name.casefold(), m.organisation_id)))
    excluded = tuple(
        results[m.organisation_id]
        for m in members
        if m.member_status == "joined" and m.organisation_id in results and not results[m.organisation_id].passed
    )
    return Facts(
        snapshot=snapshot,
        sha256=sha256 or snapshot_sha256(snapshot),
        names={m.organisation_id: m.name for m in snapshot.members},
        results=results,
        shares={s.organisation_id: s for s in totals.members},
        members=members,
        joined=sum(1 for m in snapshot.members if m.member_status == "joined"),
        invited=sum(1 for m in snapshot.members if m.member_status == "invited"),
        withdrawn=sum(1 for m in snapshot.members if m.member_status == "withdrawn"),
        excluded=excluded,
        uncapped_match_pence=totals.eligible_pence * bid.match_funder_part // max(1, bid.match_consortium_part),
        excluded_pence=totals.pledged_pence - totals.eligible_pence,
        programme_value_pence=measures.programme_value(totals),
        # Counted from the rows, as Totals counts them: snapshots made before Totals held them read the same.
        money_districts=measures.money_districts(totals.by_district),
        money_regions=measures.money_regions(totals.by_region),
        status=status_name(bid.status),
    )


# --- the headline figures -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    label: str  # a measure's label
    value: str
    note: str


def regions_of_uk(count: int) -> str:
    """'in 3 of the UK's 12 regions', 'in all 12 of the UK's regions'."""
    if count == len(REGIONS):
        return f"in all {len(REGIONS)} of the UK's regions"
    return f"in {count:,} of the UK's {len(REGIONS)} regions"


def headline(facts: Facts) -> tuple[Figure, ...]:
    """The figures the cover shows and the summary tabulates: the same values, labels and notes in both."""
    bid, totals = facts.snapshot.bid, facts.snapshot.totals
    pledged, match, value = money_column(
        [totals.pledged_pence, totals.match_requested_pence, facts.programme_value_pence]
    )
    match_note = (
        f"capped at {money_text(bid.match_cap_pence)}"
        if totals.match_capped and bid.match_cap_pence is not None
        else f"£{bid.match_funder_part:,} for every £{bid.match_consortium_part:,} eligible"
    )
    members_note = f"have joined; they manage {measures.HOMES.text(totals.homes_covered)}"
    if facts.invited:
        members_note += f"; {facts.invited:,} more invited"
    return (
        Figure(measures.PLEDGED.label, pledged, f"{money_text(totals.eligible_pence)} of it eligible"),
        Figure(measures.MATCH_REQUESTED.label, match, match_note),
        Figure(measures.PROGRAMME_VALUE.label, value, "eligible pledges plus the match"),
        Figure(measures.MEMBERS.label, measures.MEMBERS.number(facts.joined), members_note),
        Figure(
            measures.WORK_DISTRICTS.label,
            measures.WORK_DISTRICTS.number(totals.districts_covered),
            f"{regions_of_uk(totals.regions_covered)}: the districts members say they work in",
        ),
        Figure(
            measures.MONEY_DISTRICTS.label,
            measures.MONEY_DISTRICTS.number(facts.money_districts),
            f"{regions_of_uk(facts.money_regions)}: where the pledges are allocated",
        ),
    )
