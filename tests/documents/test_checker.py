"""The share link's checker: exactly this link's document, another version of the same bid (and what changed),
another bid's document (NOT the one shared here), or not a document Consortium made; and what changed since a
funder downloaded an earlier version."""

from __future__ import annotations

import hashlib

import pytest

from consortium.documents import checker
from consortium.documents.tables import ShareLink
from consortium.errors import BadInput, Gone, NotFound
from consortium.timeutil import utc_now
from tests.documents.versions_scene import make_version, share, two_versions
from tests.factories import Client, convenor, join, open_bid, organisation, pledge


async def test_each_kind_of_file(client: Client) -> None:
    scene = await two_versions(client)
    second = await share(client, scene.convenor, scene.second["id"])
    first = await share(client, scene.convenor, scene.first["id"])

    this = await checker.check(second, scene.second["pdf_sha256"])
    assert (this.kind, this.is_this_document, this.matches, this.version) == ("this", True, "pdf", 2)
    assert this.headline == "This is exactly the document shared through this link" and this.changes is None
    data = await checker.check(second, scene.second["snapshot_sha256"].upper())  # as pasted, in capitals
    assert (data.kind, data.matches) == ("this", "snapshot")

    older = await checker.check(second, scene.first["pdf_sha256"])
    assert (older.kind, older.is_this_document, older.version, older.link_version) == ("older", False, 1, 2)
    assert "an earlier version of the same bid" in older.message
    assert older.changes is not None and (older.changes.from_version, older.changes.to_version) == (1, 2)
    assert [m.name for m in older.changes.members] == ["Brightwater Housing"]

    newer = await checker.check(first, scene.second["snapshot_sha256"])
    assert (newer.kind, newer.version, newer.link_version, newer.matches) == ("newer", 2, 1, "snapshot")
    assert newer.changes is not None and (newer.changes.from_version, newer.changes.to_version) == (1, 2)

    unknown = await checker.check(second, hashlib.sha256(b"something else").hexdigest())
    assert (unknown.kind, unknown.is_this_document) == ("unknown", False)
    assert unknown.message.startswith("This is not a document Consortium made")

    with pytest.raises(BadInput, match="64 characters"):
        await checker.check(second, "not a digest")


async def test_another_bids_document_is_not_this_one(client: Client) -> None:
    scene = await two_versions(client)
    token = await share(client, scene.convenor, scene.second["id"])
    network_id, headers = await convenor("Other Network")
    other = await open_bid(client, headers, network_id, title="Riverside Retrofit Bid")
    _, member = await join(client, headers, other["id"], organisation("Secret Homes Ltd"))
    await pledge(client, member, other["id"], 77_777_00)
    document = await make_version(client, headers, other["id"])

    found = await checker.check(token, document["pdf_sha256"])
    assert (found.kind, found.is_this_document, found.changes, found.version) == ("other_bid", False, None, None)
    assert found.headline == "This is NOT the document shared through this link"
    assert "NOT the document shared through this link" in found.message
    # No more of the other bid than the public verify answer gives: its title and network, never its members.
    verified = (await client.get("/api/v1/documents/verify", params={"sha256": document["pdf_sha256"]})).json()
    assert found.message.endswith(verified["message"])
    answer = await client.post(f"/api/v1/shared/{token}/check", json={"sha256": document["pdf_sha256"]})
    assert answer.status_code == 200 and answer.json()["kind"] == "other_bid"
    assert "Secret Homes" not in answer.text and "77,777" not in answer.text


async def test_the_check_api(client: Client) -> None:
    scene = await two_versions(client)
    token = await share(client, scene.convenor, scene.second["id"])
    url = f"/api/v1/shared/{token}/check"
    answer = await client.post(url, json={"sha256": scene.first["pdf_sha256"]})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["kind"], body["version"], body["link_version"]) == ("older", 1, 2)
    assert body["changes"]["members"][0]["name"] == "Brightwater Housing"
    assert (await client.post(url, json={"sha256": "abc"})).status_code == 422
    assert (await client.post(url, json={})).status_code in {400, 422}
    with pytest.raises(NotFound):
        await checker.check("made-up-token", scene.first["pdf_sha256"])
    await ShareLink.update({ShareLink.revoked_at: utc_now()}).where(ShareLink.document == scene.second["id"])
    assert (await client.post(url, json={"sha256": scene.first["pdf_sha256"]})).status_code == 410
    with pytest.raises(Gone):
        await checker.check(token, scene.first["pdf_sha256"])


async def test_what_changed_since_an_earlier_download(client: Client) -> None:
    scene = await two_versions(client)
    first = await share(client, scene.convenor, scene.first["id"])
    second = await share(client, scene.convenor, scene.second["id"])
    assert await checker.changes_since_download(second) is None
    await client.get(f"/shared/{first}")  # opening the page is not a download
    assert await checker.changes_since_download(second) is None
    assert (await client.get(f"/shared/{first}/bid.pdf")).status_code == 200
    since = await checker.changes_since_download(second)
    assert since is not None and since.downloaded_version == 1
    assert (since.changes.from_version, since.changes.to_version) == (1, 2)
    assert since.changes.terms[0].label == "The match cap"
    assert await checker.changes_since_download(first) is None  # nothing earlier than version 1
