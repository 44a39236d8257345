"""Who a membership lets in. A joined organisation is a member; one that joined through a link sent to another
address waits for the convenor's approval ("pending") and sees nothing of the bid; one that withdrew reads its own
organisation and pledges and nothing else of the bid (404, like a stranger)."""

from __future__ import annotations

from typing import Any

from consortium.audit.tables import AuditEvent
from consortium.bids.tables import BidMember
from tests.factories import PASSWORD, Client, convenor, invitation_token, join, open_bid, organisation, pledge

BID_READS = ("", "/totals", "/eligibility", "/members", "/rules", "/eligibility?without={org}")


async def _reads(client: Client, headers: dict[str, str], bid_id: int, org: int) -> dict[str, int]:
    out = {}
    for suffix in BID_READS:
        url = f"/api/v1/bids/{bid_id}{suffix.format(org=org)}"
        out[suffix] = (await client.get(url, headers=headers)).status_code
    return out


async def _someone_else_accepts(client: Client) -> dict[str, Any]:
    """A bid with one joined member (A), and a person from another organisation (X, already in another bid of the
    network) who uses a link the convenor sent to someone else."""
    network_id, conv = await convenor()
    bid = await open_bid(client, conv, network_id)
    _, member_a = await join(client, conv, bid["id"], organisation("Ashbrook Homes"))
    await pledge(client, member_a, bid["id"], 40_000_00)
    earlier = await open_bid(client, conv, network_id, title="Earlier call")
    org_x, person_x = await join(client, conv, earlier["id"], organisation("Xavier Homes"), email="xavier@example.org")
    token = await invitation_token(client, conv, bid["id"], "finance@ashbrook.example.org")
    accepted = await client.post(
        f"/api/v1/invitations/{token}/accept", json={"organisation_id": org_x}, headers=person_x
    )
    return {
        "conv": conv,
        "bid": bid,
        "member_a": member_a,
        "org_x": org_x,
        "person_x": person_x,
        "accepted": accepted,
        "token": token,
    }


async def test_accepting_a_link_sent_to_another_address_waits_for_the_convenor(client: Client) -> None:
    s = await _someone_else_accepts(client)
    bid_id, org_x = s["bid"]["id"], s["org_x"]
    assert s["accepted"].status_code == 201, s["accepted"].text
    body = s["accepted"].json()
    assert body["status"] == "pending"
    assert "finance@ashbrook.example.org" in body["message"] and "approve" in body["message"]

    # The waiting organisation sees nothing of the bid, and cannot pledge.
    assert set((await _reads(client, s["person_x"], bid_id, org_x)).values()) == {404}
    listed = (await client.get("/api/v1/bids", headers=s["person_x"])).json()
    assert bid_id not in [b["id"] for b in listed]
    refused = await client.post(f"/api/v1/bids/{bid_id}/pledges", json={"amount_pence": 100}, headers=s["person_x"])
    assert refused.status_code == 404

    # The convenor sees it waiting, and who used the link.
    invitations = (await client.get(f"/api/v1/bids/{bid_id}/invitations", headers=s["conv"])).json()
    waiting = [i for i in invitations if i["status"] == "pending"]
    assert len(waiting) == 1 and waiting[0]["accepted_by"] == "xavier@example.org"
    assert waiting[0]["organisation_id"] == org_x
    members = (await client.get(f"/api/v1/bids/{bid_id}/members", headers=s["conv"])).json()
    assert {m["organisation_id"]: m["status"] for m in members}[org_x] == "pending"

    # Members cannot decide; the convenor approves, once (a second approval is answered the same, not recorded).
    by_member = await client.post(f"/api/v1/bids/{bid_id}/members/{org_x}/approve", headers=s["member_a"])
    assert by_member.status_code == 403
    approved = await client.post(f"/api/v1/bids/{bid_id}/members/{org_x}/approve", headers=s["conv"])
    assert approved.status_code == 200 and approved.json()["member"]["status"] == "joined", approved.text
    again = await client.post(f"/api/v1/bids/{bid_id}/members/{org_x}/approve", headers=s["conv"])
    assert again.status_code == 200 and again.json()["member"]["status"] == "joined"
    events = await AuditEvent.select(AuditEvent.action).where(AuditEvent.bid_id == bid_id)
    actions = [e["action"] for e in events]
    assert actions.count("membership.request") == 1 and actions.count("membership.approve") == 1
    assert set((await _reads(client, s["person_x"], bid_id, org_x)).values()) == {200}
    refuse_joined = await client.post(f"/api/v1/bids/{bid_id}/members/{org_x}/refuse", headers=s["conv"])
    assert refuse_joined.status_code == 409 and "withdraw" in refuse_joined.json()["message"]


