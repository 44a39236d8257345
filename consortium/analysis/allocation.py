"""Where pledged money goes: districts, exact to the penny.

A pledge names districts (``pledge_areas``), each with an explicit amount or none. Its money goes:

1. to each district with an explicit amount, that amount;
2. the remainder over its districts without an explicit amount, pro rata to the organisation's homes there
   (``coverage``), or evenly when homes are unknown or zero in all of them (where homes are known for some of
   them, a district with unknown homes weighs nothing);
3. a pledge naming no district is spread the same way over the organisation's whole coverage;
4. money with nowhere to go is *unallocated* (``district_code`` null): a pledge with no districts and no
   coverage, or the remainder of a pledge whose districts all carry explicit amounts adding up to less than it.

Clamping, for data that validation upstream should have refused: a negative explicit amount counts as zero; when
explicit amounts add up to more than the pledge, the pledge is split pro rata to those explicit amounts (so they
are scaled down to fit) and its districts without an amount get nothing; a negative pledge is left wholly
unallocated. A district listed twice for one pledge counts once, with its explicit amounts added. Coverage is
expected to hold one row per (organisation, district), as the database guarantees; a duplicate would count twice.

Rounding is largest remainder: every share is floored, then the pennies left over go one each to the districts
with the largest fractional remainders, ties to the lower district code, so the parts always add up exactly.
The arithmetic is integer (``weight * amount // total`` and ``%``), widened to Int128 when Int64 could overflow.

Two views:

* ``allocate`` splits each pledge on its own: the truth for one pledge, exact per pledge;
* ``allocate_by_organisation`` is what totals and eligibility use. Pledges naming districts are split as above,
  but an organisation's pledges naming none are added up and that sum is split over its coverage once, instead
  of fanning every such pledge out over every covered district (100,000 pledges × 100 districts each would be
  millions of rows). It is exact per organisation and in every total; an organisation's figure for a district
  can differ from summing ``allocate`` by at most one penny per area-less pledge of that organisation (one
  rounding instead of many). The weights are the same either way.

``place_submitted_pledges`` prepares what totals and eligibility share: the organisation view of the submitted
pledges of every member (whatever its membership, so a "what if" withdrawal reuses it) and the coverage, with
districts as an Enum in code order and their region.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from consortium.analysis.frames import BidFrames
from consortium.reference.districts import REGIONS, districts_frame

ALLOCATION_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "pledge_id": pl.Int64,
    "organisation_id": pl.Int64,
    "district_code": pl.Utf8,  # null: unallocated
    "amount_pence": pl.Int64,
}

REGION_CODES = pl.Enum(sorted(REGIONS))  # English regions, and Wales, Scotland, Northern Ireland as regions

_OVERFLOW_GUARD = 2**62  # products at or above this are done in Int128
_PACKED_KEY_BITS = 62  # a (group, fraction, district) ranking key packed into one Int64 below 2**62
_PAIR_SHIFT = 2**16  # an id and a small code (district or region number) packed into one Int64 key
_PAIR_NULL = _PAIR_SHIFT - 1  # the packed code for "no district"
_PAIR_MAX_ID = 2**46  # ids below this (in absolute value) pack without overflow


@dataclass(frozen=True)
class Placement:
    """Submitted money and coverage, encoded for fast joins (see ``place_submitted_pledges``).

    ``money``: organisation_id, district_code (``codes``; null = unallocated), region_code (``REGION_CODES``;
    null when unallocated or the district is not in the reference), amount_pence. An organisation may have
    two rows for one district (money from pledges naming it, and from pledges spread over its coverage).
    ``coverage``: organisation_id, district_code, region_code, homes (unknown or negative = 0).
    ``reach``: one row per organisation with coverage: homes_total, districts (its coverage rows) and
    region_bits (see ``REGION_BITS``; null when none of its districts has a region).
    """

    codes: pl.Enum
    money: pl.DataFrame
    coverage: pl.DataFrame
    reach: pl.DataFrame


def place_submitted_pledges(frames: BidFrames) -> Placement:
    """Allocate the submitted pledges of every member, organisation by organisation, with regions."""
    codes, coverage = _encode(frames)
    region = _region_of(codes)
    # The per-organisation coverage figures serve both the split and the bid's reach: one pass over coverage.
    reach = _reach(coverage.with_columns(region))
    submitted = frames.pledges.filter(pl.col("status") == "submitted")
    money = _by_organisation(submitted, frames.pledge_areas, coverage, codes, reach)
    return Placement(codes, money.with_columns(region), coverage.with_columns(region), reach)


def allocate(frames: BidFrames) -> pl.DataFrame:
    """Split every pledge in ``frames.pledges`` over districts (see the module docstring).

    Returns pledge_id, organisation_id, district_code (str, null = unallocated), amount_pence: one row per
    (pledge, district) receiving money, rows of zero left out, at most one unallocated row per pledge, in no
    particular order (sort what you show). For every pledge the amounts of its rows add up to its amount.
    """
    codes, coverage = _encode(frames)
    pledges, negative = _split_negative(frames.pledges)
    areas = _areas_of(pledges, frames.pledge_areas, codes)

    named, named_unplaced = _split_named(_named_rows(pledges, areas, coverage))
    arealess = pledges.join(areas.select("pledge_id").unique(), on="pledge_id", how="anti")
    reach = _reach(coverage)
    spread = _spread(arealess.rename({"pledge_id": "group"}), coverage, reach).rename({"group": "pledge_id"})

    nowhere = arealess.join(reach, on="organisation_id", how="anti")
    unallocated = pl.concat(
        [frame.select("pledge_id", "organisation_id", "amount_pence") for frame in (named_unplaced, nowhere, negative)]
    ).with_columns(pl.lit(None, dtype=codes).alias("district_code"))
    columns = list(ALLOCATION_SCHEMA)
    return (
        pl.concat([named.select(columns), spread.select(columns), unallocated.select(columns)])
        .filter(pl.col("amount_pence") != 0)
        .with_columns(pl.col("district_code").cast(pl.Utf8))
    )


def allocate_by_organisation(frames: BidFrames) -> pl.DataFrame:
    """Money per (organisation, district) for the pledges in ``frames.pledges`` (see the module docstring).

    Returns organisation_id, district_code (str, null = unallocated), amount_pence, one row per pair with
    money, ordered by organisation then district. For every organisation the amounts add up to its pledges'
    total.
    """
    codes, coverage = _encode(frames)
    money = _by_organisation(frames.pledges, frames.pledge_areas, coverage, codes, _reach(coverage))
    return (
        sum_by_pair(money, "organisation_id", "district_code")
        .filter(pl.col("amount_pence") != 0)
        .sort("organisation_id", "district_code", nulls_last=True)
        .with_columns(pl.col("district_code").cast(pl.Utf8))
    )


def _encode(frames: BidFrames) -> tuple[pl.Enum, pl.DataFrame]:
    """The district Enum for these frames and the coverage encoded with it: organisation_id, district_code,
    homes as a weight (unknown or negative = 0)."""
    reference = districts_frame()["district_code"]
    codes = pl.Enum(reference.sort())
    coverage = frames.coverage.filter(pl.col("district_code").is_not_null())
    encoded = coverage["district_code"].cast(codes, strict=False)
    areas = frames.pledge_areas["district_code"].drop_nulls()
    unknown = pl.concat(
        [coverage["district_code"].filter(encoded.is_null()), areas.filter(areas.cast(codes, strict=False).is_null())]
    )
    if not unknown.is_empty():  # codes missing from the reference still get their money, in code order
        codes = pl.Enum(pl.concat([reference, unknown]).unique().sort())
        encoded = coverage["district_code"].cast(codes)
    return codes, coverage.select(
        "organisation_id", encoded.alias("district_code"), pl.col("homes").fill_null(0).clip(lower_bound=0)
    )


# Bit i of a region_bits mask stands for region i of REGION_CODES (12 regions: the mask fits an Int64).
REGION_BITS = pl.DataFrame(
    {"region_code": REGION_CODES.categories.cast(REGION_CODES), "bit": [1 << i for i in range(len(REGIONS))]}
)


def _reach(coverage: pl.DataFrame) -> pl.DataFrame:
    """organisation_id, homes_total, districts (coverage rows) and, when ``coverage`` has region_code,
    region_bits of every organisation with coverage."""
    figures = [pl.col("homes").sum().alias("homes_total"), pl.len().alias("districts")]
    if "region_code" in coverage.columns:
        # The bit column is made before grouping: a gather inside the aggregation runs group by group.
        bit = pl.lit(REGION_BITS["bit"]).gather(pl.col("region_code").to_physical())
        coverage = coverage.select("organisation_id", "homes", bit.alias("region_bit"))
        figures.append(pl.col("region_bit").bitwise_or().alias("region_bits"))  # null: no district has a region
    reach = coverage.group_by("organisation_id").agg(figures)
    if "region_bits" in reach.columns:  # cast after the agg: an empty group_by gives a Null dtype
        reach = reach.with_columns(pl.col("region_bits").cast(pl.Int64))
    return reach


def place_in_run(run: str, index: str) -> pl.Expr:
    """Each row's place (0, 1, ...) within its run of equal, non-negative ``run`` values, where ``index`` numbers
    the rows 0, 1, ...: the index minus the run's first index, carried forward from each change of run (a linear
    scan, cheaper than a window over the groups)."""
    run_start = pl.when(pl.col(run) != pl.col(run).shift(1).fill_null(-1)).then(pl.col(index))
    return pl.col(index) - run_start.forward_fill()


def _region_of(codes: pl.Enum) -> pl.Expr:
    """region_code of the district_code column: a lookup by the Enum's index, cheaper than a join."""
    regions = dict(districts_frame().select("district_code", "region_code").iter_rows())
    lookup = pl.Series("region_code", [regions.get(code) for code in codes.categories], dtype=REGION_CODES)
    return pl.lit(lookup).gather(pl.col("district_code").to_physical()).alias("region_code")


