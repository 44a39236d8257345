from __future__ import annotations

from consortium.audit.tables import AuditEvent
from consortium.pledges.tables import Pledge
from tests.factories import Client, convenor, join, open_bid, organisation, pledge


async def _bid_with_member(client: Client) -> tuple[dict, dict[str, str], dict[str, str], int]:  # type: ignore[type-arg]
    network_id, headers = await convenor()
    bid = await open_bid(client, headers, network_id, themes=["Food security", "Digital inclusion"])
    org_id, member = await join(client, headers, bid["id"], organisation("Ashbrook Homes"))
    return bid, headers, member, org_id


async def test_member_creates_updates_submits_and_withdraws_with_versions(client: Client) -> None:
    bid, _, member, org_id = await _bid_with_member(client)
    created = await pledge(
        client,
        member,
        bid["id"],
        25_000_00,
        submit=False,
        themes=["Food security"],
        areas=[{"district_code": "Manchester", "amount_pence": 5_000_00}, {"district_code": "E08000007"}],
    )
    assert created["status"] == "draft" and created["version"] == 1 and created["organisation_id"] == org_id
    assert [a["district_code"] for a in created["areas"]] == ["E08000003", "E08000007"]
    url = f"/api/v1/pledges/{created['id']}"
    updated = await client.patch(url, json={"amount_pence": 30_000_00}, headers=member | {"If-Match": '"1"'})
    assert updated.status_code == 200, updated.text
    assert updated.json()["version"] == 2 and updated.json()["amount_pence"] == 30_000_00
    submitted = await client.post(f"{url}/submit", headers=member | {"If-Match": "2"})
    assert submitted.json()["status"] == "submitted"
    withdrawn = await client.post(f"{url}/withdraw", headers=member | {"If-Match": "3"})
    assert withdrawn.json()["status"] == "withdrawn" and withdrawn.json()["version"] == 4
    history = (await client.get(f"{url}/history", headers=member)).json()
    assert [e["action"] for e in history] == ["pledge.create", "pledge.update", "pledge.submit", "pledge.withdraw"]
    assert history[1]["before"]["amount_pence"] == 25_000_00 and history[1]["after"]["amount_pence"] == 30_000_00


async def test_stale_version_is_refused_with_the_current_one_and_nothing_changes(client: Client) -> None:
    bid, _, member, _ = await _bid_with_member(client)
    created = await pledge(client, member, bid["id"], 25_000_00)
    url = f"/api/v1/pledges/{created['id']}"
    assert (await client.patch(url, json={"amount_pence": 1}, headers=member | {"If-Match": "1"})).status_code == 200
    stale = await client.patch(url, json={"amount_pence": 999}, headers=member | {"If-Match": "1"})
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2
    missing = await client.patch(url, json={"amount_pence": 999}, headers=member)
    assert missing.status_code == 428
    row = await Pledge.select(Pledge.amount_pence, Pledge.version).where(Pledge.id == created["id"]).first()
    assert row == {"amount_pence": 1, "version": 2}


async def test_bad_pledges_are_explained(client: Client) -> None:
    bid, _, member, _ = await _bid_with_member(client)
    base = f"/api/v1/bids/{bid['id']}/pledges"
    cases = [
        ({"amount_pence": -5}, 400, "amount_pence"),
        ({"amount_pence": 12.5}, 400, "amount_pence"),
        ({"amount_pence": 10**20}, 400, "amount_pence"),
        ({"amount_pence": 100, "areas": [{"district_code": "Manchster"}]}, 422, "Manchester"),
        ({"amount_pence": 100, "areas": [{"district_code": "E08000003", "amount_pence": 200}]}, 422, "more than"),
        ({"amount_pence": 100, "themes": ["Knitting"]}, 422, "Food security"),
    ]
    for body, status, words in cases:
        response = await client.post(base, json=body, headers=member)
        assert response.status_code == status, (body, response.text)
        assert words in response.json()["message"], (body, response.json())
    assert await Pledge.count() == 0


async def test_members_cannot_read_or_change_each_others_pledges(client: Client) -> None:
    bid, headers, member_a, _ = await _bid_with_member(client)
    _, member_b = await join(client, headers, bid["id"], organisation("Calder Valley Housing"))
    theirs = await pledge(client, member_b, bid["id"], 50_000_00)
    url = f"/api/v1/pledges/{theirs['id']}"
    assert (await client.get(url, headers=member_a)).status_code == 404
    assert (await client.get(f"{url}/history", headers=member_a)).status_code == 404
    assert (await client.patch(url, json={"amount_pence": 1}, headers=member_a | {"If-Match": "1"})).status_code == 404
    assert (await client.get(f"/api/v1/bids/{bid['id']}/pledges", headers=member_a)).json() == []
    assert (await client.get(url, headers=headers)).status_code == 200  # the convenor sees every pledge
    assert (await client.patch(url, json={"amount_pence": 1}, headers=headers | {"If-Match": "1"})).status_code == 403


async def test_nothing_lands_after_the_lock(client: Client) -> None:
    bid, headers, member, _ = await _bid_with_member(client)
    created = await pledge(client, member, bid["id"], 25_000_00)
    await client.post(f"/api/v1/bids/{bid['id']}/lock", headers=headers)
    events_before = await AuditEvent.count()
    response = await client.patch(
        f"/api/v1/pledges/{created['id']}", json={"amount_pence": 1}, headers=member | {"If-Match": "1"}
    )
    assert response.status_code == 409 and "locked" in response.json()["message"]
    assert await AuditEvent.count() == events_before


