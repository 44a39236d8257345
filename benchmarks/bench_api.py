"""API benchmark: GET /bids/{id}/totals and /eligibility for a 400-member bid on SQLite, through the whole ASGI
stack (the app in this process and event loop, driven by httpx, with its real lifespan and a real SQLite file;
bearer-token sign-in on every request). Target: median under 100 ms.

Litestar's AsyncTestClient would add 15-20 ms a request of its own: it runs the app in another thread and copies
each response across, which is the test client's cost, not the server's.

    .venv/bin/python benchmarks/bench_api.py
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

_TMP = Path(tempfile.mkdtemp(prefix="consortium-bench-"))
os.environ["DATABASE_URL"] = f"sqlite:///{_TMP / 'bench.sqlite3'}"
os.environ.setdefault("PICCOLO_CONF", "consortium.piccolo_conf")

import httpx  # noqa: E402

from consortium.accounts.services import create_api_token  # noqa: E402
from consortium.app import create_app, database_lifespan  # noqa: E402
from consortium.bids.tables import Bid, BidMember  # noqa: E402
from consortium.cli import migrate  # noqa: E402
from consortium.networks.services import create_network  # noqa: E402
from consortium.organisations.tables import Coverage, Organisation  # noqa: E402
from consortium.pledges.tables import Pledge  # noqa: E402
from consortium.reference.districts import districts  # noqa: E402
from consortium.settings import Settings  # noqa: E402
from consortium.timeutil import utc_now  # noqa: E402

MEMBERS = 400
RUNS = 30
TARGET_MS = 100.0


async def seed() -> tuple[int, str]:
    from datetime import timedelta

    rng = random.Random(400)
    codes = list(districts())
    network_id, user_id = await create_network("Bench Network", "bench@example.org", "Bench", "bench-password-123")
    _, token = await create_api_token(user_id, "bench")
    rules = [
        {"key": "min_total", "amount_pence": 100_000_000},
        {"key": "min_pledge", "amount_pence": 1_000_000},
        {"key": "board_approval_required"},
        {"key": "allowed_areas", "area_codes": ["E92000001"]},
        {"key": "max_member_share", "percent": 25},
        {"key": "min_regions", "count": 3},
    ]
    rows = await Bid.insert(
        Bid(
            network=network_id,
            title="Bench bid",
            funder_name="Funder",
            deadline=utc_now() + timedelta(days=5),
            status="open",
            rules=rules,
            themes=[],
        )
    ).returning(Bid.id)
    bid_id = int(rows[0]["id"])
    orgs = await Organisation.insert(
        *[
            Organisation(name=f"Member {i:03d}", org_type="housing_association", homes=rng.randint(100, 50_000))
            for i in range(MEMBERS)
        ]
    ).returning(Organisation.id)
    org_ids = [int(r["id"]) for r in orgs]
    await BidMember.insert(*[BidMember(bid=bid_id, organisation=o, status="joined") for o in org_ids])
    coverage = []
    for o in org_ids:
        for code in rng.sample(codes, rng.randint(3, 25)):
            coverage.append(Coverage(organisation=o, district_code=code, homes=rng.randint(10, 5000)))
    await Coverage.insert(*coverage)
    pledges = []
    for o in org_ids:
        areas = [{"district_code": c, "amount_pence": None} for c in rng.sample(codes, rng.randint(0, 4))]
        pledges.append(
            Pledge(
                bid=bid_id,
                organisation=o,
                amount_pence=rng.randint(5_000, 600_000) * 100,
                status=rng.choice(["submitted"] * 8 + ["draft"]),
                board_approved=rng.random() > 0.05,
                areas=areas,
                themes=["Food security"],
            )
        )
    await Pledge.insert(*pledges)
    return bid_id, token


async def main() -> int:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    await migrate()
    bid_id, token = await seed()
    app = create_app(Settings.from_env().with_changes(environment="test"))
    headers = {"Authorization": f"Bearer {token}"}
    failed = False
    async with (
        database_lifespan(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench.local") as client,
    ):
        for path in (f"/api/v1/bids/{bid_id}/totals", f"/api/v1/bids/{bid_id}/eligibility"):
            assert (await client.get(path, headers=headers)).status_code == 200  # warm-up
            timings = []
            for _ in range(RUNS):
                start = time.perf_counter()
                response = await client.get(path, headers=headers)
                timings.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200
            median = statistics.median(timings)
            failed |= median > TARGET_MS
            print(
                f"{path:<40} {MEMBERS} members  median {median:6.1f} ms  p90 "
                f"{sorted(timings)[int(RUNS * 0.9)]:6.1f} ms  (target < {TARGET_MS:.0f} ms)"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