# --- pairs of (id, small code) as one Int64 key: hashing one integer is much cheaper than two columns ------------


def _pair_key(high: str, low: str) -> pl.Expr:
    return pl.col(high) * _PAIR_SHIFT + pl.col(low).to_physical().cast(pl.Int64).fill_null(_PAIR_NULL)


def _packable(frame: pl.DataFrame, high: str, low: str) -> bool:
    dtype = frame.schema[low]
    if not isinstance(dtype, pl.Enum) or len(dtype.categories) >= _PAIR_NULL:
        return False
    top = frame.select(pl.col(high).abs().max()).item()
    return top is None or top < _PAIR_MAX_ID


def sum_by_pair(frame: pl.DataFrame, high: str, low: str, value: str = "amount_pence") -> pl.DataFrame:
    """``value`` summed per (high, low), where ``low`` is an Enum column (null allowed)."""
    return aggregate_by_pair(frame, high, low, pl.col(value).sum())


def aggregate_by_pair(frame: pl.DataFrame, high: str, low: str, *aggregations: pl.Expr) -> pl.DataFrame:
    """``frame.group_by(high, low).agg(*aggregations)``, where ``low`` is an Enum column (null allowed)."""
    if not _packable(frame, high, low):
        return frame.group_by(high, low).agg(*aggregations)
    return (
        frame.group_by(_pair_key(high, low).alias("_pair"))
        .agg(pl.col(high).first(), pl.col(low).first(), *aggregations)
        .drop("_pair")
    )


