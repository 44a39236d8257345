"""Login CSRF and other writes from another website: a page anywhere could post a text/plain "form" whose body reads
as JSON to POST /api/v1/auth/sign-in, and the visitor's browser would be signed in as the attacker. API writes a
browser can be made to send (no bearer token) are refused unless they come from our own origin and carry JSON."""

from __future__ import annotations

import json
from typing import Any

import pytest

from consortium.accounts.tables import UserSession
from consortium.bids.tables import BidMember
from consortium.web.crosssite import origin_of
from tests.factories import PASSWORD, Client, convenor, invitation_token, open_bid, organisation

BASE = "http://testserver.local"  # the tests' CONSORTIUM_BASE_URL (conftest)
SIGN_IN = "/api/v1/auth/sign-in"


async def _account(client: Client) -> str:
    network_id, conv = await convenor(email="casey@example.org")
    await open_bid(client, conv, network_id)
    return "casey@example.org"


def _text_plain_form(email: str) -> dict[str, Any]:
    """What <form enctype="text/plain"> with one field named '{"email":"…","password":"…","x":"' sends."""
    body = json.dumps({"email": email, "password": PASSWORD, "x": "="})
    return {"content": body, "headers": {"Content-Type": "text/plain"}}


@pytest.mark.parametrize(
    "browser_headers",
    [
        {"Sec-Fetch-Site": "cross-site", "Origin": "https://attacker.example"},
        {"Sec-Fetch-Site": "same-site", "Origin": "https://evil.testserver.local"},
        {"Origin": "https://attacker.example"},  # a browser too old to send Sec-Fetch-Site
        {"Origin": "null"},  # a sandboxed frame or a privacy redirect
        {"Origin": "http://testserver.local:8080"},  # another port is another origin
    ],
)
async def test_a_cross_site_text_plain_sign_in_is_refused_and_signs_no_one_in(
    client: Client, browser_headers: dict[str, str]
) -> None:
    email = await _account(client)
    form = _text_plain_form(email)
    answer = await client.post(SIGN_IN, content=form["content"], headers=form["headers"] | browser_headers)
    assert answer.status_code == 403, answer.text
    assert "another website" in answer.json()["message"]
    assert "set-cookie" not in answer.headers
    assert await UserSession.count() == 0
    # The same request as JSON from another site is refused too: the origin decides, not only the content type.
    as_json = await client.post(SIGN_IN, json={"email": email, "password": PASSWORD}, headers=browser_headers)
    assert as_json.status_code == 403 and await UserSession.count() == 0


async def test_a_text_plain_sign_in_from_nowhere_in_particular_is_refused_as_not_json(client: Client) -> None:
    """Without Sec-Fetch-Site or Origin the request is no browser's cross-site request, but a cookie-setting address
    still takes only JSON (any browser that could send text/plain cross-site without those headers is stopped)."""
    email = await _account(client)
    form = _text_plain_form(email)
    answer = await client.post(SIGN_IN, content=form["content"], headers=form["headers"])
    assert answer.status_code == 415 and "Content-Type: application/json" in answer.json()["message"]
    assert await UserSession.count() == 0
    no_type = await client.post(SIGN_IN, content=form["content"])
    assert no_type.status_code == 415


@pytest.mark.parametrize(
    "own_headers",
    [
        {"Sec-Fetch-Site": "same-origin", "Origin": BASE},
        {"Origin": BASE},
        {"Origin": "HTTP://TestServer.local:80"},  # the same origin written differently
        {},  # a script (curl, httpx): not a browser acting for someone
    ],
)
async def test_our_own_pages_and_scripts_still_sign_in(client: Client, own_headers: dict[str, str]) -> None:
    email = await _account(client)
    answer = await client.post(SIGN_IN, json={"email": email, "password": PASSWORD}, headers=own_headers)
    assert answer.status_code == 200, answer.text
    assert "consortium_session" in answer.headers["set-cookie"]
    json_with_charset = await client.post(
        SIGN_IN,
        content=json.dumps({"email": email, "password": PASSWORD}),
        headers=own_headers | {"Content-Type": "application/json; charset=utf-8"},
    )
    assert json_with_charset.status_code == 200


async def test_cookie_using_writes_from_another_site_are_refused(client: Client) -> None:
    """A signed-in convenor's browser, made to post by another site: the session cookie goes with it (SameSite=Lax
    does not stop every case, e.g. a top-level form post from a same-site page), so the origin is checked."""
    network_id, conv = await convenor(email="casey@example.org")
    bid = await open_bid(client, conv, network_id)
    signed = await client.post(SIGN_IN, json={"email": "casey@example.org", "password": PASSWORD})
    csrf = {"X-CSRF-Token": signed.json()["csrf_token"]}
    cross = {"Sec-Fetch-Site": "cross-site", "Origin": "https://attacker.example"}
    lock = await client.post(f"/api/v1/bids/{bid['id']}/lock", headers=csrf | cross)
    assert lock.status_code == 403
    still_open = await client.get(f"/api/v1/bids/{bid['id']}", headers=conv)
    assert still_open.json()["status"] == "open"
    invite = await client.post(
        f"/api/v1/bids/{bid['id']}/invitations",
        content=json.dumps({"emails": ["x@example.org"]}),
        headers=csrf | {"Content-Type": "text/plain", "Sec-Fetch-Site": "same-origin"},
    )
    assert invite.status_code == 415, invite.text
    from_our_page = await client.post(
        f"/api/v1/bids/{bid['id']}/lock", headers=csrf | {"Sec-Fetch-Site": "same-origin"}
    )
    assert from_our_page.status_code == 200


async def test_an_invitation_cannot_be_accepted_from_another_site(client: Client) -> None:
    network_id, conv = await convenor()
    bid = await open_bid(client, conv, network_id)
    token = await invitation_token(client, conv, bid["id"], "dana@example.org")
    body = {"name": "Dana", "password": PASSWORD, "organisation": organisation("Dana Homes")}
    cross = await client.post(
        f"/api/v1/invitations/{token}/accept", json=body, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert cross.status_code == 403 and await BidMember.count() == 0
    own = await client.post(f"/api/v1/invitations/{token}/accept", json=body, headers={"Sec-Fetch-Site": "same-origin"})
    assert own.status_code == 201


async def test_bearer_token_writes_are_not_browser_writes(client: Client) -> None:
    """A browser never adds an Authorization header to another site's request, so scripts with a token may send
    from anywhere (and, as before, a body the API reads as JSON)."""
    network_id, conv = await convenor()
    bid = await open_bid(client, conv, network_id)
    answer = await client.post(
        f"/api/v1/bids/{bid['id']}/lock", headers=conv | {"Sec-Fetch-Site": "cross-site", "Origin": "https://x.example"}
    )
    assert answer.status_code == 200


def test_origins_compare_by_scheme_host_and_port() -> None:
    assert origin_of("https://Example.org") == origin_of("https://example.org:443/path")
    assert origin_of("http://example.org") != origin_of("https://example.org")
    assert origin_of("https://example.org:8443") != origin_of("https://example.org")
    assert origin_of("null") == "" and origin_of("https://[bad") == ""
