"""Pages stay fast for a big bid: 400 member organisations with coverage and pledges.

The budget is 200 ms of server time per page. A shared test machine is noisy, so each page is asked for several
times and the fastest answer must be within budget (the median is printed for the record); the first request
warms the template and Polars caches."""

from __future__ import annotations

import statistics
import time

from tests.factories import Client
from tests.web.helpers import sign_in
from tests.web.seed import seed_large_bid

BUDGET_MS = 200
TRIES = 5
PASSWORD = "a long convenor password"


async def timed(client: Client, path: str) -> tuple[float, float, int]:
    times = []
    size = 0
    for _ in range(TRIES):
        started = time.perf_counter()
        answer = await client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert answer.status_code in (200, 204), (path, answer.status_code)
        size = len(answer.content)
    return min(times), statistics.median(times), size


async def test_a_400_member_bid_renders_within_budget(client: Client) -> None:
    _, bid_id, email = await seed_large_bid(400, password=PASSWORD)
    await sign_in(client, email, PASSWORD)
    page = await client.get(f"/bids/{bid_id}")  # warm the caches
    assert page.status_code == 200 and page.text.count('<th scope="row" class="table__name">') == 400
    member_id = int(page.text.split("?without=", 1)[1].split('"', 1)[0].split("#", 1)[0])
    report = []
    for path in [
        f"/bids/{bid_id}",
        f"/bids/{bid_id}/live/figures",
        f"/bids/{bid_id}/live/members",
        f"/bids/{bid_id}/what-if?without={member_id}",
        f"/bids/{bid_id}/invitations",
        f"/bids/{bid_id}/rules",
        "/bids",
    ]:
        fastest, median, size = await timed(client, path)
        report.append(f"{path}: fastest {fastest:.0f} ms, median {median:.0f} ms, {size // 1000} KB")
        assert fastest < BUDGET_MS, report[-1]
    print("\n" + "\n".join(report))
