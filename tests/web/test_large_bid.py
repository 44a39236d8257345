"""The convenor's pages for a big bid (400 member organisations with coverage and pledges) show every member and
answer for every view. How fast they answer is measured by benchmarks/bench_pages.py (make bench), not here."""

from __future__ import annotations

from tests.factories import Client
from tests.web.helpers import sign_in, text_of
from tests.web.seed import seed_large_bid

PASSWORD = "a long convenor password"


async def test_a_400_member_bid_shows_every_member_on_every_view(client: Client) -> None:
    _, bid_id, email = await seed_large_bid(400, password=PASSWORD)
    await sign_in(client, email, PASSWORD)
    page = await client.get(f"/bids/{bid_id}")
    assert page.status_code == 200
    assert page.text.count('<th scope="row" class="table__name">') == 400
    member_id = int(page.text.split("?without=", 1)[1].split('"', 1)[0].split("#", 1)[0])
    members = await client.get(f"/bids/{bid_id}/live/members")
    assert members.status_code == 200
    assert members.text.count('<th scope="row" class="table__name">') == 400
    what_if = await client.get(f"/bids/{bid_id}/what-if?without={member_id}")
    assert what_if.status_code == 200 and "withdr" in text_of(what_if.text).lower()
    for path in [f"/bids/{bid_id}/live/figures", f"/bids/{bid_id}/invitations", f"/bids/{bid_id}/rules", "/bids"]:
        answer = await client.get(path)
        assert answer.status_code == 200, (path, answer.status_code)
