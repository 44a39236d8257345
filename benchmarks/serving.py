"""What the background-work benchmarks share: a seeded database and real `consortium serve` processes.

Import this module only after setting DATABASE_URL (Piccolo builds its engine on import)."""

from __future__ import annotations

import contextlib
import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx

from consortium.accounts.services import create_api_token
from consortium.bids.tables import Bid, BidMember
from consortium.networks.services import create_network
from consortium.organisations.tables import Coverage, Organisation
from consortium.pledges.tables import Pledge
from consortium.reference.districts import districts
from consortium.timeutil import utc_now

ROOT = Path(__file__).resolve().parent.parent
CONSORTIUM = str(Path(sys.executable).with_name("consortium"))


async def seed_network() -> tuple[int, str]:
    """A network and its convenor's API token."""
    network_id, user_id = await create_network("Bench Network", "bench@example.org", "Bench", "bench-password-123")
    _, token = await create_api_token(user_id, "bench")
    return network_id, token


async def seed_bid(network_id: int, members: int, *, seed: int = 400) -> int:
    """An open bid with ``members`` joined members, their districts and pledges (as benchmarks/bench_api.py)."""
    rng = random.Random(seed)
    codes = list(districts())
    rows = await Bid.insert(
        Bid(
            network=network_id,
            title=f"Bench bid ({members} members)",
            funder_name="Funder",
            deadline=utc_now() + timedelta(days=5),
            status="open",
            rules=[{"key": "min_total", "amount_pence": 100_000_000}, {"key": "max_member_share", "percent": 25}],
            themes=[],
        )
    ).returning(Bid.id)
    bid_id = int(rows[0]["id"])
    if not members:
        return bid_id
    orgs = await Organisation.insert(
        *[
            Organisation(name=f"Member {seed}-{i:04d}", org_type="housing_association", homes=rng.randint(100, 50_000))
            for i in range(members)
        ]
    ).returning(Organisation.id)
    org_ids = [int(r["id"]) for r in orgs]
    await BidMember.insert(*[BidMember(bid=bid_id, organisation=o, status="joined") for o in org_ids])
    await Coverage.insert(
        *[
            Coverage(organisation=o, district_code=code, homes=rng.randint(10, 5000))
            for o in org_ids
            for code in rng.sample(codes, rng.randint(3, 25))
        ]
    )
    await Pledge.insert(
        *[
            Pledge(
                bid=bid_id,
                organisation=o,
                amount_pence=rng.randint(5_000, 600_000) * 100,
                status="submitted",
                board_approved=True,
                areas=[{"district_code": c, "amount_pence": None} for c in rng.sample(codes, rng.randint(0, 4))],
                themes=["Food security"],
            )
            for o in org_ids
        ]
    )
    return bid_id


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def served(env: dict[str, str], *, workers: int = 1, log: Path | None = None) -> Iterator[str]:
    """`consortium serve` in its own process(es) until the block ends; yields its base URL once /health answers."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    mail = {"CONSORTIUM_MAIL_DIR": str(log.parent / "mail")} if log else {}  # never the project's var/mail
    full_env = {**os.environ, "CONSORTIUM_ENV": "test", "CONSORTIUM_BASE_URL": base, **mail, **env}
    output = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [CONSORTIUM, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
        env=full_env,
        cwd=ROOT,
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                where = f"; see {log}" if log else ""
                raise RuntimeError(f"consortium serve exited with {server.returncode}{where}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("consortium serve did not answer /health within 60 s")
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if log:
            output.close()  # type: ignore[union-attr]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]
