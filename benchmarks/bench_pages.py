"""Page benchmark: server time of the convenor's pages for a 400-member bid on SQLite, through the whole HTTP stack
(the app in process, a real SQLite file, signed in with a session cookie). Target: median under 200 ms per page.

    .venv/bin/python benchmarks/bench_pages.py
    .venv/bin/python benchmarks/bench_pages.py --members 2000 --runs 10
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_TMP = Path(tempfile.mkdtemp(prefix="consortium-bench-pages-"))
os.environ["DATABASE_URL"] = f"sqlite:///{_TMP / 'bench.sqlite3'}"
os.environ.setdefault("PICCOLO_CONF", "consortium.piccolo_conf")
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from consortium.app import create_app, database_lifespan  # noqa: E402
from consortium.cli import migrate  # noqa: E402
from consortium.settings import Settings  # noqa: E402
from tests.web.helpers import sign_in  # noqa: E402
from tests.web.seed import seed_large_bid  # noqa: E402

TARGET_MS = 200.0
PASSWORD = "a long convenor password"  # noqa: S105 (a throwaway benchmark database)


async def main(members: int, runs: int) -> int:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    await migrate()
    _, bid_id, email = await seed_large_bid(members, password=PASSWORD)
    app = create_app(Settings.from_env().with_changes(environment="test", base_url="http://bench.local"))
    failed = False
    async with database_lifespan(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://bench.local") as client:
            await sign_in(client, email, PASSWORD)
            dashboard = await client.get(f"/bids/{bid_id}")
            member_id = int(dashboard.text.split("?without=", 1)[1].split('"', 1)[0].split("#", 1)[0])
            paths = [
                f"/bids/{bid_id}",
                f"/bids/{bid_id}/live/figures",
                f"/bids/{bid_id}/live/members",
                f"/bids/{bid_id}/what-if?without={member_id}",
                f"/bids/{bid_id}/invitations",
                f"/bids/{bid_id}/rules",
                "/bids",
            ]
            for path in paths:
                assert (await client.get(path)).status_code == 200  # warm the template and Polars caches
                timings, size = [], 0
                for _ in range(runs):
                    start = time.perf_counter()
                    response = await client.get(path)
                    timings.append((time.perf_counter() - start) * 1000)
                    assert response.status_code == 200, (path, response.status_code)
                    size = len(response.content)
                median = statistics.median(timings)
                failed |= median > TARGET_MS
                print(
                    f"{path:<34} {members} members  median {median:6.1f} ms  p90 "
                    f"{sorted(timings)[int(runs * 0.9)]:6.1f} ms  {size // 1000:4d} KB  (target < {TARGET_MS:.0f} ms)"
                )
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return 1 if failed else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=400)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.members, args.runs)))
