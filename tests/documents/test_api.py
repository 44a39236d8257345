"""The bid document through the API: generate, poll, download, verify, share with a funder, revoke."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse

import pypdf

from consortium.audit.tables import AuditEvent
from consortium.documents.services import wait_for_renders
from consortium.documents.tables import ShareDownload, ShareLink
from tests.factories import Client, convenor, join, open_bid, organisation, pledge


async def _ready_document(client: Client) -> tuple[dict, dict[str, str], dict[str, str]]:  # type: ignore[type-arg]
    network_id, headers = await convenor()
    bid = await open_bid(client, headers, network_id, rules=[{"key": "min_total", "amount_pence": 10_000_00}])
    _, member = await join(client, headers, bid["id"], organisation("Ashbrook Homes", homes=5000))
    await client.put(
        "/api/v1/organisations/{}/coverage".format(
            (await client.get("/api/v1/auth/me", headers=member)).json()["organisations"][0]
        ),
        json={"districts": [{"district_code": "E08000003", "homes": 5000}]},
        headers=member,
    )
    await pledge(client, member, bid["id"], 12_345_67)
    created = await client.post(f"/api/v1/bids/{bid['id']}/documents", headers=headers)
    assert created.status_code == 202, created.text
    assert created.json()["state"] in {"rendering", "ready"}
    await wait_for_renders()
    document = (await client.get(f"/api/v1/documents/{created.json()['id']}", headers=headers)).json()
    assert document["state"] == "ready", document
    return document, headers, member


async def test_generate_download_and_verify(client: Client) -> None:
    document, headers, member = await _ready_document(client)
    assert document["version"] == 1 and document["page_count"] > 3
    pdf = await client.get(document["pdf_url"], headers=headers)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert hashlib.sha256(pdf.content).hexdigest() == document["pdf_sha256"]
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Ashbrook Homes" in text and "£12,345.67" in text
    snapshot = await client.get(document["snapshot_url"], headers=headers)
    assert hashlib.sha256(snapshot.content).hexdigest() == document["snapshot_sha256"]
    # Every file of the version at one address family, each exactly the PDF's attachment of the same name.
    base = f"/bids/{document['bid_id']}/documents/1"
    assert [(f["name"], f["url"]) for f in document["files"]] == [
        ("bid.pdf", f"{base}/bid.pdf"),
        ("snapshot.json", f"{base}/snapshot.json"),
        ("pledges.csv", f"{base}/pledges.csv"),
        ("bid.xlsx", f"{base}/bid.xlsx"),
    ]
    assert (document["pdf_url"], document["snapshot_url"]) == (f"{base}/bid.pdf", f"{base}/snapshot.json")
    attached = pypdf.PdfReader(io.BytesIO(pdf.content)).attachments
    csv = await client.get(f"{base}/pledges.csv", headers=headers)
    assert csv.headers["content-type"].startswith("text/csv") and csv.headers["cache-control"] == "no-store"
    assert csv.headers["content-disposition"] == 'attachment; filename="community-match-fund-2026-v1-pledges.csv"'
    assert [csv.content] == attached["pledges.csv"] and [snapshot.content] == attached["snapshot.json"]
    assert "12345.67" in csv.content.decode("utf-8-sig")
    # A script (an API token) is answered in JSON here too, though the address is beside the pages.
    unknown = await client.get(f"{base}/bid.docx", headers=headers)
    assert unknown.status_code == 404 and "bid.pdf, snapshot.json, pledges.csv, bid.xlsx" in unknown.json()["message"]
    assert (await client.get(f"/bids/{document['bid_id']}/documents/2/bid.pdf", headers=headers)).status_code == 404
    # The addresses this family replaced are gone.
    for old in ("/api/v1/documents/{}/pdf", "/api/v1/documents/{}/snapshot.json", "/documents/{}/pdf"):
        assert (await client.get(old.format(document["id"]), headers=headers)).status_code in {404, 405}
    known = (await client.get("/api/v1/documents/verify", params={"sha256": document["pdf_sha256"]})).json()
    assert known["known"] and known["version"] == 1 and known["matches"] == "pdf"
    unknown = (await client.get("/api/v1/documents/verify", params={"sha256": "0" * 64})).json()
    assert unknown["known"] is False
    assert (await client.get("/api/v1/documents/verify", params={"sha256": "nonsense"})).status_code == 422
    # Members cannot make or download the consortium's document.
    assert (await client.get(document["pdf_url"], headers=member)).status_code == 404


async def test_verifying_names_the_bid_as_the_document_states_it(client: Client) -> None:
    """A bid renamed after its document was made: the funder checking the PDF reads the title printed on it."""
    document, headers, _ = await _ready_document(client)
    renamed = await client.patch(f"/api/v1/bids/{document['bid_id']}", json={"title": "Renamed later"}, headers=headers)
    assert renamed.status_code == 200, renamed.text
    known = (await client.get("/api/v1/documents/verify", params={"sha256": document["pdf_sha256"]})).json()
    assert known["known"] is True and known["bid_title"] == "Community Match Fund 2026"
    assert "Renamed later" not in known["message"]
    made = await client.post(f"/api/v1/documents/{document['id']}/share-links", json={}, headers=headers)
    token = urlparse(made.json()["url"]).path.rsplit("/", 1)[-1]
    shared = (await client.get(f"/api/v1/shared/{token}")).json()
    assert shared["bid_title"] == known["bid_title"]


async def test_versions_are_numbered_and_listed(client: Client) -> None:
    document, headers, _ = await _ready_document(client)
    again = await client.post(f"/api/v1/bids/{document['bid_id']}/documents", headers=headers)
    await wait_for_renders()
    listed = (await client.get(f"/api/v1/bids/{document['bid_id']}/documents", headers=headers)).json()
    assert [d["version"] for d in listed] == [2, 1]
    assert again.json()["id"] == listed[0]["id"]


async def test_share_link_for_a_funder_logged_revocable_and_expiring(client: Client) -> None:
    document, headers, _ = await _ready_document(client)
    made = await client.post(
        f"/api/v1/documents/{document['id']}/share-links", json={"label": "DLUHC"}, headers=headers
    )
    assert made.status_code == 201, made.text
    token = urlparse(made.json()["url"]).path.rsplit("/", 1)[-1]
    assert not await ShareLink.exists().where(ShareLink.token_hash == token)
    info = await client.get(f"/api/v1/shared/{token}")
    assert info.status_code == 200 and info.json()["pdf_sha256"] == document["pdf_sha256"]
    assert [f["url"] for f in info.json()["files"]] == [
        f"/shared/{token}/{name}" for name in ("bid.pdf", "snapshot.json", "pledges.csv", "bid.xlsx")
    ]
    pdf = await client.get(info.json()["pdf_url"])
    assert pdf.content.startswith(b"%PDF")
    data = await client.get(info.json()["snapshot_url"])
    assert data.status_code == 200 and data.json()
    assert await ShareDownload.count() == 3  # the page, the PDF and the data, each logged
    assert pdf.headers["content-disposition"].endswith('-v1.pdf"')
    assert data.headers["content-disposition"].replace(".json", ".pdf") == pdf.headers["content-disposition"]
    links = (await client.get(f"/api/v1/documents/{document['id']}/share-links", headers=headers)).json()
    assert links[0]["downloads"] == 2 and links[0]["page_views"] == 1 and links[0]["status"] == "active"
    revoked = await client.post(f"/api/v1/share-links/{made.json()['id']}/revoke", headers=headers)
    assert revoked.json()["status"] == "revoked"
    again = await client.post(f"/api/v1/share-links/{made.json()['id']}/revoke", headers=headers)
    assert again.status_code == 200 and again.json()["revoked_at"] == revoked.json()["revoked_at"]
    assert await AuditEvent.count().where(AuditEvent.action == "share_link.revoke") == 1
    # A script that asks for JSON gets JSON; a browser gets the friendly page.
    gone = await client.get(f"/shared/{token}/bid.pdf", headers={"Accept": "application/json"})
    assert gone.status_code == 410 and "withdrawn" in gone.json()["message"]
    page = await client.get(f"/shared/{token}/bid.pdf", headers={"Accept": "text/html,*/*;q=0.8"})
    assert page.status_code == 410 and "withdrawn" in page.text and page.headers["content-type"].startswith("text/html")
    second = await client.post(f"/api/v1/documents/{document['id']}/share-links", json={}, headers=headers)
    token2 = urlparse(second.json()["url"]).path.rsplit("/", 1)[-1]
    await ShareLink.update({ShareLink.expires_at: datetime.now(UTC) - timedelta(seconds=1)}).where(
        ShareLink.id == second.json()["id"]
    )
    expired = await client.get(f"/api/v1/shared/{token2}")
    assert expired.status_code == 410 and "expired" in expired.json()["message"]
    assert (await client.get("/api/v1/shared/not-a-real-token")).status_code == 404
