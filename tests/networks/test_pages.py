"""Starting a network from the pages: /sign-up for someone new, /networks/new for someone signed in."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from consortium.accounts.services import create_api_token
from consortium.accounts.tables import User
from consortium.networks.services import create_network
from consortium.networks.tables import Network, NetworkConvenor
from consortium.settings import Settings
from tests.factories import PASSWORD, Client, bearer, convenor
from tests.web.helpers import error_links, form_token, post_form, sign_in, text_of

FORM: dict[str, Any] = {
    "name": "Sam Starter",
    "email": "sam@example.org",
    "password": PASSWORD,
    "password_again": PASSWORD,
    "network_name": "Fenland Homes Network",
}
BID_FORM = {
    "title": "Warm Homes Match 2027",
    "funder_name": "Energy Trust",
    "programme": "",
    "funder_org_id": "",
    "deadline_date": "2030-07-01",
    "deadline_time": "17:30",
    "match_consortium_part": "1",
    "match_funder_part": "1",
    "match_cap": "",
    "themes": "",
}
ACCOUNT_EXISTS = (
    "There is already an account for that email address. Sign in, then start your network from your account page."
)


async def named_convenor(network_name: str, email: str) -> tuple[int, dict[str, str]]:
    """A network called exactly ``network_name`` (the factory numbers its names) and its convenor's headers."""
    network_id, user_id = await create_network(network_name, email, "Casey Convenor", PASSWORD)
    _, token = await create_api_token(user_id, "tests")
    return network_id, bearer(token)


async def counts() -> tuple[int, int, int]:
    return await User.count(), await Network.count(), await NetworkConvenor.count()


