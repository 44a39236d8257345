"""Starting a network through the API: POST /api/v1/auth/sign-up (anonymous) and POST /api/v1/networks (signed
in), through the real app on a real database."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from consortium.accounts.services import create_api_token
from consortium.accounts.tables import ApiToken, User
from consortium.networks.services import create_network
from consortium.networks.tables import Network, NetworkConvenor
from consortium.settings import Settings
from tests.factories import PASSWORD, Client, bearer, convenor, open_bid

SIGN_UP: dict[str, Any] = {
    "name": "Sam Starter",
    "email": "sam@example.org",
    "password": PASSWORD,
    "network_name": "Fenland Homes Network",
}
ACCOUNT_EXISTS = (
    "There is already an account for that email address. Sign in, then start your network from your account page."
)


async def named_convenor(network_name: str, email: str) -> tuple[int, dict[str, str]]:
    """A network called exactly ``network_name`` (the factory numbers its names) and its convenor's headers."""
    network_id, user_id = await create_network(network_name, email, "Casey Convenor", PASSWORD)
    _, token = await create_api_token(user_id, "tests")
    return network_id, bearer(token)


async def counts() -> tuple[int, int, int, int]:
    return await User.count(), await Network.count(), await NetworkConvenor.count(), await ApiToken.count()


@asynccontextmanager
async def client_for(settings: Settings) -> AsyncIterator[Client]:
    """An app built with other settings on the same database, beside the test's own ``client`` (whose lifespan
    keeps the database, and on PostgreSQL its one connection pool, open for both)."""
    from consortium.app import create_app

    transport = httpx.ASGITransport(app=create_app(settings), client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as client:
        yield client


async def test_sign_up_answers_a_token_that_lets_the_new_convenor_create_a_bid(client: Client) -> None:
    answer = await client.post("/api/v1/auth/sign-up", json=SIGN_UP)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert set(body) == {"user_id", "network_id", "token", "message"}
    assert body["token"].startswith("cst_")
    assert "set-cookie" not in answer.headers  # a script's sign-up: a token, not a browser session
    headers = bearer(body["token"])
    me = (await client.get("/api/v1/auth/me", headers=headers)).json()
    assert me["user_id"] == body["user_id"] and me["email"] == "sam@example.org"
    assert me["convenor_of_networks"] == [body["network_id"]]
    networks = (await client.get("/api/v1/networks", headers=headers)).json()
    assert networks == [{"id": body["network_id"], "name": "Fenland Homes Network"}]
    bid = await open_bid(client, headers, body["network_id"])
    assert bid["status"] == "open" and bid["network_id"] == body["network_id"]
    # The token is kept only as its hash.
    stored = await ApiToken.select(ApiToken.token_hash).first()
    assert stored is not None and body["token"] not in str(stored)


async def test_a_signed_in_person_starts_another_network_and_bids_in_it(client: Client) -> None:
    first_network, headers = await convenor()
    answer = await client.post("/api/v1/networks", json={"name": "  Second Network "}, headers=headers)
    assert answer.status_code == 201, answer.text
    made = answer.json()
    assert made["name"] == "Second Network" and made["id"] != first_network
    listed = (await client.get("/api/v1/networks", headers=headers)).json()
    assert {n["id"] for n in listed} == {first_network, made["id"]}
    bid = await open_bid(client, headers, made["id"])
    assert bid["network_id"] == made["id"]
    anonymous = await client.post("/api/v1/networks", json={"name": "Nobody's Network"})
    assert anonymous.status_code == 401
    assert await Network.count().where(Network.name == "Nobody's Network") == 0


async def test_a_duplicate_email_or_network_name_is_409_and_nothing_is_made(client: Client) -> None:
    _, headers = await named_convenor("Fenland Homes Network", "sam@example.org")
    account = await User.select().where(User.email == "sam@example.org").first()
    before = await counts()
    taken = await client.post("/api/v1/auth/sign-up", json={**SIGN_UP, "network_name": "New Name"})
    assert taken.status_code == 409
    assert taken.json()["message"] == ACCOUNT_EXISTS and taken.json()["field"] == "email"
    named = await client.post("/api/v1/auth/sign-up", json={**SIGN_UP, "email": "new@example.org"})
    assert named.status_code == 409 and named.json()["field"] == "network_name"
    assert "There is already a network called ‘Fenland Homes Network’" in named.json()["message"]
    again = await client.post("/api/v1/networks", json={"name": "Fenland Homes Network"}, headers=headers)
    assert again.status_code == 409 and "already a network called" in again.json()["message"]
    assert await counts() == before
    assert await User.select().where(User.email == "sam@example.org").first() == account


async def test_a_weak_password_and_every_other_problem_are_422_at_their_fields(client: Client) -> None:
    weak = await client.post("/api/v1/auth/sign-up", json={**SIGN_UP, "password": "samstarter1"})
    assert weak.status_code == 422
    assert list(weak.json()["fields"]) == ["password"] and weak.json()["field"] == "password"
    everything = await client.post(
        "/api/v1/auth/sign-up",
        json={"name": " ", "email": "nobody", "password": "qwertyuiop", "network_name": " "},
    )
    assert everything.status_code == 422
    assert set(everything.json()["fields"]) == {"name", "email", "password", "network_name"}
    blank = await client.post("/api/v1/auth/sign-up", json={**SIGN_UP, "network_name": ""})
    assert blank.status_code in {400, 422}
    unknown = await client.post("/api/v1/auth/sign-up", json={**SIGN_UP, "role": "admin"})
    assert unknown.status_code in {400, 422}
    assert await counts() == (0, 0, 0, 0)


async def test_sign_up_takes_only_json_from_a_browser(client: Client) -> None:
    import json

    text = await client.post(
        "/api/v1/auth/sign-up", content=json.dumps(SIGN_UP), headers={"Content-Type": "text/plain"}
    )
    assert text.status_code == 415
    form = await client.post("/api/v1/auth/sign-up", data=SIGN_UP)
    assert form.status_code == 415
    cross = await client.post("/api/v1/auth/sign-up", json=SIGN_UP, headers={"Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403
    assert await counts() == (0, 0, 0, 0)


async def test_sign_ups_probing_for_accounts_are_limited_per_address(client: Client, settings: Settings) -> None:
    await convenor(email="sam@example.org")
    for _ in range(settings.sign_in_attempts):
        assert (await client.post("/api/v1/auth/sign-up", json=SIGN_UP)).status_code == 409
    limited = await client.post("/api/v1/auth/sign-up", json={**SIGN_UP, "email": "new@example.org"})
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) > 0
    assert "Too many unsuccessful attempts" in limited.json()["message"]
    assert await User.count() == 1


async def test_both_routes_answer_404_when_the_operator_turned_sign_up_off(client: Client, settings: Settings) -> None:
    network_id, headers = await convenor()
    before = await counts()
    async with client_for(dataclasses.replace(settings, open_signup=False)) as closed:
        sign_up = await closed.post("/api/v1/auth/sign-up", json=SIGN_UP)
        assert sign_up.status_code == 404
        assert "turned off" in sign_up.json()["message"]
        start = await closed.post("/api/v1/networks", json={"name": "Another"}, headers=headers)
        assert start.status_code == 404 and "turned off" in start.json()["message"]
        anonymous = await closed.post("/api/v1/networks", json={"name": "Another"})
        assert anonymous.status_code == 404
        # What was there before still works.
        assert (await closed.get("/api/v1/networks", headers=headers)).json()[0]["id"] == network_id
    assert await counts() == before
