"""A stored version rendered again on request: the same bytes (identical), and a stored fingerprint that does not
match reported as such; one re-render of a version at a time."""

from __future__ import annotations

from consortium.documents import versions
from consortium.documents.tables import Document
from tests.documents.versions_scene import make_version, share
from tests.factories import Client, convenor, join, open_bid, organisation, pledge


async def _bid_with_a_version(client: Client) -> tuple[int, dict[str, str], dict[str, str], dict]:  # type: ignore[type-arg]
    network_id, headers = await convenor()
    bid = await open_bid(client, headers, network_id)
    _, member = await join(client, headers, bid["id"], organisation("Ashbrook Homes", homes=5000))
    await pledge(client, member, bid["id"], 12_345_67)
    return bid["id"], headers, member, await make_version(client, headers, bid["id"])


async def test_a_stored_version_renders_to_the_same_bytes(client: Client) -> None:
    bid_id, headers, member, document = await _bid_with_a_version(client)
    url = f"/api/v1/bids/{bid_id}/documents/1/reproduce"
    answer = await client.post(url, headers=headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["version"] == 1 and body["identical"] is True
    assert body["stored_pdf_sha256"] == body["rendered_pdf_sha256"] == document["pdf_sha256"]
    assert body["seconds"] > 0 and "exactly the same PDF" in body["message"]
    # Through the funder's share link too.
    token = await share(client, headers, document["id"])
    shared = await client.post(f"/api/v1/shared/{token}/reproduce")
    assert shared.status_code == 200 and shared.json()["identical"] is True
    # Members may not; a version that does not exist is not found.
    assert (await client.post(url, headers=member)).status_code == 403
    assert (await client.post(f"/api/v1/bids/{bid_id}/documents/2/reproduce", headers=headers)).status_code == 404


async def test_a_tampered_fingerprint_is_reported(client: Client) -> None:
    bid_id, headers, _, document = await _bid_with_a_version(client)
    await Document.update({Document.pdf_sha256: "0" * 64}).where(Document.id == document["id"])
    body = (await client.post(f"/api/v1/bids/{bid_id}/documents/1/reproduce", headers=headers)).json()
    assert body["identical"] is False and body["stored_pdf_sha256"] == "0" * 64
    assert body["rendered_pdf_sha256"] == document["pdf_sha256"]
    assert "different PDF" in body["message"]


async def test_only_a_ready_version_and_one_check_at_a_time(client: Client) -> None:
    bid_id, headers, _, document = await _bid_with_a_version(client)
    url = f"/api/v1/bids/{bid_id}/documents/1/reproduce"
    versions._checking.add(document["id"])
    try:
        busy = await client.post(url, headers=headers)
    finally:
        versions._checking.discard(document["id"])
    assert busy.status_code == 429 and busy.json()["message"] == versions.BUSY
    others = {-1, -2}
    versions._checking.update(others)
    try:
        full = await client.post(url, headers=headers)
    finally:
        versions._checking.difference_update(others)
    assert full.status_code == 429 and "Try again in a minute" in full.json()["message"]
    await Document.update({Document.state: "rendering"}).where(Document.id == document["id"])
    try:
        rendering = await client.post(url, headers=headers)
    finally:
        await Document.update({Document.state: "ready"}).where(Document.id == document["id"])
    assert rendering.status_code == 409 and "only a ready version" in rendering.json()["message"]
