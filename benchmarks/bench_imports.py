"""Time a member's coverage import on a 10,000-row XLSX: read (Polars and calamine), match every district
(codes, names written many ways, typos) and check every row (``plan_coverage``), as the import does before it
writes anything.

    .venv/bin/python benchmarks/bench_imports.py [--runs 5] [--rows 10000] [--seed 7]

Prints the median of ``--runs`` timed runs after a warm-up (with the matcher's cache cleared before each run, so
every distinct name is matched afresh); exits non-zero when it takes 2 s or more.
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import time

import xlsxwriter

from consortium.imports.coverage import plan_coverage
from consortium.imports.files import read_sheet
from consortium.reference.districts import districts
from consortium.reference.matching import match_district

BUDGET_SECONDS = 2.0


def workbook(rows: int, seed: int) -> bytes:
    rng = random.Random(seed)
    every = list(districts().values())
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("Coverage")
    sheet.write_row(0, 0, ["Local authority", "GSS code", "Number of homes", "Notes"])
    for r in range(1, rows + 1):
        district = rng.choice(every)
        way = rng.random()
        if way < 0.5:
            name = district.name
        elif way < 0.7:
            name = f"{district.name.upper()} Council"
        elif way < 0.85:
            name = district.name.replace(" and ", " & ").lower()
        elif way < 0.95 and len(district.name) > 5:
            at = rng.randrange(1, len(district.name) - 1)
            name = district.name[:at] + district.name[at + 1 :]  # a typo: one letter dropped
        else:
            name = f"Nowhere {r}"
        sheet.write_string(r, 0, name)
        sheet.write_string(r, 1, district.code)
        if rng.random() < 0.5:
            sheet.write_number(r, 2, rng.randrange(0, 50_000))
        else:
            sheet.write_string(r, 2, f"{rng.randrange(0, 50_000):,}")
        sheet.write_string(r, 3, "from the asset register")
    book.close()
    return buffer.getvalue()


def run(content: bytes) -> tuple[float, int, int]:
    match_district.cache_clear()
    started = time.perf_counter()
    sheet = read_sheet(content, "coverage.xlsx")
    plan = plan_coverage(sheet, set())
    return time.perf_counter() - started, len(plan.rows), len(plan.problems)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    content = workbook(args.rows, args.seed)
    run(content)  # warm-up: the reference data and the matcher's tables are built once per process
    results = [run(content) for _ in range(args.runs)]
    median = statistics.median(seconds for seconds, _, _ in results)
    _, good, problems = results[0]
    print(
        f"coverage import of a {args.rows:,}-row XLSX ({len(content) / 1000:,.0f} kB): read, matched and checked in "
        f"median {median:.2f} s over {args.runs} runs ({good:,} good rows, {problems:,} problems); budget "
        f"{BUDGET_SECONDS:.0f} s"
    )
    return 0 if median < BUDGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