async def test_the_convenor_refuses_a_waiting_organisation_and_its_link_stops_working(client: Client) -> None:
    s = await _someone_else_accepts(client)
    bid_id, org_x = s["bid"]["id"], s["org_x"]
    refused = await client.post(f"/api/v1/bids/{bid_id}/members/{org_x}/refuse", headers=s["conv"])
    assert refused.status_code == 200 and "does not join" in refused.json()["message"]
    assert await BidMember.count().where((BidMember.bid == bid_id) & (BidMember.organisation == org_x)) == 0
    assert set((await _reads(client, s["person_x"], bid_id, org_x)).values()) == {404}
    invitations = (await client.get(f"/api/v1/bids/{bid_id}/invitations", headers=s["conv"])).json()
    cancelled = next(i for i in invitations if i["email"] == "finance@ashbrook.example.org")
    assert cancelled["status"] == "revoked" and cancelled["organisation_id"] is None
    reused = await client.post(
        f"/api/v1/invitations/{s['token']}/accept", json={"organisation_id": org_x}, headers=s["person_x"]
    )
    assert reused.status_code == 410
    # The convenor can make a new link for the right person.
    fresh = await client.post(f"/api/v1/bids/{bid_id}/invitations/{cancelled['id']}/resend", headers=s["conv"])
    assert fresh.status_code == 200 and fresh.json()["invitations"][0]["status"] == "invited"
    twice = await client.post(f"/api/v1/bids/{bid_id}/members/{org_x}/refuse", headers=s["conv"])
    assert twice.status_code == 404
    events = await AuditEvent.select(AuditEvent.action).where(AuditEvent.action == "membership.refuse")
    assert len(events) == 1


async def test_a_waiting_organisation_is_not_let_in_once_the_bid_is_locked(client: Client) -> None:
    s = await _someone_else_accepts(client)
    bid_id, org_x = s["bid"]["id"], s["org_x"]
    assert (await client.post(f"/api/v1/bids/{bid_id}/lock", headers=s["conv"])).status_code == 200
    approved = await client.post(f"/api/v1/bids/{bid_id}/members/{org_x}/approve", headers=s["conv"])
    assert approved.status_code == 409 and "locked" in approved.json()["message"]
    withdraw = await client.post(f"/api/v1/bids/{bid_id}/members/{org_x}/withdraw", headers=s["conv"])
    assert withdraw.status_code == 409


async def test_a_link_sent_to_your_own_address_joins_at_once(client: Client) -> None:
    network_id, conv = await convenor()
    bid = await open_bid(client, conv, network_id)
    earlier = await open_bid(client, conv, network_id, title="Earlier call")
    org_x, person_x = await join(client, conv, earlier["id"], organisation("Xavier Homes"), email="xavier@example.org")
    token = await invitation_token(client, conv, bid["id"], "Xavier@Example.org")
    accepted = await client.post(
        f"/api/v1/invitations/{token}/accept", json={"organisation_id": org_x}, headers=person_x
    )
    assert accepted.status_code == 201 and accepted.json()["status"] == "joined"


