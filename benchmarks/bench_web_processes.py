"""Web throughput with one and with two web processes on PostgreSQL (`consortium serve --workers N`), loaded by wrk
from another process on loopback: GET /api/v1/bids/{id}/totals of a 400-member bid, and GET /health (the floor of
the stack). Jobs run in no web process here (CONSORTIUM_JOBS_IN_WEB=no), as in production.

Two cores are shared by the server processes, PostgreSQL and wrk, so two web processes cannot double the rate; the
figure says how much a second process buys. Target: two processes serve the totals at least 1.2 times as fast.

    .venv/bin/python benchmarks/bench_web_processes.py [--seconds 15] [--connections 16]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

DATABASE = "consortium_bench_web"
SERVER = os.environ.get("CONSORTIUM_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
os.environ["DATABASE_URL"] = f"{SERVER}/{DATABASE}"
os.environ.setdefault("PICCOLO_CONF", "consortium.piccolo_conf")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # benchmarks.serving, run as a script

import asyncpg  # noqa: E402

from benchmarks.serving import seed_bid, seed_network, served  # noqa: E402

TARGET_RATIO = 1.2
_TMP = Path(tempfile.mkdtemp(prefix="consortium-bench-web-"))


async def fresh_database() -> tuple[int, str]:
    connection = await asyncpg.connect(f"{SERVER}/postgres")
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{DATABASE}"')
    finally:
        await connection.close()
    from consortium.cli import migrate
    from consortium.db import engine

    db = engine()
    await db.start_connection_pool()  # type: ignore[attr-defined]
    try:
        await migrate()
        network_id, token = await seed_network()
        bid_id = await seed_bid(network_id, 400)
    finally:
        await db.close_connection_pool()  # type: ignore[attr-defined]
    return bid_id, token


def wrk(url: str, token: str, seconds: int, connections: int) -> tuple[float, str]:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-H", f"Authorization: Bearer {token}", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+(\S+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{errors.group(1)} requests failed at {url}")
    return rate, p99.group(1) if p99 else "?"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is not installed: run `make system-deps` (as root)")
        return 1
    bid_id, token = asyncio.run(fresh_database())
    rates: dict[int, float] = {}
    for processes in (1, 2):
        env = {"CONSORTIUM_JOBS_IN_WEB": "no"}
        with served(env, workers=processes, log=_TMP / f"serve-{processes}.log") as base:
            wrk(f"{base}/api/v1/bids/{bid_id}/totals", token, 2, args.connections)  # warm-up
            totals, totals_p99 = wrk(f"{base}/api/v1/bids/{bid_id}/totals", token, args.seconds, args.connections)
            health, health_p99 = wrk(f"{base}/health", token, args.seconds, args.connections)
        rates[processes] = totals
        print(
            f"{processes} web process{'es' if processes > 1 else ''}: totals {totals:7.1f} requests/s (p99 "
            f"{totals_p99}); /health {health:7.1f} requests/s (p99 {health_p99})"
        )
    ratio = rates[2] / rates[1]
    print(f"two processes serve the totals {ratio:.2f} times as fast as one (target >= {TARGET_RATIO})")
    return 0 if ratio >= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
