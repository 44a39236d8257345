"""The bid's figures: what is pledged, what counts, where the money goes and who covers what.

Definitions (every amount integer pence, every breakdown exact):

* pledged: submitted pledges of joined members; eligible: those of members passing every member rule (the same
  member evaluation as ``consortium.analysis.eligibility``); match requested: ``terms.match_for(eligible)``.
* Money breakdowns follow the allocated pledged money (``allocate_by_organisation``): ``by_region`` (English
  regions, and Wales, Scotland and Northern Ireland as regions; no England row, so the rows add up) plus a row
  "unallocated" for money not assigned to any district and "unrecognised" for district codes missing from the
  reference, each only when non-zero, so ``by_region`` adds up to the pledged total; ``by_district`` adds up to
  pledged minus unallocated; ``by_theme`` splits a pledge evenly over its themes (largest remainder, ties to the
  theme first in alphabetical order; no themes: "none"); ``by_org_type`` adds up to pledged.
* Reach follows coverage, so a convenor sees it before money arrives: ``homes_covered`` adds each joined member's
  ``homes`` if given, else the homes in its coverage; ``districts_covered`` / ``regions_covered`` count distinct
  districts / regions in joined members' coverage; ``overlap`` lists districts covered by more than one joined
  member. A member's ``homes`` / ``districts`` / ``regions`` in ``members`` follow the same rule.
* Where the money goes follows allocation: ``money_districts`` / ``money_regions`` count the districts / regions
  with allocated money (the rows of ``by_district`` / ``by_region``), and a member's ``money_regions`` the regions
  its own money reaches. ``consortium.analysis.measures`` names each of these figures once, with its label.
* ``share_basis_points``: a joined member's pledged money over the pledged total, rounded down (so shares may add
  up to a little under 10,000); 0 for members who have not joined, whose money is not in the total.

Ordering: amount rows by amount (largest first) then key, with "unallocated" / "unrecognised" last; overlap by
number of members (most first) then district name; members by pledged amount (largest first) then name.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from consortium.analysis import measures
from consortium.analysis.allocation import place_in_run
from consortium.analysis.eligibility import MemberEvaluation, PreparedBid, evaluate_members
from consortium.analysis.frames import BidFrames, MatchTerms
from consortium.analysis.results import AmountRow, MemberShare, OverlapRow, Totals
from consortium.analysis.rules import Rule
from consortium.reference.districts import REGIONS, districts_frame
from consortium.words import ORG_TYPE_NAMES

MEMBER_STATUSES = ("invited", "joined", "withdrawn")
PLEDGE_STATUSES = ("draft", "submitted", "withdrawn")
UNALLOCATED = ("unallocated", "Not yet assigned to a district")
UNRECOGNISED = ("unrecognised", "District not recognised")
NO_THEME = ("none", "No theme given")
NO_ORG_TYPE = ("not_given", "Not given")

_SHARE_COLUMNS = {  # MemberShare field: column, in the field order of MemberShare (built positionally)
    "organisation_id": "organisation_id",
    "name": "name",
    "org_type": "org_type",
    "member_status": "member_status",
    "pledged_pence": "pledged_pence",
    "eligible_pence": "eligible_pence",
    "share_basis_points": "share_basis_points",
    "homes": "homes_covered",
    "districts": "covered_districts",
    "regions": "coverage_regions",
    "money_regions": "money_regions",
}


def compute_totals(
    frames: BidFrames, rules: Sequence[Rule], terms: MatchTerms, *, prepared: PreparedBid | None = None
) -> Totals:
    """Every figure of ``Totals`` for the bid (see the module docstring for the definitions).

    ``prepared`` (``eligibility.prepare_bid(frames)``) shares the allocation with ``evaluate``.
    """
    evaluation = evaluate_members(frames, rules, prepared=prepared)
    members = evaluation.members
    joined = members.filter(pl.col("member_status") == "joined")
    joined_ids = joined.select("organisation_id")
    is_joined = pl.col("organisation_id").is_in(joined_ids["organisation_id"].implode())
    money = evaluation.prepared.placement.money.filter(is_joined)
    money_by_region = evaluation.prepared.money_by_region.filter(is_joined)
    covered = _covered_districts(evaluation.prepared.placement.coverage, joined)
    submitted = frames.pledges.filter(pl.col("status") == "submitted").join(
        joined.select("organisation_id", "org_type"), on="organisation_id"
    )

    pledged = int(joined["pledged_pence"].sum())
    eligible = int(members["eligible_pence"].sum())
    match, capped = terms.match_for(eligible)
    by_region = _by_region(money_by_region, money)
    by_district = _by_district(money)
    return Totals(
        pledged_pence=pledged,
        eligible_pence=eligible,
        match_requested_pence=match,
        match_capped=capped,
        members_by_status=_count_by(members["member_status"], MEMBER_STATUSES),
        pledges_by_status=_count_by(
            frames.pledges.join(joined_ids, on="organisation_id", how="semi")["status"], PLEDGE_STATUSES
        ),
        homes_covered=int(joined["homes_covered"].sum()),
        districts_covered=covered.height,
        regions_covered=covered["region_code"].drop_nulls().n_unique(),
        by_region=by_region,
        by_district=by_district,
        by_theme=_by_theme(submitted),
        by_org_type=_by_org_type(submitted),
        overlap=_overlap(covered, joined),
        members=_member_shares(evaluation, pledged),
        unallocated_pence=_sum(money.filter(pl.col("district_code").is_null())["amount_pence"]),
        money_districts=measures.money_districts(by_district),
        money_regions=measures.money_regions(by_region),
    )


def _sum(series: pl.Series) -> int:
    return int(series.sum() or 0)


def _count_by(statuses: pl.Series, known: Sequence[str]) -> dict[str, int]:
    """Counts for every known status (zeros included) and any other status found, in that order."""
    counts = dict.fromkeys(known, 0)
    for status, count in statuses.value_counts(sort=True).sort(statuses.name).iter_rows():
        counts[status] = count
    return counts


def _amount_rows(grouped: pl.DataFrame, names: dict[str, str]) -> list[AmountRow]:
    """AmountRows from key, amount_pence, members; largest first, then by key."""
    ordered = grouped.filter(pl.col("amount_pence") != 0).sort(["amount_pence", "key"], descending=[True, False])
    return [
        AmountRow(key=key, name=names.get(key, key), amount_pence=amount, members=count)
        for key, amount, count in ordered.select("key", "amount_pence", "members").iter_rows()
    ]


def _money_by(money: pl.DataFrame, key: pl.Expr) -> pl.DataFrame:
    return money.group_by(key.alias("key")).agg(
        pl.col("amount_pence").sum(), pl.col("organisation_id").n_unique().alias("members")
    )


def _by_region(money_by_region: pl.DataFrame, money: pl.DataFrame) -> list[AmountRow]:
    """``money_by_region`` holds one row per (organisation, region) with money, so a region's rows count its
    members: no distinct count over the district rows is needed."""
    grouped = money_by_region.group_by(pl.col("region_code").cast(pl.Utf8).alias("key")).agg(
        pl.col("amount_pence").sum(), pl.len().alias("members")
    )
    rows = _amount_rows(grouped, REGIONS)
    stray_money = money.filter(pl.col("region_code").is_null())
    for (key, name), stray in (
        (UNRECOGNISED, pl.col("district_code").is_not_null()),
        (UNALLOCATED, pl.col("district_code").is_null()),
    ):
        leftover = stray_money.filter(stray)
        amount = _sum(leftover["amount_pence"])
        if amount:
            rows.append(AmountRow(key, name, amount, leftover["organisation_id"].n_unique()))
    return rows


def _by_district(money: pl.DataFrame) -> list[AmountRow]:
    placed = money.filter(pl.col("district_code").is_not_null())
    grouped = _money_by(placed, pl.col("district_code")).with_columns(pl.col("key").cast(pl.Utf8))
    names = dict(districts_frame().select("district_code", "district_name").iter_rows())
    return _amount_rows(grouped, names)


def _by_theme(submitted: pl.DataFrame) -> list[AmountRow]:
    """A pledge's amount split evenly over its distinct themes; the leftover pennies go one each to its themes
    in alphabetical order. Pledges without themes count under "none"."""
    # One row per (pledge, distinct theme) in alphabetical order, from the exploded lists: flat operations over
    # ~1.5 rows a pledge cost a third of a list.eval per pledge. A pledge is its row number (two rows with one
    # pledge_id stay two pledges, as before).
    pledges = submitted.select("organisation_id", "amount_pence", "themes").with_row_index("pledge")
    themes = (
        pledges.explode("themes")
        .filter(pl.col("themes").str.strip_chars() != "")  # drops blanks, and the null an empty list explodes to
        .unique(["pledge", "themes"])
        .sort("pledge", "themes")
        .with_row_index("row")
    )
    # Rows are grouped by pledge: a theme's position is its place in the pledge's run of rows.
    position = place_in_run("pledge", "row").cast(pl.Int64)
    count = pl.len().over("pledge").cast(pl.Int64)
    amount = pl.col("amount_pence")
    themed = themes.select(
        "organisation_id",
        pl.col("themes").alias("key"),
        (amount // count + (position < amount % count).cast(pl.Int64)).alias("amount_pence"),
    )
    unthemed = pledges.join(themes.select("pledge"), on="pledge", how="anti").select(
        "organisation_id", pl.lit(NO_THEME[0]).alias("key"), "amount_pence"
    )
    grouped = _money_by(pl.concat([themed, unthemed]), pl.col("key"))
    names = {key: _theme_name(key) for key in grouped["key"].to_list()}
    return _amount_rows(grouped, {**names, NO_THEME[0]: NO_THEME[1]})


def _theme_name(theme: str) -> str:
    """ "new_homes" -> "New homes"; text already written for people keeps its capitals."""
    words = theme.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def _by_org_type(submitted: pl.DataFrame) -> list[AmountRow]:
    grouped = _money_by(submitted, pl.col("org_type").fill_null(NO_ORG_TYPE[0]))
    return _amount_rows(grouped, {**ORG_TYPE_NAMES, NO_ORG_TYPE[0]: NO_ORG_TYPE[1]})


def _covered_districts(coverage: pl.DataFrame, joined: pl.DataFrame) -> pl.DataFrame:
    """Every district in joined members' coverage: district_code (Enum), region_code, organisation_id (the
    members covering it, by name)."""
    # Sorting by a rank of the names (computed once over the members) is much cheaper than by the strings. The
    # inner join keeps only joined members' coverage.
    by_name = joined.select("organisation_id", pl.struct("name", "organisation_id").rank("ordinal").alias("order"))
    return (
        coverage.select("organisation_id", "district_code", "region_code")
        .join(by_name, on="organisation_id")
        .sort("order")
        .group_by("district_code", maintain_order=True)
        .agg(pl.col("region_code").first(), "organisation_id")
    )


def _overlap(covered: pl.DataFrame, joined: pl.DataFrame) -> list[OverlapRow]:
    """Districts in the coverage of more than one joined member; members listed by name."""
    shared = (
        covered.filter(pl.col("organisation_id").list.len() > 1)
        .select(pl.col("district_code").cast(pl.Utf8), "organisation_id")
        .join(districts_frame().select("district_code", "district_name"), on="district_code", how="left")
        .with_columns(pl.coalesce("district_name", "district_code").alias("district_name"))
        .sort(
            [pl.col("organisation_id").list.len(), "district_name", "district_code"],
            descending=[True, False, False],
        )
    )
    # Names from one dict rather than a list column: the same strings, not a copy per district.
    names = dict(joined.select("organisation_id", "name").iter_rows())
    return [
        OverlapRow(
            district_code=code,
            name=name,
            organisation_ids=ids,
            organisation_names=list(map(names.__getitem__, ids)),
        )
        for code, name, ids in zip(
            shared["district_code"].to_list(),
            shared["district_name"].to_list(),
            shared["organisation_id"].to_list(),
            strict=True,
        )
    ]


def _member_shares(evaluation: MemberEvaluation, pledged_total: int) -> list[MemberShare]:
    joined = pl.col("member_status") == "joined"
    # The regions each member's money reaches, in code order (the Enum's order), as its coverage regions are.
    money_regions = (
        evaluation.prepared.money_by_region.filter(pl.col("amount_pence") > 0)
        .sort("organisation_id", "region_code")
        .group_by("organisation_id", maintain_order=True)
        .agg(pl.col("region_code").cast(pl.Utf8).alias("money_regions"))
    )
    members = evaluation.members.join(money_regions, on="organisation_id", how="left", maintain_order="left")
    shares = members.with_columns(
        pl.col("money_regions").fill_null(pl.lit([], dtype=pl.List(pl.Utf8))),
        pl.when(joined & (pledged_total > 0))
        .then(pl.col("pledged_pence") * 10_000 // max(pledged_total, 1))
        .otherwise(0)
        .alias("share_basis_points"),
        pl.col("org_type").fill_null(NO_ORG_TYPE[0]),
    ).sort(["pledged_pence", "name", "organisation_id"], descending=[True, False, False])
    columns = (shares[column].to_list() for column in _SHARE_COLUMNS.values())
    return [MemberShare(*row) for row in zip(*columns, strict=True)]