# --- the split --------------------------------------------------------------------------------------------------


def _by_organisation(
    pledges: pl.DataFrame, pledge_areas: pl.DataFrame, coverage: pl.DataFrame, codes: pl.Enum, reach: pl.DataFrame
) -> pl.DataFrame:
    """organisation_id, district_code (``codes``, null = unallocated), amount_pence; not unique per pair.
    ``reach``: ``_reach(coverage)``."""
    pledges, negative = _split_negative(pledges)
    areas = _areas_of(pledges, pledge_areas, codes)
    named, named_unplaced = _split_named(_named_rows(pledges, areas, coverage))

    # An organisation's pledges naming no district share one weighting (its coverage): split their sum once.
    arealess = (
        pledges.join(areas.select("pledge_id").unique(), on="pledge_id", how="anti")
        .group_by("organisation_id")
        .agg(pl.col("amount_pence").sum())
        .with_columns(pl.col("organisation_id").alias("group"))
    )
    spread = _spread(arealess, coverage, reach)

    nowhere = arealess.join(reach, on="organisation_id", how="anti")
    unallocated = pl.concat(
        [frame.select("organisation_id", "amount_pence") for frame in (named_unplaced, nowhere, negative)]
    ).with_columns(pl.lit(None, dtype=codes).alias("district_code"))
    columns = ["organisation_id", "district_code", "amount_pence"]
    named_money = sum_by_pair(named, "organisation_id", "district_code")
    parts = [named_money.select(columns), spread.select(columns), unallocated.select(columns)]
    return pl.concat(parts).filter(pl.col("amount_pence") != 0)


