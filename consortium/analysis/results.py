"""What the analysis returns: plain msgspec structs shared by the API, the pages, the snapshot and the PDF."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from consortium.analysis import measures

Scope = Literal["member", "consortium"]

# Every struct here is declared gc=False: a bid's results are tens of thousands of acyclic structs (a member
# result, failure and share per member), and leaving them out of the cyclic collector's bookkeeping saves about
# half of the collector's time while they are built (~30 ms of a 10,000-member bid page). They hold numbers,
# strings and lists of those or of other results, built as trees: no cycle to collect (code that put a result
# into one of its own lists would leak it).


class MemberFailure(msgspec.Struct, frozen=True, gc=False):
    key: str  # the rule's key, e.g. "min_pledge"
    message: str  # "Pledge is £5,000; the minimum is £10,000 (£5,000 short)"


class MemberResult(msgspec.Struct, frozen=True, gc=False):
    organisation_id: int
    name: str
    member_status: str
    pledged_pence: int  # submitted pledges
    passed: bool  # passes every member rule (only joined members can pass)
    failures: list[MemberFailure]


class RuleResult(msgspec.Struct, frozen=True, gc=False):
    key: str
    scope: Scope
    description: str  # "Each member pledges at least £10,000"
    passed: bool
    actual: int | None  # the figure measured (pence, count, percent in basis points ...), None when n/a
    required: int | None  # the figure the rule asks for
    actual_text: str  # "£750,000", "3 regions", "31%"
    required_text: str  # "at least £1,000,000"
    gap: str | None  # "£250,000 short", "2 more regions needed"; None when passed
    failing_organisation_ids: list[int]  # member-scope rules (and share limits): who fails it


class WhatIf(msgspec.Struct, frozen=True, gc=False):
    """The change a "what if" answer was worked out for (a field left null: not part of the change)."""

    without_organisation_id: int | None = None  # as if this member had withdrawn
    organisation_id: int | None = None  # as if this member's submitted pledges added up to pledged_pence
    pledged_pence: int | None = None

    @classmethod
    def asked(cls, without: int | None, organisation_id: int | None, pledged_pence: int | None) -> WhatIf | None:
        """The "what if" a request (or a command) asks, or None: the figures as they are."""
        if without is None and organisation_id is None and pledged_pence is None:
            return None
        return cls(without, organisation_id, pledged_pence)


class Eligibility(msgspec.Struct, frozen=True, gc=False):
    eligible: bool
    verdict: str  # one sentence a convenor can read aloud
    rules: list[RuleResult]
    members: list[MemberResult]
    without_organisation_id: int | None = None  # set for "what if this member withdraws"
    # The eligible total (Totals.eligible_pence: submitted pledges of members passing every member rule). Read back
    # from a snapshot made before it was recorded, it is 0.
    eligible_pence: Annotated[int, measures.ELIGIBLE.schema()] = 0
    what_if: WhatIf | None = None  # set when these figures are a "what if"


class AmountRow(msgspec.Struct, frozen=True, gc=False):
    key: str  # region code, district code, theme, or organisation type
    name: str  # what people read
    amount_pence: int
    members: int  # distinct members contributing


class OverlapRow(msgspec.Struct, frozen=True, gc=False):
    district_code: str
    name: str
    organisation_ids: list[int]
    organisation_names: list[str]


class MemberShare(msgspec.Struct, frozen=True, gc=False):
    organisation_id: int
    name: str
    org_type: str
    member_status: str
    pledged_pence: int  # submitted pledges
    eligible_pence: int  # 0 when the member fails a member rule or has not joined
    # Of the pledged total (measures.SHARE_OF_PLEDGED), 10000 = 100%, rounded down.
    share_basis_points: Annotated[int, measures.SHARE_OF_PLEDGED.schema()]
    homes: int
    districts: int  # in its coverage: where it works
    regions: list[str]  # region / nation codes of its coverage: where it works
    # Region / nation codes its submitted money reaches (where its money goes). Snapshots made before this was
    # recorded read an empty list.
    money_regions: list[str] = msgspec.field(default_factory=list)


class Totals(msgspec.Struct, frozen=True, gc=False):
    pledged_pence: Annotated[int, measures.PLEDGED.schema()]  # submitted pledges of joined members
    eligible_pence: Annotated[int, measures.ELIGIBLE.schema()]  # those of members passing every member rule
    match_requested_pence: Annotated[int, measures.MATCH_REQUESTED.schema()]  # eligible × ratio, capped
    match_capped: bool
    members_by_status: dict[str, int]  # invited / joined / withdrawn
    pledges_by_status: dict[str, int]  # draft / submitted / withdrawn (count, joined members)
    homes_covered: Annotated[int, measures.HOMES.schema()]
    districts_covered: Annotated[int, measures.WORK_DISTRICTS.schema()]  # where members work (coverage)
    regions_covered: Annotated[int, measures.WORK_REGIONS.schema()]
    by_region: list[AmountRow]
    by_district: list[AmountRow]
    by_theme: list[AmountRow]
    by_org_type: list[AmountRow]
    overlap: list[OverlapRow]
    members: list[MemberShare]
    # Money no district could be found for (no areas and no coverage).
    unallocated_pence: Annotated[int, measures.UNALLOCATED.schema()]
    # Where the money goes (allocation): measures.MONEY_DISTRICTS and MONEY_REGIONS. Snapshots made before these
    # were recorded read 0; the document counts them from by_district and by_region (measures.money_districts).
    money_districts: Annotated[int, measures.MONEY_DISTRICTS.schema()] = 0
    money_regions: Annotated[int, measures.MONEY_REGIONS.schema()] = 0
    what_if: WhatIf | None = None  # set when these figures are a "what if"
