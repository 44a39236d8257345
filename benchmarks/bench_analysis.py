"""Time the analysis engine on a large, seeded, in-memory bid.

    .venv/bin/python benchmarks/bench_analysis.py [--runs 5] [--seed 7]

10,000 members, 100,000 pledges (a mix of explicit district amounts, districts without amounts and no districts
at all) and 1,000,000 coverage rows over the real districts. Prints the median of ``--runs`` timed runs after a
warm-up. "totals + eligibility" is what a bid page does: ``prepare_bid`` once, then ``compute_totals`` and
``evaluate`` sharing it; the script exits non-zero when that takes 1 s or more. The same two calls without
sharing, and a "what if" evaluation reusing the prepared bid, are printed too.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable

import polars as pl

from consortium.analysis.allocation import allocate
from consortium.analysis.eligibility import evaluate, prepare_bid
from consortium.analysis.frames import (
    COVERAGE_SCHEMA,
    MEMBER_SCHEMA,
    PLEDGE_AREA_SCHEMA,
    PLEDGE_SCHEMA,
    BidFrames,
    MatchTerms,
)
from consortium.analysis.rules import Rule, parse_rules
from consortium.analysis.totals import compute_totals
from consortium.reference.districts import districts_frame

MEMBERS = 10_000
PLEDGES = 100_000
COVERAGE_ROWS = 1_000_000
BUDGET_SECONDS = 1.0

ORG_TYPES = ["housing_association", "local_authority", "charity", "community_interest_company", "cooperative"]
THEMES = ["retrofit", "new_homes", "homelessness", "skills", "health", "energy", "community", "digital"]


def build_frames(seed: int) -> BidFrames:
    """A large bid: members cluster their coverage in a home region, as housing organisations do."""
    rng = random.Random(seed)
    districts = districts_frame()
    by_region = districts.group_by("region_code").agg(pl.col("district_code").sort().alias("codes")).sort("region_code")
    regions = by_region["region_code"].to_list()
    codes = districts["district_code"].to_list()

    org_ids = list(range(1, MEMBERS + 1))
    members = pl.DataFrame(
        {
            "organisation_id": org_ids,
            "name": [f"Organisation {i}" for i in org_ids],
            "org_type": rng.choices(ORG_TYPES, weights=[60, 20, 10, 5, 5], k=MEMBERS),
            "identifier": [f"GB-SHPE-L{i:05d}" if rng.random() < 0.9 else None for i in org_ids],
            "homes": [rng.randrange(50, 60_000) if rng.random() < 0.7 else None for _ in org_ids],
            "member_status": rng.choices(["joined", "invited", "withdrawn"], weights=[85, 10, 5], k=MEMBERS),
        },
        schema=MEMBER_SCHEMA,
    )
    home_region = pl.DataFrame({"organisation_id": org_ids, "region_code": rng.choices(regions, k=MEMBERS)})

    # Coverage: about 100 districts per organisation, 60% of them in its home region (as far as it has
    # districts), the rest anywhere; exactly COVERAGE_ROWS distinct (organisation, district) rows.
    region_codes = dict(zip(by_region["region_code"], by_region["codes"].to_list(), strict=True))
    counts = _counts_summing_to(rng, COVERAGE_ROWS, MEMBERS, low=40, high=160, most=len(codes))
    cov_orgs: list[int] = []
    cov_codes: list[str] = []
    for org, count, region in zip(org_ids, counts, home_region["region_code"], strict=True):
        local = region_codes[region]
        picked = rng.sample(local, min(len(local), count * 6 // 10))
        taken = set(picked)
        elsewhere = rng.sample([code for code in codes if code not in taken], count - len(picked))
        cov_orgs += [org] * count
        cov_codes += picked + elsewhere
    coverage = pl.DataFrame(
        {
            "organisation_id": cov_orgs,
            "district_code": cov_codes,
            "homes": [rng.randrange(1, 5_000) if rng.random() < 0.9 else None for _ in cov_orgs],
        },
        schema=COVERAGE_SCHEMA,
    )

    pledge_ids = list(range(1, PLEDGES + 1))
    pledge_org = rng.choices(org_ids, k=PLEDGES)
    pledges = pl.DataFrame(
        {
            "pledge_id": pledge_ids,
            "organisation_id": pledge_org,
            # Mostly whole pounds, some with pence, from £1,000 to £500,000.
            "amount_pence": [
                rng.randrange(1_000, 500_000) * 100 + (rng.randrange(100) if rng.random() < 0.2 else 0)
                for _ in pledge_ids
            ],
            "board_approved": [rng.random() < 0.9 for _ in pledge_ids],
            "status": rng.choices(["submitted", "draft", "withdrawn"], weights=[80, 15, 5], k=PLEDGES),
            "themes": [rng.sample(THEMES, rng.randrange(4)) for _ in pledge_ids],
        },
        schema=PLEDGE_SCHEMA,
    )

    # Areas: 40% of pledges name 1-3 districts with explicit amounts (a quarter of those leave a remainder for
    # one more district without an amount), 30% name 1-5 districts without amounts, 30% name none.
    area_draws = []
    for pid, org in zip(pledge_ids, pledge_org, strict=True):
        kind = rng.random()
        if kind < 0.7:
            count = rng.randrange(1, 4) if kind < 0.4 else rng.randrange(1, 6)
            area_draws += [
                (pid, org, kind < 0.4, rng.choice(codes), rng.random() < 0.8, rng.random()) for _ in range(count)
            ]
    draws_frame = pl.DataFrame(
        area_draws, schema=["pledge_id", "organisation_id", "explicit", "anywhere", "local", "pick"], orient="row"
    )
    areas = _districts_for(draws_frame, home_region, by_region).unique(
        ["pledge_id", "district_code"], keep="first", maintain_order=True
    )
    # Explicit amounts add up to the pledge exactly (as validation requires), or to 80% of it for the quarter of
    # pledges that leave the rest to one more district without an amount.
    leaves_remainder = pl.col("pledge_id") % 4 == 0
    explicit_total = pl.when(leaves_remainder).then(pl.col("amount_pence") * 4 // 5).otherwise(pl.col("amount_pence"))
    per_area, first_area = explicit_total // pl.len().over("pledge_id"), pl.int_range(pl.len()).over("pledge_id") == 0
    explicit = (
        areas.filter("explicit")
        .join(pledges.select("pledge_id", "amount_pence"), on="pledge_id")
        .with_columns(
            (per_area + pl.when(first_area).then(explicit_total % pl.len().over("pledge_id")).otherwise(0)).alias(
                "amount_pence"
            )
        )
    )
    remainder_pledges = explicit.filter(leaves_remainder).unique("pledge_id", keep="first", maintain_order=True)
    remainder_areas = remainder_pledges.with_columns(
        pl.Series("district_code", rng.choices(codes, k=remainder_pledges.height)),
        pl.lit(None, dtype=pl.Int64).alias("amount_pence"),
    )
    open_areas = areas.filter(~pl.col("explicit")).with_columns(pl.lit(None, dtype=pl.Int64).alias("amount_pence"))
    pledge_areas = (
        pl.concat([df.select(list(PLEDGE_AREA_SCHEMA)) for df in (explicit, remainder_areas, open_areas)])
        .unique(["pledge_id", "district_code"], keep="first", maintain_order=True)
        .cast(pl.Schema(PLEDGE_AREA_SCHEMA))
    )
    return BidFrames(members=members, pledges=pledges, pledge_areas=pledge_areas, coverage=coverage)


def _counts_summing_to(rng: random.Random, total: int, n: int, *, low: int, high: int, most: int) -> list[int]:
    """``n`` random counts in [low, high] nudged one at a time to add up to ``total`` (each within 1..most)."""
    counts = [rng.randint(low, high) for _ in range(n)]
    diff = total - sum(counts)
    while diff:
        i = rng.randrange(n)
        step = 1 if diff > 0 else -1
        if 1 <= counts[i] + step <= most:
            counts[i] += step
            diff -= step
    return counts


def _districts_for(draws: pl.DataFrame, home_region: pl.DataFrame, by_region: pl.DataFrame) -> pl.DataFrame:
    """Resolve each draw to a district: a random one of its organisation's home region when ``local``, else
    ``anywhere``."""
    return (
        draws.join(home_region, on="organisation_id")
        .join(by_region, on="region_code")
        .with_columns(
            pl.when("local")
            .then(pl.col("codes").list.get((pl.col("pick") * pl.col("codes").list.len()).cast(pl.Int64)))
            .otherwise(pl.col("anywhere"))
            .alias("district_code")
        )
        .drop("anywhere", "local", "pick", "codes", "region_code")
    )


BENCH_RULES: list[dict[str, object]] = [
    {"key": "min_pledge", "amount_pence": 500_000},
    {"key": "max_pledge", "amount_pence": 5_000_000_000},
    {"key": "allowed_org_types", "org_types": ["housing_association", "local_authority", "charity"]},
    {"key": "board_approval_required"},
    {"key": "allowed_areas", "area_codes": ["E92000001", "W92000004"]},
    {"key": "identifier_required"},
    {"key": "min_members", "count": 20},
    {"key": "min_total", "amount_pence": 100_000_000},
    {"key": "max_total", "amount_pence": 1_000_000_000_000},
    {"key": "min_regions", "count": 3},
    {"key": "min_districts", "count": 10},
    {"key": "max_member_share", "percent": 25},
    {"key": "min_homes", "homes": 100_000},
]


def median_seconds(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm-up: Polars' thread pool, the cached district reference
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    started = time.perf_counter()
    frames = build_frames(args.seed)
    rules: list[Rule] = parse_rules(BENCH_RULES)
    terms = MatchTerms(funder_part=1, consortium_part=1)
    print(
        f"Built {frames.members.height:,} members, {frames.pledges.height:,} pledges, "
        f"{frames.pledge_areas.height:,} pledge areas, {frames.coverage.height:,} coverage rows "
        f"in {time.perf_counter() - started:.1f} s; {len(rules)} rules; polars {pl.__version__}, "
        f"{pl.thread_pool_size()} threads"
    )

    def together() -> object:
        """What a bid page does: prepare once, then totals and eligibility."""
        prepared = prepare_bid(frames)
        return compute_totals(frames, rules, terms, prepared=prepared), evaluate(
            frames, rules, terms, prepared=prepared
        )

    prepared = prepare_bid(frames)
    someone = int(frames.members["organisation_id"][0])
    timings = {
        "allocate (per pledge)": median_seconds(lambda: allocate(frames), args.runs),
        "prepare_bid": median_seconds(lambda: prepare_bid(frames), args.runs),
        "compute_totals": median_seconds(lambda: compute_totals(frames, rules, terms), args.runs),
        "evaluate": median_seconds(lambda: evaluate(frames, rules, terms), args.runs),
        "totals + eligibility": median_seconds(together, args.runs),
        "  (not sharing prepare)": median_seconds(
            lambda: (compute_totals(frames, rules, terms), evaluate(frames, rules, terms)), args.runs
        ),
        "what-if evaluate, prepared": median_seconds(
            lambda: evaluate(frames, rules, terms, without_organisation_id=someone, prepared=prepared), args.runs
        ),
    }
    print(f"\n{'step':<30}{'median of ' + str(args.runs):>14}")
    for name, seconds in timings.items():
        print(f"{name:<30}{seconds * 1000:>11.0f} ms")
    seconds = timings["totals + eligibility"]
    verdict = "within" if seconds < BUDGET_SECONDS else "OVER"
    print(f"\ntotals + eligibility (prepare_bid, compute_totals, evaluate): {seconds:.3f} s, {verdict} the 1 s budget")
    return 0 if seconds < BUDGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