@asynccontextmanager
async def client_for(settings: Settings) -> AsyncIterator[Client]:
    """An app built with other settings on the same database, beside the test's own ``client`` (whose lifespan
    keeps the database, and on PostgreSQL its one connection pool, open for both)."""
    from consortium.app import create_app

    transport = httpx.ASGITransport(app=create_app(settings), client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as client:
        yield client


async def create_bid_on_the_page(client: Client, network_id: int) -> int:
    made = await post_form(client, "/bids/new", {**BID_FORM, "network_id": str(network_id)})
    assert made.status_code == 303, text_of(made.text)[:1000]
    found = re.search(r"/bids/(\d+)/rules", made.headers["location"])
    assert found
    return int(found.group(1))


async def test_someone_new_signs_up_is_signed_in_and_creates_a_bid(client: Client) -> None:
    sign_in_page = await client.get("/sign-in")
    assert 'href="/sign-up"' in sign_in_page.text and "Start a network" in sign_in_page.text
    page = await client.get("/sign-up")
    assert page.status_code == 200
    for field in FORM:
        assert f'id="{field}"' in page.text
    answer = await post_form(client, "/sign-up", FORM)
    assert answer.status_code == 303, text_of(answer.text)[:1000]
    assert answer.headers["location"] == "/bids/new"
    new_bid = await client.get("/bids/new")  # signed in: the session cookie came with the answer
    assert new_bid.status_code == 200
    assert "Fenland Homes Network is ready and you are its convenor" in text_of(new_bid.text)
    network = await Network.select(Network.id).where(Network.name == "Fenland Homes Network").first()
    assert network is not None
    bid_id = await create_bid_on_the_page(client, network["id"])
    dashboard = await client.get(f"/bids/{bid_id}")
    assert dashboard.status_code == 200 and "Warm Homes Match 2027" in dashboard.text
    # The new account signs in with what was typed.
    await sign_in(client, "sam@example.org")
    # Signed in, the sign-up page sends the person to start another network instead.
    again = await client.get("/sign-up", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == "/networks/new"


async def test_a_signed_in_convenor_starts_another_network_on_its_page(client: Client) -> None:
    await convenor(email="jo@example.org")
    anonymous = await client.get("/networks/new", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/sign-in")
    await sign_in(client, "jo@example.org")
    page = await client.get("/networks/new")
    assert page.status_code == 200 and 'action="/networks/new"' in page.text
    answer = await post_form(client, "/networks/new", {"name": " Second Network "})
    assert answer.status_code == 303 and answer.headers["location"] == "/bids/new"
    network = await Network.select(Network.id).where(Network.name == "Second Network").first()
    assert network is not None
    bid_id = await create_bid_on_the_page(client, network["id"])
    assert (await client.get(f"/bids/{bid_id}")).status_code == 200
    taken = await post_form(client, "/networks/new", {"name": "Second Network"})
    assert taken.status_code == 409
    assert "There is already a network called ‘Second Network’" in text_of(taken.text)
    assert error_links(taken.text) == ["name"] and 'value="Second Network"' in taken.text
    blank = await post_form(client, "/networks/new", {"name": "  "})
    assert blank.status_code == 422 and error_links(blank.text) == ["name"]
    assert await Network.count() == 2


async def test_a_duplicate_email_or_network_name_is_409_and_nothing_is_made(client: Client) -> None:
    await named_convenor("Fenland Homes Network", "sam@example.org")
    account = await User.select().where(User.email == "sam@example.org").first()
    before = await counts()
    taken = await post_form(client, "/sign-up", {**FORM, "network_name": "Brand New Network"})
    assert taken.status_code == 409
    assert ACCOUNT_EXISTS in text_of(taken.text)
    assert error_links(taken.text) == ["email"]
    assert "set-cookie" not in taken.headers or "consortium_session=" not in taken.headers["set-cookie"]
    named = await post_form(client, "/sign-up", {**FORM, "email": "new@example.org"})
    assert named.status_code == 409 and error_links(named.text) == ["network_name"]
    assert "There is already a network called ‘Fenland Homes Network’" in text_of(named.text)
    assert 'value="new@example.org"' in named.text and PASSWORD not in named.text  # typed text kept, not passwords
    assert await counts() == before
    assert await User.select().where(User.email == "sam@example.org").first() == account


async def test_a_weak_password_is_422_at_the_field_with_every_other_problem(client: Client) -> None:
    weak = await post_form(client, "/sign-up", {**FORM, "password": "samstarter1", "password_again": "samstarter1"})
    assert weak.status_code == 422
    assert error_links(weak.text) == ["password"]
    assert "too easy to guess" in text_of(weak.text) and 'value="Sam Starter"' in weak.text
    everything = await post_form(
        client, "/sign-up", {"name": "", "email": "nobody", "password": "abc", "password_again": "abd"}
    )
    assert everything.status_code == 422
    assert error_links(everything.text) == ["name", "email", "password", "password_again", "network_name"]
    assert "The two passwords are not the same" in text_of(everything.text)
    differ = await post_form(client, "/sign-up", {**FORM, "password_again": PASSWORD + "!"})
    assert differ.status_code == 422 and error_links(differ.text) == ["password_again"]
    assert await counts() == (0, 0, 0)


async def test_the_pages_answer_404_when_the_operator_turned_sign_up_off(client: Client, settings: Settings) -> None:
    await convenor(email="jo@example.org")
    before = await counts()
    async with client_for(dataclasses.replace(settings, open_signup=False)) as closed:
        sign_in_page = await closed.get("/sign-in")
        assert sign_in_page.status_code == 200 and 'href="/sign-up"' not in sign_in_page.text
        token = await form_token(closed, "/sign-in")
        for path, data in [("/sign-up", FORM), ("/networks/new", {"name": "Another"})]:
            shown = await closed.get(path)
            assert shown.status_code == 404, path
            assert "text/html" in shown.headers["content-type"] and "turned off" in text_of(shown.text)
            sent = await closed.post(path, data={**data, "csrf_token": token}, follow_redirects=False)
            assert sent.status_code == 404, path
        await sign_in(closed, "jo@example.org")
        token = await form_token(closed, "/bids")
        assert (await closed.get("/networks/new")).status_code == 404
        sent = await closed.post("/networks/new", data={"name": "Another", "csrf_token": token})
        assert sent.status_code == 404 and "turned off" in text_of(sent.text)
    assert await counts() == before
