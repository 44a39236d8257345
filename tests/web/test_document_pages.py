"""The bid document pages: generate, watch it being made, download, share with a funder, revoke; the funder's
page with its downloads and the PDF check."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import urlparse

from consortium.documents.services import wait_for_renders
from tests.factories import Client
from tests.web.conftest import ANA, CONVENOR, Scene
from tests.web.helpers import error_links, form_token, post_form, sign_in, text_of


async def test_generate_share_download_check_and_revoke(client: Client, scene: Scene) -> None:
    await sign_in(client, CONVENOR)
    documents = f"/bids/{scene.bid_id}/documents"
    first = text_of((await client.get(documents)).text)
    assert "Make the bid document" in first
    # Pennine has not pledged yet, so the bid is short of members: said before a document is made for the funder.
    assert "The bid does not meet every rule yet." in first and "See the gaps on the dashboard" in first
    assert "None yet. Each version you make appears here" in first
    made = await post_form(client, documents, {"variant": "pdf/ua-1"})
    assert made.status_code == 303
    page = await client.get(documents)
    assert "Version 1 is on its way" in page.text
    status_url = re.search(r'hx-get="(/documents/\d+/status)" hx-trigger="every 2s"', page.text)
    assert status_url, "a document being made polls its status"
    await wait_for_renders()
    card = await client.get(status_url.group(1))
    assert card.status_code == 200 and "<html" not in card.text
    assert "Download the PDF" in card.text and "hx-trigger" not in card.text  # ready: polling stops
    document_id = int(status_url.group(1).split("/")[2])
    # The card links to the version's files at the addresses the API gives (one family for both).
    files = re.findall(r'<a href="([^"]+)"[^>]* download>', card.text)
    api = (await client.get(f"/api/v1/documents/{document_id}")).json()
    assert (
        files
        == [f["url"] for f in api["files"]]
        == [
            f"/bids/{scene.bid_id}/documents/1/{name}"
            for name in ("bid.pdf", "snapshot.json", "pledges.csv", "bid.xlsx")
        ]
    )
    pdf = await client.get(files[0])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "attachment" in pdf.headers["content-disposition"]
    data = await client.get(files[1])
    assert data.status_code == 200 and data.json()["bid"]["title"] == "Community Match Fund 2026"
    assert (await client.get(files[2])).headers["content-type"].startswith("text/csv")

    bad_days = await post_form(
        client, f"/documents/{document_id}/share-links", {"label": "Grants", "days": "400"}, page=documents
    )
    assert bad_days.status_code == 422 and error_links(bad_days.text) == [f"days-{document_id}"]
    assert 'value="400"' in bad_days.text and 'value="Grants"' in bad_days.text
    shared = await post_form(
        client, f"/documents/{document_id}/share-links", {"label": "Grants", "days": "7"}, page=documents
    )
    assert shared.status_code == 201 and "Share link ready" in shared.text
    url = re.search(r'id="share-link-url" type="text" value="([^"]+)"', shared.text).group(1)  # type: ignore[union-attr]
    token_path = urlparse(url).path
    assert (await client.get(documents)).text.count(token_path) == 0  # shown once only

    client.cookies.clear()  # the funder has no account
    funder = await client.get(token_path)
    assert funder.status_code == 200
    words = text_of(funder.text)
    assert "Community Match Fund 2026" in words and "Version 1" in words and "SHA-256 of the PDF" in words
    shared_files = re.findall(r'<a href="([^"]+)"[^>]* download>', funder.text)
    assert shared_files == [f"{token_path}/{name}" for name in ("bid.pdf", "snapshot.json", "pledges.csv", "bid.xlsx")]
    downloaded = await client.get(shared_files[0])
    assert downloaded.content.startswith(b"%PDF") and downloaded.content == pdf.content
    assert (await client.get(shared_files[1])).content == data.content
    token = await form_token(client, token_path)
    checked = await client.post(
        f"{token_path}/check", data={"csrf_token": token}, files={"pdf": ("bid.pdf", pdf.content, "application/pdf")}
    )
    assert checked.status_code == 200
    assert "This is exactly the document shared through this link" in checked.text
    assert hashlib.sha256(pdf.content).hexdigest() in checked.text
    altered = await client.post(
        f"{token_path}/check",
        data={"csrf_token": token},
        files={"pdf": ("bid.pdf", pdf.content + b"\n%tampered", "application/pdf")},
    )
    assert "We do not recognise this file" in altered.text
    not_pdf = await client.post(
        f"{token_path}/check", data={"csrf_token": token}, files={"pdf": ("bid.pdf", b"hello", "application/pdf")}
    )
    assert not_pdf.status_code == 422 and error_links(not_pdf.text) == ["pdf"]
    no_token = await client.post(f"{token_path}/check", files={"pdf": ("bid.pdf", pdf.content, "application/pdf")})
    assert no_token.status_code == 403

    await sign_in(client, CONVENOR)
    listed = await client.get(documents)
    revoke = re.search(r'action="(/share-links/\d+/revoke)"', listed.text).group(1)  # type: ignore[union-attr]
    revoked = await post_form(client, revoke, {"confirm": "yes"}, page=documents)
    assert revoked.status_code == 303
    assert "no longer works" in (await client.get(revoked.headers["location"])).text
    client.cookies.clear()
    gone = await client.get(token_path)
    assert gone.status_code == 410 and "withdrawn this link" in gone.text
    # The message says what to do; no second, different instruction, and no "home page" for someone with no account.
    assert "Ask the person who sent you the link" not in gone.text and "Go to your home page" not in gone.text
    assert (await client.get(f"{token_path}/bid.pdf")).status_code == 410


async def test_members_cannot_reach_documents(client: Client, scene: Scene) -> None:
    await sign_in(client, ANA)
    assert (await client.get(f"/bids/{scene.bid_id}/documents")).status_code == 403
    made = await post_form(client, f"/bids/{scene.bid_id}/documents", {}, page="/bids")
    assert made.status_code == 403
    assert (await client.get("/shared/not-a-token")).status_code == 404


async def test_a_bad_share_link_page_offers_no_sign_in_to_a_funder(client: Client, scene: Scene) -> None:
    page = await client.get("/shared/not-a-token")
    assert page.status_code == 404 and "This link is not valid" in page.text
    assert "Go to your home page" not in page.text
