"""Signing in and out, where '/' sends people, CSRF on page forms, friendly error pages and the CSP."""

from __future__ import annotations

import re

from litestar import get
from litestar.testing import AsyncTestClient

from consortium.app import create_app
from consortium.settings import Settings
from tests.factories import PASSWORD, Client
from tests.web.conftest import ANA, CONVENOR, Scene
from tests.web.helpers import error_links, form_token, post_form, sign_in, text_of


async def test_home_sends_each_person_where_they_work(client: Client, scene: Scene) -> None:
    anonymous = await client.get("/", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/sign-in"
    await sign_in(client, CONVENOR)
    assert (await client.get("/", follow_redirects=False)).headers["location"] == "/bids"
    await sign_in(client, ANA)  # one bid: straight to it
    assert (await client.get("/", follow_redirects=False)).headers["location"] == f"/bids/{scene.bid_id}"


async def test_wrong_password_shows_the_problem_and_keeps_the_email(client: Client, scene: Scene) -> None:
    answer = await post_form(client, "/sign-in", {"email": CONVENOR, "password": "not my password"})
    assert answer.status_code == 422
    assert "do not match an account" in text_of(answer.text)
    assert error_links(answer.text) == ["email"]
    assert f'value="{CONVENOR}"' in answer.text
    assert "not my password" not in answer.text
    assert answer.text.count('aria-describedby="email-error"') == 1
    empty = await post_form(client, "/sign-in", {"email": "", "password": ""})
    assert error_links(empty.text) == ["email", "password"]
    assert "<title>Error: Sign in" in empty.text


async def test_forms_without_their_csrf_token_are_refused(client: Client, scene: Scene) -> None:
    await client.get("/sign-in")  # the double-submit cookie is set; the token is not sent
    refused = await client.post("/sign-in", data={"email": CONVENOR, "password": PASSWORD}, follow_redirects=False)
    assert refused.status_code == 403
    assert "text/html" in refused.headers["content-type"]
    assert "This form has expired" in refused.text
    forged = await client.post(
        "/sign-in", data={"email": CONVENOR, "password": PASSWORD, "csrf_token": "x" * 43}, follow_redirects=False
    )
    assert forged.status_code == 403
    await sign_in(client, CONVENOR)
    for path in ["/sign-out", f"/bids/{scene.bid_id}/status/lock", f"/bids/{scene.bid_id}/invitations"]:
        answer = await client.post(path, data={"emails": "x@example.org"}, follow_redirects=False)
        assert answer.status_code == 403, path
    # Another site's form is refused even with a token.
    token = await form_token(client, "/bids")
    cross = await client.post(
        f"/bids/{scene.bid_id}/status/lock",
        data={"csrf_token": token},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert cross.status_code == 403 and "another website" in cross.text
    read = await client.get(f"/api/v1/bids/{scene.bid_id}")
    assert read.json()["status"] == "open"


async def test_sign_in_returns_to_the_page_asked_for_but_never_off_site(client: Client, scene: Scene) -> None:
    wanted = f"/bids/{scene.bid_id}/invitations"
    bounced = await client.get(wanted, follow_redirects=False)
    assert bounced.status_code == 303 and bounced.headers["location"] == f"/sign-in?next={wanted}"
    page = await client.get(bounced.headers["location"])
    assert f'name="next" value="{wanted}"' in page.text
    answer = await post_form(client, "/sign-in", {"email": CONVENOR, "password": PASSWORD, "next": wanted})
    assert answer.headers["location"] == wanted
    client.cookies.clear()
    for evil in ["//evil.example/x", "https://evil.example", "/\\evil.example"]:
        answer = await post_form(client, "/sign-in", {"email": CONVENOR, "password": PASSWORD, "next": evil})
        assert answer.headers["location"] == "/", evil
        client.cookies.clear()


async def test_sign_out_ends_the_session(client: Client, scene: Scene) -> None:
    await sign_in(client, CONVENOR)
    answer = await post_form(client, "/sign-out", {}, page="/bids")
    assert answer.status_code == 303 and answer.headers["location"] == "/sign-in"
    after = await client.get("/sign-in")
    assert "You have signed out" in after.text
    assert (await client.get("/bids", follow_redirects=False)).status_code == 303


async def test_friendly_error_pages_for_pages_and_json_for_the_api(client: Client, scene: Scene) -> None:
    page = await client.get("/no/such/page")
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    assert "Page not found" in page.text and "Go to your home page" in page.text
    api = await client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.headers["content-type"].startswith("application/json")
    gone = await client.get("/invitations/not-a-real-token")
    assert gone.status_code == 404 and "invitation link is not valid" in gone.text


async def test_pages_keep_the_strict_content_security_policy(client: Client, scene: Scene) -> None:
    await sign_in(client, CONVENOR)
    for path in ["/bids", f"/bids/{scene.bid_id}", f"/bids/{scene.bid_id}/rules", f"/bids/{scene.bid_id}/edit"]:
        answer = await client.get(path)
        assert answer.status_code == 200, path
        assert "script-src 'self'" in answer.headers["content-security-policy"]
        assert answer.headers["cache-control"] == "no-store"
        html = answer.text
        assert not re.search(r"\sstyle=", html), f"inline style attribute on {path}"
        assert not re.search(r"\son[a-z]+=", html), f"inline event handler on {path}"
        assert "<style" not in html
        assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", html)), f"inline script on {path}"
    css = await client.get("/static/site.css")
    assert css.status_code == 200 and "text/css" in css.headers["content-type"]
    assert (await client.get("/static/htmx.min.js")).status_code == 200


async def test_htmx_requests_are_sent_to_sign_in_with_hx_redirect(client: Client, scene: Scene) -> None:
    answer = await client.get(f"/bids/{scene.bid_id}/live/figures", headers={"HX-Request": "true"})
    assert answer.status_code == 204
    assert answer.headers["hx-redirect"] == f"/sign-in?next=/bids/{scene.bid_id}/live/figures"


async def test_too_many_sign_ins_are_refused_with_the_wait_explained(
    client: Client, scene: Scene, settings: Settings
) -> None:
    for _ in range(settings.sign_in_attempts):
        await post_form(client, "/sign-in", {"email": CONVENOR, "password": "wrong wrong wrong"})
    answer = await post_form(client, "/sign-in", {"email": CONVENOR, "password": PASSWORD})
    assert answer.status_code == 429
    assert "Too many unsuccessful sign-ins" in text_of(answer.text) and f'value="{CONVENOR}"' in answer.text


async def test_an_unexpected_failure_shows_a_calm_page(db: None, settings: Settings) -> None:
    @get("/boom", include_in_schema=False)
    async def boom() -> str:
        raise RuntimeError("kaboom")

    app = create_app(settings, extra_handlers=[boom])
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        answer = await client.get("/boom")
    assert answer.status_code == 500 and "text/html" in answer.headers["content-type"]
    assert "Sorry, something went wrong on our side" in answer.text and "kaboom" not in answer.text