def _split_negative(pledges: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(pledges to allocate, negative pledges that stay unallocated in full)."""
    pledges = pledges.select("pledge_id", "organisation_id", "amount_pence")
    return pledges.filter(pl.col("amount_pence") >= 0), pledges.filter(pl.col("amount_pence") < 0)


def _areas_of(pledges: pl.DataFrame, pledge_areas: pl.DataFrame, codes: pl.Enum) -> pl.DataFrame:
    """The named districts of the given pledges, one row per (pledge, district), explicit amounts added up
    (null only when none was given)."""
    areas = (
        pledge_areas.filter(pl.col("district_code").is_not_null())
        .join(pledges.select("pledge_id"), on="pledge_id", how="semi")
        .with_columns(pl.col("district_code").cast(codes), pl.col("amount_pence").clip(lower_bound=0))
    )
    explicit = pl.when(pl.col("amount_pence").is_not_null().any()).then(pl.col("amount_pence").sum())
    if not _packable(areas, "pledge_id", "district_code"):
        return areas.group_by("pledge_id", "district_code").agg(explicit.alias("explicit_pence"))
    return (
        areas.group_by(_pair_key("pledge_id", "district_code").alias("_pair"))
        .agg(pl.col("pledge_id", "district_code").first(), explicit.alias("explicit_pence"))
        .drop("_pair")
    )


def _named_rows(pledges: pl.DataFrame, areas: pl.DataFrame, coverage: pl.DataFrame) -> pl.DataFrame:
    """One row per named (pledge, district) with the pledge's amount and the organisation's homes there,
    grouped by pledge."""
    rows = areas.join(pledges.sort("pledge_id"), on="pledge_id", maintain_order="right")
    homes = coverage.select("organisation_id", "district_code", "homes")
    if _packable(rows, "organisation_id", "district_code") and _packable(homes, "organisation_id", "district_code"):
        rows = rows.with_columns(_pair_key("organisation_id", "district_code").alias("_pair"))
        # Only the coverage rows of named districts matter: filtering first keeps the join's hash table small.
        homes = homes.select(_pair_key("organisation_id", "district_code").alias("_pair"), "homes").filter(
            pl.col("_pair").is_in(rows["_pair"].implode())
        )
        rows = rows.join(homes, on="_pair", how="left", maintain_order="left")
    else:
        rows = rows.join(homes, on=["organisation_id", "district_code"], how="left", maintain_order="left")
    return rows.with_columns(pl.col("homes").fill_null(0), pl.col("pledge_id").alias("group")).select(
        "pledge_id", "organisation_id", "district_code", "amount_pence", "explicit_pence", "homes", "group"
    )


def _split_named(rows: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Each pledge over its named districts: explicit amounts first, the rest by homes (see the module
    docstring). Returns (rows with amount_pence set to their share, the remainder of pledges nothing could take:
    pledge_id, organisation_id, amount_pence)."""
    by = "group"
    explicit = pl.col("explicit_pence").fill_null(0)
    is_open = pl.col("explicit_pence").is_null()
    open_homes = pl.when(is_open).then(pl.col("homes")).otherwise(0)
    amount = pl.col("amount_pence")

    rows = rows.with_columns(
        explicit.sum().over(by).alias("explicit_total"),
        open_homes.sum().over(by).alias("open_homes_total"),
    )
    overcommitted = pl.col("explicit_total") > amount
    rows = rows.with_columns(
        # Overcommitted: share the whole amount pro rata to the explicit amounts instead.
        pl.when(overcommitted).then(0).otherwise(explicit).alias("fixed"),
        pl.when(overcommitted).then(amount).otherwise(amount - pl.col("explicit_total")).alias("to_share"),
        pl.when(overcommitted)
        .then(explicit)
        .when(~is_open)
        .then(0)
        .when(pl.col("open_homes_total") > 0)
        .then(pl.col("homes"))
        .otherwise(1)
        .alias("weight"),
    ).with_columns(pl.col("weight").sum().over(by).alias("total_weight"))
    rows = _round(rows)
    unplaced = (
        rows.filter((pl.col("total_weight") == 0) & (pl.col("to_share") > 0))
        .group_by(by, maintain_order=True)
        .agg(pl.col("pledge_id", "organisation_id", "to_share").first())
        .select("pledge_id", "organisation_id", pl.col("to_share").alias("amount_pence"))
    )
    return rows, unplaced


def _spread(amounts: pl.DataFrame, coverage: pl.DataFrame, reach: pl.DataFrame) -> pl.DataFrame:
    """Each amount (group, organisation_id, amount_pence) over its organisation's coverage by homes, evenly when
    the organisation's homes are all unknown; amounts of organisations without coverage are left out.
    ``reach``: ``_reach(coverage)``."""
    stats = reach.select("organisation_id", "homes_total", pl.col("districts").cast(pl.Int64))
    amounts = amounts.join(stats, on="organisation_id").sort("group")
    by_homes = pl.col("homes_total") > 0
    rows = coverage.join(amounts, on="organisation_id", maintain_order="right").with_columns(
        pl.lit(0, dtype=pl.Int64).alias("fixed"),
        pl.col("amount_pence").alias("to_share"),
        pl.when(by_homes).then(pl.col("homes")).otherwise(1).alias("weight"),
        pl.when(by_homes).then(pl.col("homes_total")).otherwise(pl.col("districts")).alias("total_weight"),
    )
    return _round(rows)


def _round(rows: pl.DataFrame) -> pl.DataFrame:
    """Set amount_pence = fixed + the row's largest-remainder share of to_share by weight / total_weight.

    ``rows`` must keep each ``group`` contiguous (that makes the window sums cheap).
    """
    wide = _needs_int128(rows)
    product = pl.col("to_share").cast(pl.Int128) * pl.col("weight") if wide else pl.col("to_share") * pl.col("weight")
    has_weight = pl.col("total_weight") > 0
    rows = rows.with_columns(
        pl.when(has_weight).then(product // pl.col("total_weight")).otherwise(0).cast(pl.Int64).alias("floor"),
        pl.when(has_weight).then(product % pl.col("total_weight")).otherwise(0).alias("fraction"),
    ).with_columns(
        pl.when(has_weight)
        .then(pl.col("to_share") - pl.col("floor").sum().over("group"))
        .otherwise(0)
        .alias("leftover")
    )
    return rows.with_columns((pl.col("fixed") + pl.col("floor") + _largest_remainders(rows)).alias("amount_pence"))


def _needs_int128(rows: pl.DataFrame) -> bool:
    """Whether ``to_share * weight`` could overflow Int64 anywhere in ``rows``."""
    if rows.is_empty():
        return False
    top_share, top_weight = rows.select(pl.col("to_share").max(), pl.col("total_weight").max()).row(0)
    return (top_share or 0) * (top_weight or 0) >= _OVERFLOW_GUARD


def _largest_remainders(rows: pl.DataFrame) -> pl.Series:
    """1 for each row winning one of its group's leftover pennies, else 0 (aligned with ``rows``).

    A group's leftover is less than its number of weighted rows, and only rows with a non-zero fraction can
    win; within a group they rank by fraction (largest first), then district code (Enum order = code order).
    """
    candidates = (
        rows.select("group", "district_code", "fraction", "leftover")
        .with_row_index("row")
        .filter((pl.col("leftover") > 0) & (pl.col("fraction") > 0))
    )
    bonus = pl.zeros(rows.height, dtype=pl.Int64, eager=True)
    if candidates.is_empty():
        return bonus
    winners = _winning_rows(candidates)
    if len(winners):
        bonus.scatter(winners, 1)
    return bonus


def _winning_rows(candidates: pl.DataFrame) -> pl.Series:
    """The ``row`` of each candidate winning a penny: the first ``leftover`` of its group, ranking by fraction
    (largest first), then district code.

    The candidates keep their groups contiguous, so sorting them by (group, rank key) only reorders rows within
    each group: a group holds the same positions before and after. Whether the row sorted to a position wins
    (its place in the group < the group's leftover) is therefore read from the unsorted frame, and only the row
    numbers need sorting. One Int64 sort key packs (group, fraction, district) when they fit in 62 bits, which
    sorts much faster than several columns; otherwise a multi-column sort does the same.
    """
    # Dense group numbers: a change of group starts a new one.
    starts_group = (pl.col("group") != pl.col("group").shift(1)).fill_null(True)
    candidates = candidates.with_columns(
        starts_group.cum_sum().cast(pl.Int64).alias("group_no"),
        pl.col("district_code").to_physical().cast(pl.Int64).alias("code_no"),
    ).with_row_index("position")
    top_group, top_fraction, top_code = candidates.select(
        pl.col("group_no").max(), pl.col("fraction").max(), pl.col("code_no").max()
    ).row(0)
    group_bits, fraction_bits, code_bits = (int(top).bit_length() for top in (top_group, top_fraction, top_code))
    if group_bits + fraction_bits + code_bits <= _PACKED_KEY_BITS and candidates["fraction"].dtype == pl.Int64:
        key = (
            pl.col("group_no") * 2 ** (fraction_bits + code_bits)
            + (top_fraction - pl.col("fraction")) * 2**code_bits
            + pl.col("code_no")
        )
        ranked_rows = candidates.select(pl.col("row").sort_by(key))
    else:
        ranked_rows = candidates.select(
            pl.col("row").sort_by(["group_no", "fraction", "code_no"], descending=[False, True, False])
        )
    wins = candidates.select((place_in_run("group_no", "position") < pl.col("leftover")).alias("wins"))
    return ranked_rows.filter(wins["wins"])["row"]
