"""An identifier (charity or company number) is unique among the member organisations of one network, not across
Consortium: another network's member may hold the same number without learning that anyone else does, a squatter in
one network cannot block the real holder elsewhere, and a refusal never names the organisation holding it."""

from __future__ import annotations

from typing import Any

from tests.factories import PASSWORD, Client, convenor, invitation_token, join, open_bid, organisation

NUMBER = "GB-CHC-1234567"
OTHER_NUMBER = "GB-CHC-7654321"


async def _accept_new(client: Client, token: str, name: str, org_id: str | None) -> Any:
    answer = await client.post(
        f"/api/v1/invitations/{token}/accept",
        json={"name": "Someone", "password": PASSWORD, "organisation": organisation(name, org_id=org_id)},
    )
    client.cookies.clear()
    return answer


async def test_the_same_number_in_two_networks_is_allowed_and_reveals_nothing(client: Client) -> None:
    first_network, first_conv = await convenor()
    first_bid = await open_bid(client, first_conv, first_network)
    await join(client, first_conv, first_bid["id"], organisation("Squatter Homes", org_id=NUMBER))
    second_network, second_conv = await convenor()
    second_bid = await open_bid(client, second_conv, second_network)
    token = await invitation_token(client, second_conv, second_bid["id"], "real@example.org")
    answer = await _accept_new(client, token, "Real Holder Trust", NUMBER)
    assert answer.status_code == 201, answer.text


async def test_a_second_member_of_one_network_with_the_number_is_refused_without_a_name(client: Client) -> None:
    network_id, conv = await convenor()
    first = await open_bid(client, conv, network_id)
    await join(client, conv, first["id"], organisation("Holder Homes", org_id=NUMBER))
    second = await open_bid(client, conv, network_id, title="Another call")  # another bid of the same network
    token = await invitation_token(client, conv, second["id"], "claimant@example.org")
    answer = await _accept_new(client, token, "Claimant Homes", NUMBER)
    assert answer.status_code == 409, answer.text
    message = answer.json()["message"]
    assert NUMBER in message and "Holder" not in message and answer.json()["field"] == "org_id"
    # Nothing of the refused join was kept: no account, so the link still works with another number.
    retried = await _accept_new(client, token, "Claimant Homes", OTHER_NUMBER)
    assert retried.status_code == 201, retried.text


async def test_changing_to_a_number_another_member_of_the_network_holds_is_refused(client: Client) -> None:
    network_id, conv = await convenor()
    bid = await open_bid(client, conv, network_id)
    await join(client, conv, bid["id"], organisation("Holder Homes", org_id=NUMBER))
    org_b, member_b = await join(client, conv, bid["id"], organisation("Brightwater Housing"))
    elsewhere_network, elsewhere_conv = await convenor()
    elsewhere_bid = await open_bid(client, elsewhere_conv, elsewhere_network)
    await join(client, elsewhere_conv, elsewhere_bid["id"], organisation("Far Away Homes", org_id=OTHER_NUMBER))

    taken = await client.patch(f"/api/v1/organisations/{org_b}", json={"org_id": NUMBER}, headers=member_b)
    assert taken.status_code == 409 and "Holder" not in taken.json()["message"], taken.text
    unchanged = (await client.get(f"/api/v1/organisations/{org_b}", headers=member_b)).json()
    assert unchanged["org_id"] is None
    # A number held only in another network is free here.
    free = await client.patch(f"/api/v1/organisations/{org_b}", json={"org_id": OTHER_NUMBER}, headers=member_b)
    assert free.status_code == 200 and free.json()["org_id"] == OTHER_NUMBER
    # Keeping one's own number while changing something else is no clash with oneself.
    same = await client.patch(
        f"/api/v1/organisations/{org_b}", json={"org_id": OTHER_NUMBER, "homes": 12}, headers=member_b
    )
    assert same.status_code == 200


async def test_a_withdrawn_holder_does_not_keep_the_number(client: Client) -> None:
    network_id, conv = await convenor()
    bid = await open_bid(client, conv, network_id)
    squatter, _ = await join(client, conv, bid["id"], organisation("Squatter", org_id=NUMBER))
    withdrawn = await client.post(f"/api/v1/bids/{bid['id']}/members/{squatter}/withdraw", headers=conv)
    assert withdrawn.status_code == 200
    token = await invitation_token(client, conv, bid["id"], "real@example.org")
    answer = await _accept_new(client, token, "Real Holder Trust", NUMBER)
    assert answer.status_code == 201, answer.text


async def test_an_organisation_without_a_network_may_take_any_number(client: Client) -> None:
    """Before it joins any bid an organisation belongs to no network, so there is nothing to compare with; the check
    runs when it joins."""
    network_id, conv = await convenor()
    bid = await open_bid(client, conv, network_id)
    await join(client, conv, bid["id"], organisation("Holder Homes", org_id=NUMBER))
    other_network, other_conv = await convenor()
    other_bid = await open_bid(client, other_conv, other_network)
    org_c, member_c = await join(client, other_conv, other_bid["id"], organisation("Calder Homes"))
    changed = await client.patch(f"/api/v1/organisations/{org_c}", json={"org_id": NUMBER}, headers=member_c)
    assert changed.status_code == 200
    # Now Calder (holding the number) is invited into the first network: refused, named by number only.
    token = await invitation_token(client, conv, bid["id"], "calder@example.org")
    joined = await client.post(f"/api/v1/invitations/{token}/accept", json={"organisation_id": org_c}, headers=member_c)
    assert joined.status_code == 409 and "Holder" not in joined.json()["message"], joined.text
