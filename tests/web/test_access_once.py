"""A request checks who may see a bid once: the pages call several services (read the bid, save, work out the
figures, list the members), and they share one reading of the bid and of the caller's memberships. A change to the
bid is read again; nothing read in one request is seen by the next, nor by code running after it."""

from __future__ import annotations

from collections import Counter

import pytest

from consortium.accounts.services import load_principal
from consortium.accounts.tables import User
from consortium.bids import access
from consortium.bids.access import Principal
from consortium.bids.tables import Bid
from tests.factories import Client
from tests.web.conftest import ANA, BEN, CONVENOR, Scene
from tests.web.helpers import form_token, sign_in


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Counter[int]:
    """How many times each bid's access facts were read from the database (by bid id)."""
    counted: Counter[int] = Counter()
    real = access._read_facts

    async def counting(principal: Principal, bid_id: int) -> access._Facts:
        counted[bid_id] += 1
        return await real(principal, bid_id)

    monkeypatch.setattr(access, "_read_facts", counting)
    return counted


async def _post(client: Client, path: str, data: dict[str, str], reads: Counter[int], page: str | None = None):  # type: ignore[no-untyped-def]
    token = await form_token(client, page or path)
    reads.clear()  # the form's own page was another request
    return await client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)


async def test_each_pledge_page_post_checks_access_once(client: Client, scene: Scene, reads: Counter[int]) -> None:
    await sign_in(client, BEN)
    # Make and submit: the bid in the member's role, the pledge made, the figures for the message that follows.
    made = await _post(client, f"/bids/{scene.bid_id}/pledge", {"amount": "5,000", "action": "submit"}, reads)
    assert made.status_code == 303 and reads == {scene.bid_id: 1}
    await sign_in(client, ANA)
    path = f"/pledges/{scene.ana_pledge}"
    # Change and submit: the pledge read, the bid, the change saved, the figures.
    changed = await _post(client, path, {"amount": "3,000", "version": "1", "action": "submit"}, reads)
    assert changed.status_code == 303 and reads == {scene.bid_id: 1}
    # Refused: every problem at once, and the form shown again with the organisation's districts and members.
    refused = await _post(client, path, {"amount": "3,000", "other_areas": "Nowhereshire", "version": "2"}, reads)
    assert refused.status_code == 422 and reads == {scene.bid_id: 1}
    withdrawn = await _post(client, f"{path}/withdraw", {"version": "2", "confirm": "yes"}, reads, page=path)
    assert withdrawn.status_code == 303 and reads == {scene.bid_id: 1}


async def test_a_change_to_the_bid_is_read_again_and_nothing_outlives_its_request(
    client: Client, scene: Scene, reads: Counter[int]
) -> None:
    lock = await client.post(f"/api/v1/bids/{scene.bid_id}/lock", headers=scene.convenor_headers)
    # Checked once, then read again after the lock: the answer is the bid as it now stands.
    assert lock.status_code == 200 and lock.json()["status"] == "locked" and reads == {scene.bid_id: 2}
    await sign_in(client, CONVENOR)
    reads.clear()
    assert (await client.get(f"/bids/{scene.bid_id}")).status_code == 200 and reads == {scene.bid_id: 1}
    # Code that awaited the app (as the tests do, in the same task) reads the database itself afterwards.
    user = await User.select(User.id).where(User.email == CONVENOR).first()
    assert user is not None
    convenor = await load_principal(user["id"])
    await Bid.update({Bid.title: "Renamed meanwhile"}).where(Bid.id == scene.bid_id)
    reads.clear()
    assert (await access.bid_access(convenor, scene.bid_id)).bid.title == "Renamed meanwhile"
    await access.bid_access(convenor, scene.bid_id)
    assert reads == {scene.bid_id: 2}  # outside a request nothing is kept: each check reads


async def test_strangers_still_get_404_however_often_they_ask(client: Client, scene: Scene) -> None:
    await sign_in(client, CONVENOR)
    elsewhere = await client.post(
        "/api/v1/bids/999999/lock", headers=scene.convenor_headers
    )  # no such bid: not remembered as anything
    assert elsewhere.status_code == 404
    await sign_in(client, BEN)
    draft = await client.get(f"/pledges/{scene.ana_pledge}")
    assert draft.status_code == 404  # another member's pledge, with Ben's own access read and kept
