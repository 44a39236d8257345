"""The input contract of the analysis: one bid's data as Polars frames.

The database layer builds a ``BidFrames`` for a bid; everything in ``consortium.analysis`` reads only these
frames (and the district reference), so the analysis runs the same over a database, a snapshot or a benchmark.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

MEMBER_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "organisation_id": pl.Int64,
    "name": pl.Utf8,
    "org_type": pl.Utf8,  # housing_association | local_authority | charity | community_interest_company | ...
    "identifier": pl.Utf8,  # org-id.guide identifier such as GB-SHPE-L0001, or null
    "homes": pl.Int64,  # homes managed, or null when not given
    "member_status": pl.Utf8,  # invited | joined | withdrawn
}

PLEDGE_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "pledge_id": pl.Int64,
    "organisation_id": pl.Int64,
    "amount_pence": pl.Int64,
    "board_approved": pl.Boolean,
    "status": pl.Utf8,  # draft | submitted | withdrawn
    "themes": pl.List(pl.Utf8),
}

PLEDGE_AREA_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "pledge_id": pl.Int64,
    "district_code": pl.Utf8,
    "amount_pence": pl.Int64,  # explicit amount for this district, or null: share the remainder
}

COVERAGE_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "organisation_id": pl.Int64,
    "district_code": pl.Utf8,
    "homes": pl.Int64,  # homes in this district, or null when unknown
}


@dataclass(frozen=True)
class BidFrames:
    members: pl.DataFrame
    pledges: pl.DataFrame
    pledge_areas: pl.DataFrame
    coverage: pl.DataFrame

    @classmethod
    def from_rows(
        cls,
        members: list[dict[str, object]],
        pledges: list[dict[str, object]],
        pledge_areas: list[dict[str, object]],
        coverage: list[dict[str, object]],
    ) -> BidFrames:
        return cls(
            members=pl.DataFrame(members, schema=MEMBER_SCHEMA),
            pledges=pl.DataFrame(pledges, schema=PLEDGE_SCHEMA),
            pledge_areas=pl.DataFrame(pledge_areas, schema=PLEDGE_AREA_SCHEMA),
            coverage=pl.DataFrame(coverage, schema=COVERAGE_SCHEMA),
        )

    def without(self, organisation_id: int) -> BidFrames:
        """The same bid as if this member had withdrawn ("what if" analysis)."""
        members = self.members.with_columns(
            pl.when(pl.col("organisation_id") == organisation_id)
            .then(pl.lit("withdrawn"))
            .otherwise(pl.col("member_status"))
            .alias("member_status")
        )
        return BidFrames(members, self.pledges, self.pledge_areas, self.coverage)


@dataclass(frozen=True)
class MatchTerms:
    """How the funder matches: ``funder_part`` pounds for every ``consortium_part`` pounds, up to a cap."""

    funder_part: int = 1
    consortium_part: int = 1
    cap_pence: int | None = None

    def match_for(self, eligible_pence: int) -> tuple[int, bool]:
        """Match requested (rounded down to the penny) and whether the cap applied."""
        uncapped = eligible_pence * self.funder_part // self.consortium_part
        if self.cap_pence is not None and uncapped > self.cap_pence:
            return self.cap_pence, True
        return uncapped, False
