"""Background work, against a real `consortium serve` process on a temporary SQLite file (the embedded default: its
own worker inside the web process, PDFs rendered in a separate OS process).

1. Invitations: 400 addresses in one request. Targets: under 1 s of request time (the messages are only written to
   the outbox), and all 400 accepted by a local SMTP server (aiosmtpd on loopback) within 60 s, each Message-ID once.
2. Pages while a large document renders: the p99 of GET /bids/{id}/totals (400 members) while a 2,000-member bid
   document renders, against its p99 with nothing rendering. Target: within 1.5 times.

    .venv/bin/python benchmarks/bench_jobs.py            # both
    .venv/bin/python benchmarks/bench_jobs.py --mail     # the invitations only
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from email import message_from_bytes
from pathlib import Path
from typing import Any

_TMP = Path(tempfile.mkdtemp(prefix="consortium-bench-jobs-"))
os.environ["DATABASE_URL"] = f"sqlite:///{_TMP / 'bench.sqlite3'}"
os.environ.setdefault("PICCOLO_CONF", "consortium.piccolo_conf")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # benchmarks.serving, run as a script

import httpx  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402

from benchmarks.serving import free_port, percentile, seed_bid, seed_network, served  # noqa: E402
from consortium.cli import migrate  # noqa: E402

INVITATIONS = 400
REQUEST_TARGET_S = 1.0
DELIVERY_TARGET_S = 60.0
IDLE_SAMPLES = 100
P99_RATIO_TARGET = 1.5


class Sink:
    """An SMTP server that keeps the Message-ID of everything it accepts."""

    def __init__(self) -> None:
        self.message_ids: list[str] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content)
        with self.lock:
            self.message_ids.append(str(message["Message-ID"]))
        return "250 OK"

    def count(self) -> int:
        with self.lock:
            return len(self.message_ids)


def bench_invitations(bid_id: int, token: str) -> bool:
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        env = {"CONSORTIUM_SMTP_URL": f"smtp://127.0.0.1:{port}"}
        with served(env, log=_TMP / "serve-mail.log") as base:
            emails = [f"officer{i:03d}@member{i:03d}.example.org" for i in range(INVITATIONS)]
            started = time.perf_counter()
            response = httpx.post(
                f"{base}/api/v1/bids/{bid_id}/invitations",
                json={"emails": emails},
                headers={"Authorization": f"Bearer {token}"},
                timeout=60,
            )
            request_s = time.perf_counter() - started
            if response.status_code != 201:
                print(f"invitations: {response.status_code} {response.text[:300]}")
                return False
            deadline = started + DELIVERY_TARGET_S
            while sink.count() < INVITATIONS and time.perf_counter() < deadline:
                time.sleep(0.1)
            delivered_s = time.perf_counter() - started
            time.sleep(1)  # anything sent twice would arrive now
    finally:
        controller.stop()
    received = sink.count()
    doubled = sum(1 for n in Counter(sink.message_ids).values() if n > 1)
    ok = request_s < REQUEST_TARGET_S and received == INVITATIONS and delivered_s < DELIVERY_TARGET_S and not doubled
    print(
        f"{INVITATIONS} invitations: request {request_s:.2f} s (target < {REQUEST_TARGET_S:.0f} s); "
        f"{received} delivered in {delivered_s:.1f} s (target all within {DELIVERY_TARGET_S:.0f} s); "
        f"{doubled} delivered twice"
    )
    return ok


def bench_render_latency(small_bid: int, large_bid: int, token: str) -> bool:
    headers = {"Authorization": f"Bearer {token}"}
    with served({}, log=_TMP / "serve-render.log") as base, httpx.Client(base_url=base, headers=headers) as client:
        path = f"/api/v1/bids/{small_bid}/totals"

        def timed() -> float:
            started = time.perf_counter()
            response = client.get(path, timeout=60)
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, response.text
            return elapsed

        for _ in range(5):
            timed()  # warm-up
        idle = [timed() for _ in range(IDLE_SAMPLES)]
        made = client.post(f"/api/v1/bids/{large_bid}/documents", json={}, timeout=60)
        assert made.status_code == 202, made.text
        document = f"/api/v1/documents/{made.json()['id']}"
        busy: list[float] = []
        render_started = time.perf_counter()
        while True:
            busy.append(timed())
            if len(busy) % 10 == 0 and client.get(document).json()["state"] != "rendering":
                break
        render_s = time.perf_counter() - render_started
        state = client.get(document).json()["state"]
    idle_p99, busy_p99 = percentile(idle, 0.99), percentile(busy, 0.99)
    ratio = busy_p99 / idle_p99
    print(
        f"totals (400 members) p99: idle {idle_p99:.0f} ms ({len(idle)} requests), during a 2,000-member render "
        f"{busy_p99:.0f} ms ({len(busy)} requests over {render_s:.0f} s; render {state}): {ratio:.2f} times "
        f"(target <= {P99_RATIO_TARGET})"
    )
    return state == "ready" and ratio <= P99_RATIO_TARGET


async def seed(with_render: bool) -> tuple[int, int, int, str]:
    await migrate()
    network_id, token = await seed_network()
    empty_bid = await seed_bid(network_id, 0, seed=1)
    small = await seed_bid(network_id, 400, seed=400) if with_render else 0
    large = await seed_bid(network_id, 2000, seed=2000) if with_render else 0
    return empty_bid, small, large, token


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mail", action="store_true", help="the invitations benchmark only")
    args = parser.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    empty_bid, small, large, token = asyncio.run(seed(with_render=not args.mail))
    ok = bench_invitations(empty_bid, token)
    if not args.mail:
        ok &= bench_render_latency(small, large, token)
    print(f"(server logs in {_TMP})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
