"""A bid with two ready versions of its document, for the tests of versions compared, the checker and re-renders:
version 1 with one member, then a second member joins and pledges and the match cap changes, then version 2."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from consortium.documents.services import wait_for_renders
from tests.factories import Client, convenor, join, open_bid, organisation, pledge


@dataclass
class TwoVersions:
    bid_id: int
    convenor: dict[str, str]
    member: dict[str, str]
    first: dict[str, Any]  # the documents as the API answers them
    second: dict[str, Any]


async def make_version(client: Client, headers: dict[str, str], bid_id: int) -> dict[str, Any]:
    created = await client.post(f"/api/v1/bids/{bid_id}/documents", headers=headers)
    assert created.status_code == 202, created.text
    await wait_for_renders()
    document = (await client.get(f"/api/v1/documents/{created.json()['id']}", headers=headers)).json()
    assert document["state"] == "ready", document
    return dict(document)


async def two_versions(client: Client, title: str = "Community Match Fund 2026") -> TwoVersions:
    network_id, headers = await convenor()
    bid = await open_bid(client, headers, network_id, title=title, match_cap_pence=1_000_000_00)
    _, member = await join(client, headers, bid["id"], organisation("Ashbrook Homes", homes=5000))
    await pledge(client, member, bid["id"], 12_345_67, purpose="Loft insulation")
    first = await make_version(client, headers, bid["id"])
    _, other = await join(client, headers, bid["id"], organisation("Brightwater Housing", homes=800))
    await pledge(client, other, bid["id"], 20_000_00, purpose="Heat pumps")
    changed = await client.patch(f"/api/v1/bids/{bid['id']}", json={"match_cap_pence": 900_000_00}, headers=headers)
    assert changed.status_code == 200, changed.text
    second = await make_version(client, headers, bid["id"])
    return TwoVersions(bid["id"], headers, member, first, second)


async def share(client: Client, headers: dict[str, str], document_id: int, label: str = "Funder") -> str:
    """A share link's token."""
    made = await client.post(f"/api/v1/documents/{document_id}/share-links", json={"label": label}, headers=headers)
    assert made.status_code == 201, made.text
    return str(made.json()["url"]).rsplit("/", 1)[-1]
