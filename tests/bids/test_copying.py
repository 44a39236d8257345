"""Starting a bid from a previous one (POST /api/v1/bids/{id}/copy), through the real app on SQLite and PostgreSQL:
the terms and rules come over, the members are invited again by mail, pledges never come over, and a refused copy
makes nothing."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from consortium.audit.tables import AuditEvent
from consortium.bids.tables import Bid, Invitation
from consortium.mail.tables import OutboxMessage
from consortium.pledges.tables import Pledge
from tests.factories import Client, add_colleague, convenor, future, join, open_bid, organisation, pledge

RULES = [{"key": "min_total", "amount_pence": 100_000_00}, {"key": "min_pledge", "amount_pence": 1_000_00}]
TERMS = (
    "funder_name",
    "funder_org_id",
    "programme",
    "match_funder_part",
    "match_consortium_part",
    "match_cap_pence",
    "themes",
    "reminder_days",
    "rules",
)


async def _submitted_bid(client: Client) -> dict[str, Any]:
    """A submitted bid: A (a signatory, an editor and a viewer) and B joined and pledged, C withdrew, and one
    invitation was never used."""
    network_id, headers = await convenor()
    bid = await open_bid(
        client,
        headers,
        network_id,
        rules=RULES,
        funder_org_id="GB-GOR-PB123",
        match_funder_part=2,
        match_consortium_part=1,
        match_cap_pence=5_000_000_00,
        themes=["Tackling loneliness", "Warm homes"],
        reminder_days=[10, 2],
    )
    bid_id = bid["id"]
    a_id, a_headers = await join(client, headers, bid_id, organisation("Ashbrook Homes"), "ashbrook@example.org")
    await add_colleague(a_id, "editor", "ashbrook-editor@example.org")
    await add_colleague(a_id, "viewer", "ashbrook-viewer@example.org")
    b_id, b_headers = await join(client, headers, bid_id, organisation("Beacon Housing"), "beacon@example.org")
    c_id, c_headers = await join(client, headers, bid_id, organisation("Calder Trust"), "calder@example.org")
    withdrawn = await client.post(f"/api/v1/bids/{bid_id}/members/{c_id}/withdraw", headers=c_headers)
    assert withdrawn.status_code == 200, withdrawn.text
    unused = await client.post(
        f"/api/v1/bids/{bid_id}/invitations", json={"emails": ["never-opened@example.org"]}, headers=headers
    )
    assert unused.status_code == 201, unused.text
    await pledge(client, a_headers, bid_id, 60_000_00)
    await pledge(client, b_headers, bid_id, 50_000_00)
    for action in ("lock", "submit"):
        response = await client.post(f"/api/v1/bids/{bid_id}/{action}", headers=headers)
        assert response.status_code == 200, response.text
    old = (await client.get(f"/api/v1/bids/{bid_id}", headers=headers)).json()
    assert old["status"] == "submitted"
    return {"bid": old, "headers": headers, "a": (a_id, a_headers), "b": (b_id, b_headers), "c": c_headers}


def _deadline(days: int = 60) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0).isoformat()


async def test_a_submitted_bid_copied_with_members_is_a_draft_with_its_terms_and_its_members_invited(
    client: Client,
) -> None:
    scene = await _submitted_bid(client)
    old, headers = scene["bid"], scene["headers"]
    a_id, a_headers = scene["a"]
    deadline = _deadline()
    response = await client.post(
        f"/api/v1/bids/{old['id']}/copy",
        json={"title": "Community Match Fund 2027", "deadline": deadline, "members": True},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    new = response.json()
    assert new["id"] != old["id"] and new["network_id"] == old["network_id"]
    assert new["status"] == "draft" and new["your_role"] == "convenor"
    assert new["title"] == "Community Match Fund 2027"
    assert datetime.fromisoformat(new["deadline"]) == datetime.fromisoformat(deadline)
    assert {term: new[term] for term in TERMS} == {term: old[term] for term in TERMS}
    assert [rule["key"] for rule in new["rules"]] == ["min_total", "min_pledge"]

    # The people who may accept for A (signatory, editor) and B's signatory; not A's viewer, not C (withdrawn),
    # not the invitation that was never used.
    invited = {"ashbrook@example.org", "ashbrook-editor@example.org", "beacon@example.org"}
    listed = (await client.get(f"/api/v1/bids/{new['id']}/invitations", headers=headers)).json()
    assert {i["email"] for i in listed} == invited
    assert {i["status"] for i in listed} == {"invited"}
    mailed = await OutboxMessage.select(OutboxMessage.to_address, OutboxMessage.kind, OutboxMessage.text_body).where(
        OutboxMessage.bid == new["id"]
    )
    assert sorted(m["to_address"] for m in mailed) == sorted(invited)
    assert {m["kind"] for m in mailed} == {"invitation"}
    assert await Pledge.count().where(Pledge.bid == new["id"]) == 0
    assert await Pledge.count().where(Pledge.bid == old["id"]) == 2  # the old bid is untouched
    copied = (
        await AuditEvent.select(AuditEvent.before, AuditEvent.after)
        .where((AuditEvent.action == "bid.copy") & (AuditEvent.entity_id == new["id"]))
        .output(load_json=True)
    )
    assert len(copied) == 1 and copied[0]["before"]["bid_id"] == old["id"]

    # A's signatory, signed in, accepts with one choice: the organisation it already acts for, as it is.
    link = next(m["text_body"] for m in mailed if m["to_address"] == "ashbrook@example.org")
    token = re.search(r"/invitations/([A-Za-z0-9_-]+)", link)
    assert token is not None
    profile = (await client.get(f"/api/v1/organisations/{a_id}", headers=a_headers)).json()
    accepted = await client.post(
        f"/api/v1/invitations/{token.group(1)}/accept", json={"organisation_id": a_id}, headers=a_headers
    )
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["status"] == "joined" and accepted.json()["organisation_id"] == a_id
    assert (await client.get(f"/api/v1/organisations/{a_id}", headers=a_headers)).json() == profile


async def test_a_copy_without_members_invites_no_one_and_any_stage_can_be_copied(client: Client) -> None:
    network_id, headers = await convenor()
    bid = await open_bid(client, headers, network_id, rules=RULES)
    await join(client, headers, bid["id"], organisation("Ashbrook Homes"))
    response = await client.post(
        f"/api/v1/bids/{bid['id']}/copy", json={"title": "Next year", "deadline": future(30)}, headers=headers
    )
    assert response.status_code == 201, response.text
    new_id = response.json()["id"]
    assert await Invitation.count().where(Invitation.bid == new_id) == 0
    assert await OutboxMessage.count().where(OutboxMessage.bid == new_id) == 0
    again = await client.post(  # a draft copied in turn
        f"/api/v1/bids/{new_id}/copy", json={"title": "The year after", "deadline": future(60)}, headers=headers
    )
    assert again.status_code == 201, again.text
    assert again.json()["status"] == "draft"


async def test_a_bad_title_or_deadline_is_refused_and_nothing_is_made(client: Client) -> None:
    scene = await _submitted_bid(client)
    old, headers = scene["bid"], scene["headers"]
    bids_before, messages_before = await Bid.count(), await OutboxMessage.count()
    invitations_before = await Invitation.count()
    url = f"/api/v1/bids/{old['id']}/copy"
    for body, field, words in (
        ({"title": "   ", "deadline": _deadline(), "members": True}, "title", "Enter"),
        ({"title": "x" * 301, "deadline": _deadline(), "members": True}, "title", "300"),
        ({"title": "Next", "deadline": "2020-07-01T12:00:00Z", "members": True}, "deadline", "past"),
        ({"title": "Next", "deadline": "2200-01-01T12:00:00Z", "members": True}, "deadline", "10 years"),
    ):
        response = await client.post(url, json=body, headers=headers)
        assert response.status_code == 422, response.text
        assert words in response.json()["message"], response.text
        assert field in response.text
    naive = await client.post(url, json={"title": "Next", "deadline": "2099-07-01T12:00:00"}, headers=headers)
    assert naive.status_code == 400  # as creating a bid answers a deadline without its time zone
    assert await Bid.count() == bids_before
    assert await OutboxMessage.count() == messages_before
    assert await Invitation.count() == invitations_before


async def test_only_the_networks_convenors_can_copy_a_bid(client: Client) -> None:
    scene = await _submitted_bid(client)
    old = scene["bid"]
    _, a_headers = scene["a"]
    _, stranger = await convenor(name="Elsewhere Network")
    body = {"title": "Mine now", "deadline": _deadline(), "members": True}
    bids_before = await Bid.count()
    member = await client.post(f"/api/v1/bids/{old['id']}/copy", json=body, headers=a_headers)
    assert member.status_code == 403, member.text
    elsewhere = await client.post(f"/api/v1/bids/{old['id']}/copy", json=body, headers=stranger)
    assert elsewhere.status_code == 404, elsewhere.text
    withdrawn = await client.post(f"/api/v1/bids/{old['id']}/copy", json=body, headers=scene["c"])
    assert withdrawn.status_code == 404, withdrawn.text
    assert (await client.post(f"/api/v1/bids/{old['id']}/copy", json=body)).status_code == 401
    assert await Bid.count() == bids_before
