"""Pages of versions compared and of the funder's checker: the convenors' compare page (linked from each version),
and the share page saying whether a file is exactly its document, and what changed since an earlier download."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from tests.documents.versions_scene import share, two_versions
from tests.factories import Client
from tests.web.helpers import error_links, form_token, sign_in, text_of


async def test_the_compare_page(client: Client) -> None:
    scene = await two_versions(client)
    await sign_in(client, (await client.get("/api/v1/auth/me", headers=scene.convenor)).json()["email"])
    documents = await client.get(f"/bids/{scene.bid_id}/documents")
    assert f'href="/bids/{scene.bid_id}/documents/compare?from=1&amp;to=2"' in documents.text
    assert "Compare with version 1" in text_of(documents.text)
    assert re.search(r'<form method="get" action="/bids/\d+/documents/compare"', documents.text)
    page = await client.get(f"/bids/{scene.bid_id}/documents/compare", params={"from": 1, "to": 2})
    assert page.status_code == 200
    words = text_of(page.text)
    assert words.index("What changed from version 1 to version 2") < words.index("Headline figures")
    assert "Brightwater Housing" in words and "£32,345.67" in words and "£900,000" in words
    first = await client.get(f"/bids/{scene.bid_id}/documents/compare")  # the latest change, to start with
    assert "What changed from version 1 to version 2" in text_of(first.text)
    absent = await client.get(f"/bids/{scene.bid_id}/documents/compare", params={"from": 1, "to": 7})
    assert absent.status_code == 404 and "no version 7" in text_of(absent.text)
    bad = await client.get(f"/bids/{scene.bid_id}/documents/compare", params={"from": "x", "to": 2})
    assert bad.status_code == 422 and 'href="#from"' in bad.text


async def test_the_share_page_checks_a_file_against_its_document(client: Client) -> None:
    scene = await two_versions(client)
    first = await share(client, scene.convenor, scene.first["id"])
    second = await share(client, scene.convenor, scene.second["id"])
    pdf_one = (await client.get(f"/shared/{first}/bid.pdf")).content  # the funder downloaded version 1
    data_two = (await client.get(f"/shared/{second}/snapshot.json")).content
    page = await client.get(f"/shared/{second}")
    words = text_of(page.text)
    assert "What changed since version 1 was downloaded" in words and "Brightwater Housing" in words
    token = await form_token(client, f"/shared/{second}")

    async def check(data: dict[str, str] | None = None, files: dict[str, Any] | None = None) -> tuple[int, str]:
        form = {"csrf_token": token, **(data or {})}
        answer = await client.post(f"/shared/{second}/check", data=form, files=files)
        return answer.status_code, answer.text

    status, html = await check(files={"pdf": ("snapshot.json", data_two, "application/json")})
    assert status == 200 and "This is exactly the document shared through this link" in text_of(html)
    status, html = await check(files={"pdf": ("bid.pdf", pdf_one, "application/pdf")})
    assert status == 200 and "This is version 1, not version 2 shared through this link" in text_of(html)
    assert "£900,000" in text_of(html)  # what changed, the match cap among it
    status, html = await check(data={"sha256": hashlib.sha256(b"not ours").hexdigest()})
    assert status == 200 and "We do not recognise this file" in text_of(html)
    status, html = await check(data={"sha256": "12345"})
    assert status == 422 and error_links(html) == ["sha256"]
    status, html = await check()
    assert status == 422 and error_links(html) == ["pdf"]
    assert re.search(r'<input class="input" id="sha256" name="sha256"', html)