async def test_amounts_for_every_district_must_add_up_to_the_pledge(client: Client) -> None:
    """The rest of a pledge goes to its districts without an amount; with none, it would count in no district."""
    bid, _, member, _ = await _bid_with_member(client)
    base = f"/api/v1/bids/{bid['id']}/pledges"
    short = await client.post(
        base,
        json={"amount_pence": 75_000_00, "areas": [{"district_code": "Leeds", "amount_pence": 1_000_00}]},
        headers=member,
    )
    assert short.status_code == 422 and short.json()["field"] == "areas"
    assert short.json()["message"] == (
        "You set an amount for every district you chose, and they add up to £1,000 of this £75,000 pledge. "
        "Make them add up to £75,000, or leave one district's amount blank so the rest goes there."
    )
    assert await Pledge.count() == 0
    exact = [{"district_code": "Leeds", "amount_pence": 25_000_00}, {"district_code": "Bradford", "amount_pence": 0}]
    made = await pledge(client, member, bid["id"], 25_000_00, areas=exact)
    url = f"/api/v1/pledges/{made['id']}"
    # Only the amount changes: the districts as they stand are checked against it again.
    raised = await client.patch(url, json={"amount_pence": 30_000_00}, headers=member | {"If-Match": "1"})
    assert raised.status_code == 422 and raised.json()["field"] == "areas"
    assert "add up to £25,000 of this £30,000 pledge" in raised.json()["message"]
    lowered = await client.patch(url, json={"amount_pence": 20_000_00}, headers=member | {"If-Match": "1"})
    assert lowered.status_code == 422 and "more than the pledge of £20,000" in lowered.json()["message"]
    row = await Pledge.select(Pledge.amount_pence, Pledge.version).where(Pledge.id == made["id"]).first()
    assert row == {"amount_pence": 25_000_00, "version": 1}
    blank = [{"district_code": "Leeds", "amount_pence": 25_000_00}, {"district_code": "Bradford"}]
    both = await client.patch(url, json={"amount_pence": 30_000_00, "areas": blank}, headers=member | {"If-Match": "1"})
    assert both.status_code == 200 and both.json()["version"] == 2


async def test_a_change_to_the_same_values_makes_no_new_version(client: Client) -> None:
    bid, _, member, _ = await _bid_with_member(client)
    made = await pledge(
        client, member, bid["id"], 25_000_00, themes=["Food security"], areas=[{"district_code": "E08000035"}]
    )
    url = f"/api/v1/pledges/{made['id']}"
    events = await AuditEvent.count()
    same = {
        "amount_pence": 25_000_00,
        "themes": [" Food security "],
        "areas": [{"district_code": "Leeds"}],  # the same district, by name
        "board_approved": True,
        "purpose": "  ",
        "conditions": "",
    }
    answer = await client.patch(url, json=same, headers=member | {"If-Match": "1"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["version"] == 1 and answer.json()["updated_at"] == made["updated_at"]
    assert await AuditEvent.count() == events
    history = (await client.get(f"{url}/history", headers=member)).json()
    assert [e["action"] for e in history] == ["pledge.create"]
    # Only what differs is a change, and only it is in the history.
    changed = await client.patch(url, json={**same, "purpose": "Warm spaces"}, headers=member | {"If-Match": "1"})
    assert changed.status_code == 200 and changed.json()["version"] == 2
    last = (await client.get(f"{url}/history", headers=member)).json()[-1]
    assert last["before"] == {"purpose": "", "version": 1} and last["after"] == {"purpose": "Warm spaces", "version": 2}
    # A stale version is still refused, even when nothing would change.
    stale = await client.patch(url, json={"purpose": "Warm spaces"}, headers=member | {"If-Match": "1"})
    assert stale.status_code == 412 and stale.json()["current_version"] == 2


async def test_every_answer_with_a_pledge_carries_its_etag_and_if_match_takes_it_back(client: Client) -> None:
    """A script reads the ETag and sends it straight back in If-Match; the bare version and a weak ETag work too. A
    stale one is refused (412) in words, with the current version, and changes nothing."""
    bid, _, member, _ = await _bid_with_member(client)
    made = await client.post(f"/api/v1/bids/{bid['id']}/pledges", json={"amount_pence": 25_000_00}, headers=member)
    assert made.status_code == 201 and made.headers["etag"] == '"1"'
    url = f"/api/v1/pledges/{made.json()['id']}"
    read = await client.get(url, headers=member)
    assert read.headers["etag"] == '"1"'
    changed = await client.patch(
        url, json={"amount_pence": 30_000_00}, headers=member | {"If-Match": read.headers["etag"]}
    )
    assert changed.status_code == 200 and changed.headers["etag"] == '"2"' == f'"{changed.json()["version"]}"'
    submitted = await client.post(f"{url}/submit", headers=member | {"If-Match": 'W/"2"'})
    assert submitted.status_code == 200 and submitted.headers["etag"] == '"3"'

    stale = await client.post(f"{url}/withdraw", headers=member | {"If-Match": read.headers["etag"]})
    assert stale.status_code == 412 and stale.json()["current_version"] == 3
    assert stale.json()["message"] == (
        "This pledge was changed by someone else (it is now version 3, you sent 1). Reload it, check the latest "
        "figures, then make your change again."
    )
    garbled = await client.post(f"{url}/withdraw", headers=member | {"If-Match": '"three"'})
    assert garbled.status_code == 422 and 'ETag, like "3"' in garbled.json()["message"]
    row = await Pledge.select(Pledge.status, Pledge.version).where(Pledge.id == made.json()["id"]).first()
    assert row == {"status": "submitted", "version": 3}

    withdrawn = await client.post(f"{url}/withdraw", headers=member | {"If-Match": "3"})
    assert withdrawn.status_code == 200 and withdrawn.headers["etag"] == '"4"'
    assert withdrawn.json()["status"] == "withdrawn"
