"""Is the bid eligible? Every member rule judged for all members at once, then the consortium rules.

Only joined members can be eligible. A member is eligible when it has joined and passes every member rule;
consortium rules look at the eligible members only (their money, their homes, how many of them there are).
Invited members are still judged against the member rules, so a convenor can see what they would need; a
withdrawn member is only reported as withdrawn.

The heavy work (allocating the money, adding it up per organisation) depends neither on membership nor on the
rules: ``prepare_bid`` does it once, and ``evaluate`` / ``compute_totals`` accept the result (``prepared=``) so a
page showing totals, eligibility and "what if" withdrawals allocates once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from consortium.analysis.allocation import REGION_BITS, Placement, place_submitted_pledges, sum_by_pair
from consortium.analysis.frames import BidFrames, MatchTerms
from consortium.analysis.results import Eligibility, MemberFailure, MemberResult, RuleResult
from consortium.analysis.rules import ConsortiumFigures, Rule, RuleKind, kind_of, region_column
from consortium.reference.districts import REGIONS
from consortium.words import count_text

MEMBERSHIP = "membership"  # the failure key for members who have not joined
_MEMBERSHIP_FAILURES = {"invited": "Has not joined the bid yet", "withdrawn": "Has withdrawn"}

_EMPTY_CODES = pl.lit([], dtype=pl.List(pl.Utf8))


@dataclass(frozen=True)
class PreparedBid:
    """A bid's money and reach per organisation: what neither membership nor the rules change.

    ``placement``: the submitted money of every organisation by district, and the coverage.
    ``organisations``: one row per organisation with pledged_pence, submitted_pledges, unapproved_pledges,
    pence_in_<region code> for each region (where its submitted money goes), unallocated_pence, unrecognised_pence,
    coverage_homes, covered_districts and coverage_regions (its coverage).
    ``money_by_region``: organisation_id, region_code, amount_pence: one row per (organisation, region) its
    submitted money reaches (the long form of the pence_in_<region> columns, for totals by region).

    Made from one ``BidFrames``, it serves any frames with the same pledges, pledge areas and coverage, such as
    ``frames.without(member)``.
    """

    placement: Placement
    organisations: pl.DataFrame
    money_by_region: pl.DataFrame


@dataclass(frozen=True)
class MemberEvaluation:
    """The member rules applied to every member.

    ``members``: one row per member with the columns described in ``consortium.analysis.rules`` and those of
    ``PreparedBid.organisations``, ``homes_covered`` (``homes`` if given, else the homes in its coverage), one
    boolean ``rule_<n>`` per member rule (n = position in ``rules``), ``passed`` (joined and every member rule)
    and ``eligible_pence`` (``pledged_pence`` when passed, else 0).
    """

    rules: tuple[Rule, ...]
    member_rules: tuple[tuple[int, Rule, RuleKind], ...]
    members: pl.DataFrame
    prepared: PreparedBid


def prepare_bid(frames: BidFrames) -> PreparedBid:
    """Allocate the submitted pledges and add up money and coverage per organisation (see ``PreparedBid``)."""
    return _summarise(place_submitted_pledges(frames), frames.pledges)


def _summarise(placement: Placement, pledges: pl.DataFrame) -> PreparedBid:
    """``PreparedBid`` from the allocated money and the pledges: the sums per organisation."""
    pledges = (
        pledges.filter(pl.col("status") == "submitted")
        .group_by("organisation_id")
        .agg(
            pl.col("amount_pence").sum().alias("pledged_pence"),
            pl.len().alias("submitted_pledges"),
            (~pl.col("board_approved").fill_null(False)).sum().alias("unapproved_pledges"),
        )
    )
    money = placement.money
    # Money per region as one column per region (there are 12): rules read them without list operations.
    money_by_region = sum_by_pair(money.filter(pl.col("region_code").is_not_null()), "organisation_id", "region_code")
    by_region = money_by_region.with_columns(pl.col("region_code").cast(pl.Utf8)).pivot(
        on="region_code", index="organisation_id", values="amount_pence"
    )
    by_region = by_region.select(
        "organisation_id",
        *[
            (pl.col(region) if region in by_region.columns else pl.lit(None, dtype=pl.Int64)).alias(
                region_column(region)
            )
            for region in sorted(REGIONS)
        ],
    )
    unplaced = pl.col("amount_pence").filter(pl.col("district_code").is_null())
    unrecognised = pl.col("amount_pence").filter(pl.col("district_code").is_not_null())
    stray = (
        money.filter(pl.col("region_code").is_null())
        .group_by("organisation_id")
        .agg(unplaced.sum().alias("unallocated_pence"), unrecognised.sum().alias("unrecognised_pence"))
    )
    # The coverage per organisation (``placement.reach``) gives homes, districts and regions covered; the regions
    # are decoded from their bit mask by pairing each organisation with every region (a small cross join), in
    # Enum (= code) order.
    reach = placement.reach.rename({"homes_total": "coverage_homes", "districts": "covered_districts"})
    covered_regions = (
        reach.select("organisation_id", "region_bits")
        .join(REGION_BITS, how="cross", maintain_order="left_right")
        .filter((pl.col("region_bits") & pl.col("bit")) != 0)
        .group_by("organisation_id", maintain_order=True)
        .agg(pl.col("region_code").cast(pl.Utf8).alias("coverage_regions"))
    )
    reach = reach.drop("region_bits")
    parts = [pledges, by_region, stray, reach, covered_regions]
    organisations = pl.concat([part.select("organisation_id") for part in parts]).unique()
    for part in parts:
        organisations = organisations.join(part, on="organisation_id", how="left")
    return PreparedBid(placement, organisations, money_by_region)


def with_pledged_total(
    frames: BidFrames, prepared: PreparedBid, organisation_id: int, pledged_pence: int
) -> tuple[BidFrames, PreparedBid]:
    """The bid as if ``organisation_id``'s submitted pledges added up to ``pledged_pence`` ("what if this member
    pledged that much instead"), made from ``prepared`` without allocating the bid again.

    Each of the member's submitted pledges, and its money in each district, is scaled in proportion (floored, the
    pennies left over going to the largest remainders), so its money keeps its shape and adds up exactly to the new
    total. A member with no submitted pledge is given one board-approved pledge of that amount naming no district,
    spread over its districts as such a pledge is: the one allocation made here, of that member alone. The
    member's coverage, membership and everyone else are unchanged; pass the result to ``evaluate`` or
    ``compute_totals`` (as ``frames`` and ``prepared=``).
    """
    is_member = pl.col("organisation_id") == organisation_id
    submitted = is_member & (pl.col("status") == "submitted")
    own_pledges = frames.pledges.filter(submitted)
    current = int(own_pledges["amount_pence"].sum() or 0)
    placement = prepared.placement
    own_money = placement.money.filter(is_member)
    if current > 0 and (own_money["amount_pence"] >= 0).all():
        own_pledges = _scaled(own_pledges, pledged_pence, current, own_pledges["pledge_id"])
        order = own_money["district_code"].to_physical().cast(pl.Int64).fill_null(len(placement.codes.categories))
        own_money = _scaled(own_money, pledged_pence, current, order)
    elif pledged_pence > 0:
        own_pledges = pl.DataFrame(
            [{"pledge_id": -1, "organisation_id": organisation_id, "amount_pence": pledged_pence,
              "board_approved": True, "status": "submitted", "themes": []}],
            schema=frames.pledges.schema,
        )  # fmt: skip
        alone = BidFrames(
            frames.members.filter(is_member),
            own_pledges,
            frames.pledge_areas.clear(),
            frames.coverage.filter(is_member),
        )
        own_money = place_submitted_pledges(alone).money.with_columns(
            pl.col("district_code").cast(pl.Utf8).cast(placement.codes)
        )
    else:
        return frames, prepared  # nothing submitted, and nothing to model
    own = _summarise(
        Placement(placement.codes, own_money, placement.coverage.filter(is_member), placement.reach.filter(is_member)),
        own_pledges,
    )

    def spliced(everyone: pl.DataFrame, member: pl.DataFrame) -> pl.DataFrame:
        return pl.concat([everyone.filter(~is_member), member.select(everyone.columns).cast(everyone.schema)])

    changed = PreparedBid(
        placement=Placement(placement.codes, spliced(placement.money, own_money), placement.coverage, placement.reach),
        organisations=spliced(prepared.organisations, own.organisations),
        money_by_region=spliced(prepared.money_by_region, own.money_by_region),
    )
    pledges = pl.concat([frames.pledges.filter(~submitted), own_pledges.cast(frames.pledges.schema)])
    return BidFrames(frames.members, pledges, frames.pledge_areas, frames.coverage), changed


def _scaled(rows: pl.DataFrame, to: int, total: int, order: pl.Series) -> pl.DataFrame:
    """``rows`` with their amount_pence, which add up to ``total`` (> 0), scaled to add up to ``to``: each floored,
    then the pennies left over one each to the largest remainders, ties to the smallest ``order``. A member has a
    few pledges and at most a few hundred districts, so plain integers are exact and quick."""
    amounts = rows["amount_pence"].to_list()
    floors = [amount * to // total for amount in amounts]
    leftover = to - sum(floors)
    ranked = sorted(range(len(amounts)), key=lambda i: (-(amounts[i] * to % total), order[i], i))
    for i in ranked[:leftover]:
        floors[i] += 1
    return rows.with_columns(pl.Series("amount_pence", floors, dtype=pl.Int64))


def evaluate(
    frames: BidFrames,
    rules: Sequence[Rule],
    terms: MatchTerms,
    *,
    without_organisation_id: int | None = None,
    prepared: PreparedBid | None = None,
) -> Eligibility:
    """Judge the bid against ``rules``; with ``without_organisation_id``, as if that member had withdrawn.

    ``terms`` is accepted for symmetry with ``compute_totals``; no rule looks at the match yet. ``prepared``
    (``prepare_bid(frames)``) shares the allocation between calls on the same bid, "what if"s included.
    """
    if without_organisation_id is not None:
        frames = frames.without(without_organisation_id)
    evaluation = evaluate_members(frames, rules, prepared=prepared)
    member_results = _member_rule_results(evaluation)
    figures = consortium_figures(evaluation) if len(member_results) < len(rules) else None
    results = [
        member_results[position] if position in member_results else _consortium_result(rule, figures)
        for position, rule in enumerate(rules)
    ]  # in the order the rules were set
    failed = [(kind_of(rule), result) for rule, result in zip(rules, results, strict=True) if not result.passed]
    return Eligibility(
        eligible=not failed,
        verdict=verdict(len(results), failed),
        rules=results,
        members=_member_results(evaluation),
        without_organisation_id=without_organisation_id,
        eligible_pence=int(evaluation.members["eligible_pence"].sum()),  # as Totals.eligible_pence
    )


def evaluate_members(
    frames: BidFrames, rules: Sequence[Rule], *, prepared: PreparedBid | None = None
) -> MemberEvaluation:
    """Apply every member rule to every member at once (see ``MemberEvaluation``)."""
    prepared = prepared or prepare_bid(frames)
    counts = ["pledged_pence", "submitted_pledges", "unapproved_pledges", "unallocated_pence", "unrecognised_pence"]
    members = frames.members.join(prepared.organisations, on="organisation_id", how="left", maintain_order="left")
    members = members.with_columns(
        pl.col(*counts, "coverage_homes", "covered_districts").fill_null(0).cast(pl.Int64),
        pl.col(*[region_column(region) for region in sorted(REGIONS)]).fill_null(0),
        pl.col("coverage_regions").fill_null(_EMPTY_CODES),
        pl.coalesce(pl.col("homes"), pl.col("coverage_homes").fill_null(0)).alias("homes_covered"),
    )
    member_rules = tuple(
        (position, rule, kind) for position, rule in enumerate(rules) if (kind := kind_of(rule)).scope == "member"
    )
    checks = [_passes(kind, rule).fill_null(False).alias(f"rule_{position}") for position, rule, kind in member_rules]
    joined = pl.col("member_status") == "joined"
    members = members.with_columns(checks).with_columns(
        pl.all_horizontal(joined, *[pl.col(f"rule_{position}") for position, _, _ in member_rules]).alias("passed")
    )
    members = members.with_columns(
        pl.when(pl.col("passed")).then(pl.col("pledged_pence")).otherwise(0).alias("eligible_pence")
    )
    return MemberEvaluation(tuple(rules), member_rules, members, prepared)


def _passes(kind: RuleKind, rule: Rule) -> pl.Expr:
    if kind.passes is None:
        raise TypeError(f"{kind.key} has no member check")  # every member kind has one
    return kind.passes(rule)


def consortium_figures(evaluation: MemberEvaluation) -> ConsortiumFigures:
    """What the consortium rules measure, over the eligible members."""
    members = evaluation.members
    eligible = members.filter("passed")
    money = evaluation.prepared.placement.money.filter(
        pl.col("organisation_id").is_in(eligible["organisation_id"].implode())
        & pl.col("district_code").is_not_null()
        & (pl.col("amount_pence") > 0)
    )
    places = money.select(
        pl.col("district_code").n_unique().alias("districts"),
        pl.col("region_code").drop_nulls().n_unique().alias("regions"),
    ).row(0, named=True)
    return ConsortiumFigures(
        eligible_members=eligible.height,
        joined_members=members.filter(pl.col("member_status") == "joined").height,
        eligible_pence=int(eligible["pledged_pence"].sum()),
        regions=places["regions"],
        districts=places["districts"],
        homes=int(eligible["homes_covered"].sum()),
        shares=eligible.select("organisation_id", "name", pl.col("pledged_pence").alias("eligible_pence")),
    )


# --- results ---------------------------------------------------------------------------------------------------


def _member_rule_results(evaluation: MemberEvaluation) -> dict[int, RuleResult]:
    """Member rules pass when every joined member passes; the failing members are listed by name."""
    joined = evaluation.members.filter(pl.col("member_status") == "joined").sort("name", "organisation_id")
    results = {}
    for position, rule, kind in evaluation.member_rules:
        failing = joined.filter(~pl.col(f"rule_{position}"))["organisation_id"].to_list()
        meeting = joined.height - len(failing)
        gap = f"{count_text(len(failing), 'member')} {'does' if len(failing) == 1 else 'do'} not meet this"
        results[position] = RuleResult(
            key=kind.key,
            scope="member",
            description=kind.describe(rule),
            passed=not failing,
            actual=meeting,
            required=joined.height,
            actual_text=f"{meeting:,} of {count_text(joined.height, 'member')}",
            required_text="every member",
            gap=gap if failing else None,
            failing_organisation_ids=failing,
        )
    return results


def _consortium_result(rule: Rule, figures: ConsortiumFigures | None) -> RuleResult:
    check = kind_of(rule).check
    if check is None or figures is None:
        raise TypeError(f"{type(rule).__name__} is not a consortium rule")  # every consortium kind has a check
    return check(rule, figures)


def _member_results(evaluation: MemberEvaluation) -> list[MemberResult]:
    """Every member, by name; failure messages are worded only for the members that fail something."""
    members = evaluation.members.sort(pl.col("name").str.to_lowercase(), "organisation_id")
    needs_words = members.filter((pl.col("member_status") != "joined") | ~pl.col("passed"))
    checks = [(f"rule_{position}", rule, kind) for position, rule, kind in evaluation.member_rules]
    columns = _WORDING_COLUMNS + [column for column, _, _ in checks]
    words = {
        row[0]: _failures(checks, dict(zip(columns, row, strict=True)))
        for row in needs_words.select(columns).iter_rows()
    }
    return [
        MemberResult(
            organisation_id=organisation_id,
            name=name,
            member_status=status,
            pledged_pence=pledged,
            passed=passed,
            failures=words.get(organisation_id, []),
        )
        for organisation_id, name, status, pledged, passed in members.select(
            "organisation_id", "name", "member_status", "pledged_pence", "passed"
        ).iter_rows()
    ]


# What the failure wording reads (the member frame columns of consortium.analysis.rules), id first.
_WORDING_COLUMNS = [
    "organisation_id", "member_status", "org_type", "identifier", "pledged_pence", "submitted_pledges",
    "unapproved_pledges", "unallocated_pence", "unrecognised_pence",
    *(region_column(region) for region in sorted(REGIONS)),
]  # fmt: skip


def _failures(checks: Sequence[tuple[str, Rule, RuleKind]], member: dict[str, Any]) -> list[MemberFailure]:
    """Why ``member`` fails, from its member frame row; ``checks``: (rule column, rule, kind) of each member
    rule."""
    status = str(member["member_status"])
    failures = []
    if status != "joined":
        failures.append(MemberFailure(MEMBERSHIP, _MEMBERSHIP_FAILURES.get(status, f"Membership is {status}")))
    if status == "withdrawn":
        return failures  # nothing else about a withdrawn member is worth acting on
    for column, rule, kind in checks:
        if not member[column] and kind.failure is not None:
            failures.append(MemberFailure(kind.key, kind.failure(rule, member)))
    return failures


def verdict(rule_count: int, failed: Sequence[tuple[RuleKind, RuleResult]]) -> str:
    """The one-sentence verdict over ``rule_count`` rules, from the kind and result of each failed one (callers
    that redact results for a member rebuild it from the redacted results)."""
    if rule_count == 0:
        return "No eligibility rules are set."
    if not failed:
        return "Eligible: the 1 rule is met." if rule_count == 1 else f"Eligible: all {rule_count} rules are met."
    clauses = "; ".join(_clause(kind, result) for kind, result in failed)
    verb = "is" if len(failed) == 1 else "are"
    return f"Not yet eligible: {len(failed)} of {count_text(rule_count, 'rule')} {verb} not met — {clauses}."


def _clause(kind: RuleKind, result: RuleResult) -> str:
    if kind.scope == "member":
        failing = len(result.failing_organisation_ids)
        return f"{count_text(failing, 'member')} {'does' if failing == 1 else 'do'} not meet {kind.noun}"
    return f"{kind.verdict_prefix}{result.gap}"
