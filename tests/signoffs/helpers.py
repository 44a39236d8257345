"""A bid with two members, its document versions, and asking for and giving sign-off through the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from consortium.documents.services import wait_for_renders
from tests.factories import Client, convenor, join, open_bid, organisation, pledge


@dataclass
class Bid:
    id: int
    network_id: int
    convenor: dict[str, str]
    org_a: int
    member_a: dict[str, str]
    email_a: str
    org_b: int
    member_b: dict[str, str]
    email_b: str


async def two_members(client: Client, **bid: Any) -> Bid:
    """A bid with Ashbrook Homes (a pledge of £40,000) and Brightwater Housing (£25,000), both submitted."""
    network_id, conv = await convenor()
    opened = await open_bid(client, conv, network_id, **bid)
    bid_id = int(opened["id"])
    n = bid_id * 100
    email_a, email_b = f"ashbrook{n}@example.org", f"brightwater{n}@example.org"
    org_a, member_a = await join(client, conv, bid_id, organisation("Ashbrook Homes"), email=email_a)
    org_b, member_b = await join(client, conv, bid_id, organisation("Brightwater Housing"), email=email_b)
    await pledge(client, member_a, bid_id, 40_000_00, purpose="Retrofit in Leeds")
    await pledge(client, member_b, bid_id, 25_000_00, purpose="Damp repairs")
    return Bid(bid_id, network_id, conv, org_a, member_a, email_a, org_b, member_b, email_b)


async def make_version(client: Client, bid: Bid) -> dict[str, Any]:
    created = await client.post(f"/api/v1/bids/{bid.id}/documents", json={}, headers=bid.convenor)
    assert created.status_code == 202, created.text
    await wait_for_renders()
    document = (await client.get(f"/api/v1/documents/{created.json()['id']}", headers=bid.convenor)).json()
    assert document["state"] == "ready", document
    return dict(document)


async def ask(client: Client, bid: Bid, version: int, message: str = "") -> Any:
    return await client.post(
        f"/api/v1/bids/{bid.id}/documents/{version}/sign-off-request", json={"message": message}, headers=bid.convenor
    )


async def decide(
    client: Client,
    headers: dict[str, str],
    bid: Bid,
    version: int,
    organisation_id: int,
    decision: str = "signed",
    reason: str = "",
) -> Any:
    return await client.post(
        f"/api/v1/bids/{bid.id}/documents/{version}/sign-offs",
        json={"organisation_id": organisation_id, "decision": decision, "reason": reason},
        headers=headers,
    )


async def statuses(client: Client, headers: dict[str, str], bid: Bid, version: int) -> dict[str, str]:
    answer = await client.get(f"/api/v1/bids/{bid.id}/documents/{version}/sign-offs", headers=headers)
    assert answer.status_code == 200, answer.text
    return {m["organisation_name"]: m["status"] for m in answer.json()["members"]}