async def test_a_withdrawn_member_reads_its_own_pledges_and_nothing_of_the_bid(client: Client) -> None:
    network_id, conv = await convenor()
    bid = await open_bid(client, conv, network_id)
    bid_id = bid["id"]
    org_a, member_a = await join(client, conv, bid_id, organisation("Ashbrook Homes"))
    org_b, member_b = await join(client, conv, bid_id, organisation("Brightwater Housing"))
    mine = await pledge(client, member_a, bid_id, 40_000_00)
    await pledge(client, member_b, bid_id, 25_000_00)
    assert set((await _reads(client, member_a, bid_id, org_a)).values()) == {200}
    # The member list shows a member only itself.
    seen = (await client.get(f"/api/v1/bids/{bid_id}/members", headers=member_b)).json()
    assert [m["organisation_id"] for m in seen] == [org_b]

    withdrawn = await client.post(f"/api/v1/bids/{bid_id}/members/{org_a}/withdraw", headers=member_a)
    assert withdrawn.status_code == 200 and withdrawn.json()["member"]["status"] == "withdrawn", withdrawn.text
    again = await client.post(f"/api/v1/bids/{bid_id}/members/{org_a}/withdraw", headers=member_a)
    assert again.status_code == 200 and again.json()["member"]["status"] == "withdrawn"

    # Nothing of the bid: its figures, eligibility, member list, rules, the bid itself; nor in the list of bids.
    assert set((await _reads(client, member_a, bid_id, org_a)).values()) == {404}
    assert bid_id not in [b["id"] for b in (await client.get("/api/v1/bids", headers=member_a)).json()]
    for page in (f"/bids/{bid_id}", f"/bids/{bid_id}/pledge"):
        assert (await client.get(page, headers=member_a)).status_code == 404, page
    # Its own organisation and pledges, with their history, stay readable (and cannot change).
    assert (await client.get(f"/api/v1/organisations/{org_a}", headers=member_a)).status_code == 200
    own = (await client.get(f"/api/v1/bids/{bid_id}/pledges", headers=member_a)).json()
    assert [p["id"] for p in own] == [mine["id"]]
    assert (await client.get(f"/api/v1/pledges/{mine['id']}", headers=member_a)).status_code == 200
    assert (await client.get(f"/api/v1/pledges/{mine['id']}/history", headers=member_a)).status_code == 200
    shown = await client.get(f"/pledges/{mine['id']}", headers=member_a)
    assert shown.status_code == 200 and "has withdrawn from this bid" in shown.text
    assert "Brightwater" not in shown.text
    assert (await client.get(f"/pledges/{mine['id']}/history", headers=member_a)).status_code == 200
    change = await client.patch(
        f"/api/v1/pledges/{mine['id']}", json={"purpose": "Changed"}, headers=member_a | {"If-Match": "1"}
    )
    assert change.status_code == 409 and "withdrawn" in change.json()["message"]
    # The other member's pledges were never its to read.
    others = (await client.get(f"/api/v1/bids/{bid_id}/pledges", headers=member_b)).json()
    assert all(p["organisation_id"] == org_b for p in others)


async def test_a_withdrawn_member_with_another_joined_organisation_is_still_a_member(client: Client) -> None:
    """Acting for two organisations, one withdrawn: the person is a member through the other, and still reads the
    withdrawn one's pledges."""
    network_id, conv = await convenor()
    bid = await open_bid(client, conv, network_id)
    org_a, member_a = await join(client, conv, bid["id"], organisation("Ashbrook Homes"), email="ana@example.org")
    token = await invitation_token(client, conv, bid["id"], "ana@example.org")
    second = await client.post(
        f"/api/v1/invitations/{token}/accept",
        json={"organisation": organisation("Ashbrook Two"), "name": "Ana", "password": PASSWORD},
        headers=member_a,
    )
    assert second.status_code == 201 and second.json()["status"] == "joined", second.text
    mine = await pledge(client, member_a, bid["id"], 10_000_00, organisation_id=org_a)
    assert (
        await client.post(f"/api/v1/bids/{bid['id']}/members/{org_a}/withdraw", headers=member_a)
    ).status_code == 200
    assert (await client.get(f"/api/v1/bids/{bid['id']}/totals", headers=member_a)).status_code == 200
    assert (await client.get(f"/api/v1/pledges/{mine['id']}", headers=member_a)).status_code == 200
    members = (await client.get(f"/api/v1/bids/{bid['id']}/members", headers=member_a)).json()
    assert {m["name"] for m in members} == {"Ashbrook Two"}


async def test_a_pending_organisation_is_not_in_the_figures_or_the_document(client: Client) -> None:
    """Until the convenor approves it, the waiting organisation is not part of the bid: no member row in the
    convenor's eligibility, no count, and nothing of it in a document made meanwhile."""
    from consortium.documents.services import wait_for_renders

    s = await _someone_else_accepts(client)
    bid_id, conv = s["bid"]["id"], s["conv"]
    assert s["accepted"].json()["status"] == "pending"
    eligibility = (await client.get(f"/api/v1/bids/{bid_id}/eligibility", headers=conv)).json()
    assert [m["name"] for m in eligibility["members"]] == ["Ashbrook Homes"]
    totals = (await client.get(f"/api/v1/bids/{bid_id}/totals", headers=conv)).json()
    assert "pending" not in totals["members_by_status"]
    made = await client.post(f"/api/v1/bids/{bid_id}/documents", json={}, headers=conv)
    assert made.status_code == 202, made.text
    await wait_for_renders()
    snapshot = await client.get(made.json()["snapshot_url"], headers=conv)
    assert "Xavier Homes" not in snapshot.text
    assert [m["name"] for m in snapshot.json()["members"]] == ["Ashbrook Homes"]
