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


# --- accounts: the account page, password change and reset links ----------------------------------------------------

NEW_PASSWORD = "marmalade orbit kettle"


async def api_session(client: Client, email: str) -> str:
    """Another browser signed in as ``email`` (its session cookie); the client is left with no cookies."""
    client.cookies.clear()
    answer = await client.post("/api/v1/auth/sign-in", json={"email": email, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    cookie = client.cookies["consortium_session"]
    client.cookies.clear()
    return cookie


async def session_works(client: Client, cookie: str) -> bool:
    kept = dict(client.cookies)
    client.cookies.clear()
    client.cookies.set("consortium_session", cookie)
    works = (await client.get("/api/v1/auth/me")).status_code == 200
    client.cookies.clear()
    for name, value in kept.items():
        client.cookies.set(name, value)
    return works


async def test_the_sign_in_page_says_how_to_get_a_reset_link(client: Client, scene: Scene) -> None:
    page = text_of((await client.get("/sign-in")).text)
    assert "Ask your network convenor for a password reset link" in page
    assert "It works once, for 24 hours" in page


async def test_the_account_page_lists_tokens_shows_a_new_one_once_and_revokes(client: Client, scene: Scene) -> None:
    await sign_in(client, ANA)
    page = await client.get("/account")
    assert page.status_code == 200
    assert "Your account" in page.text and ANA in page.text
    assert re.search(r"<th scope=\"row\">tests</th>", page.text)  # the token the scene made
    assert 'href="/account"' in page.text  # reachable from every page's header
    too_long = await post_form(
        client, "/account/tokens", {"token_name": "budget", "token_days": "400"}, page="/account"
    )
    assert too_long.status_code == 422 and error_links(too_long.text) == ["token_days"]
    assert 'value="budget"' in too_long.text
    hidden = await post_form(
        client, "/account/tokens", {"token_name": "bud\u202eget", "token_days": "30"}, page="/account"
    )
    assert hidden.status_code == 422 and error_links(hidden.text) == ["token_name"]
    made = await post_form(client, "/account/tokens", {"token_name": "budget", "token_days": "30"}, page="/account")
    assert made.status_code == 201
    token = re.search(r'value="(cst_[^"]+)"', made.text)
    assert token and "Copy it now" in text_of(made.text)
    bearer_headers = {"Authorization": f"Bearer {token.group(1)}"}
    assert (await client.get("/api/v1/auth/me", headers=bearer_headers)).status_code == 200
    again = await client.get("/account")
    assert token.group(1) not in again.text  # shown once
    assert "Last used" in again.text and "just now" in again.text
    listed = (await client.get("/api/v1/auth/tokens", headers=bearer_headers)).json()
    budget = next(row for row in listed if row["name"] == "budget")
    revoked = await post_form(client, f"/account/tokens/{budget['id']}/revoke", {"confirm": "yes"}, page="/account")
    assert revoked.status_code == 303 and revoked.headers["location"] == "/account"
    assert "is revoked" in text_of((await client.get("/account")).text)
    assert (await client.get("/api/v1/auth/me", headers=bearer_headers)).status_code == 401
    # Another person's token cannot be revoked from here.
    theirs = (await client.get("/api/v1/auth/tokens", headers=scene.ben_headers)).json()[0]
    refused = await post_form(client, f"/account/tokens/{theirs['id']}/revoke", {"confirm": "yes"}, page="/account")
    assert refused.status_code == 404
    assert (await client.get("/api/v1/auth/me", headers=scene.ben_headers)).status_code == 200


async def test_changing_the_password_keeps_this_browser_and_signs_out_the_rest(client: Client, scene: Scene) -> None:
    phone = await api_session(client, ANA)
    await sign_in(client, ANA)
    form = {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password_again": "something else"}
    mismatch = await post_form(client, "/account/password", form, page="/account")
    assert mismatch.status_code == 422 and error_links(mismatch.text) == ["new_password_again"]
    weak = await post_form(
        client,
        "/account/password",
        {**form, "new_password": "password123", "new_password_again": "password123"},
        page="/account",
    )
    assert weak.status_code == 422 and error_links(weak.text) == ["new_password"]
    assert "most commonly used passwords" in text_of(weak.text) and "three or four unrelated words" in text_of(
        weak.text
    )
    wrong = await post_form(
        client,
        "/account/password",
        {**form, "current_password": "not it at all", "new_password_again": NEW_PASSWORD},
        page="/account",
    )
    assert wrong.status_code == 422 and error_links(wrong.text) == ["current_password"]
    assert "password123" not in wrong.text and "not it at all" not in wrong.text
    assert await session_works(client, phone)  # nothing changed yet
    changed = await post_form(
        client, "/account/password", {**form, "new_password_again": NEW_PASSWORD}, page="/account"
    )
    assert changed.status_code == 303 and changed.headers["location"] == "/account"
    after = text_of((await client.get("/account")).text)
    assert "Your password is changed" in after and "everywhere else you are signed out" in after
    assert "API tokens no longer work" in after
    assert not await session_works(client, phone)
    assert (await client.get("/api/v1/auth/me", headers=scene.ana_headers)).status_code == 401
    await sign_in(client, ANA, NEW_PASSWORD)


async def test_the_account_page_says_what_a_password_change_ends(client: Client, scene: Scene) -> None:
    await sign_in(client, ANA)
    page = text_of((await client.get("/account")).text)
    assert "you are signed out in every other browser and device, and every API token of yours stops working" in page


async def test_signing_out_everywhere_from_the_account_page(client: Client, scene: Scene) -> None:
    phone = await api_session(client, ANA)
    await sign_in(client, ANA)
    answer = await post_form(client, "/account/sign-out-everywhere", {"confirm": "yes"}, page="/account")
    assert answer.status_code == 303 and answer.headers["location"] == "/sign-in"
    assert "You are signed out everywhere" in text_of((await client.get("/sign-in")).text)
    assert (await client.get("/account", follow_redirects=False)).status_code == 303
    assert not await session_works(client, phone)
    assert (await client.get("/api/v1/auth/me", headers=scene.ana_headers)).status_code == 401
    assert (await client.get("/api/v1/auth/me", headers=scene.ben_headers)).status_code == 200


def reset_link_in(html: str) -> str:
    found = re.search(r'value="http://testserver\.local(/reset/[^"]+)"', html)
    assert found, "no reset link on the page"
    return found.group(1)


async def test_a_convenor_makes_a_reset_link_and_the_member_chooses_a_new_password(
    client: Client, scene: Scene
) -> None:
    await sign_in(client, CONVENOR)
    page = await client.get(f"/bids/{scene.bid_id}/invitations")
    people = text_of(page.text.split('id="people-title"', 1)[1])
    assert ANA in people and "Ashbrook Homes" in people and "Pennine Housing" in people
    made = await post_form(client, f"/bids/{scene.bid_id}/people/reset-link", {"email": ANA}, page=page.url.path)
    assert made.status_code == 201
    assert "Password reset link for Morgan Member" in text_of(made.text) and "copy it now" in text_of(made.text)
    link = reset_link_in(made.text)
    assert link.split("/")[-1] not in (await client.get(f"/bids/{scene.bid_id}/invitations")).text  # shown once

    phone = await api_session(client, ANA)
    choose = await client.get(link)
    assert choose.status_code == 200 and ANA in choose.text and "Choose a new password" in choose.text
    mismatch = await post_form(client, link, {"password": NEW_PASSWORD, "password_again": "other words here"})
    assert mismatch.status_code == 422 and error_links(mismatch.text) == ["password_again"]
    weak = await post_form(client, link, {"password": "1234567890", "password_again": "1234567890"})
    assert weak.status_code == 422 and error_links(weak.text) == ["password"]
    assert "three or four unrelated words" in text_of(weak.text)
    done = await post_form(client, link, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert done.status_code == 303 and done.headers["location"] == "/sign-in"
    assert "Your password is changed. Sign in with it now" in text_of((await client.get("/sign-in")).text)
    assert not await session_works(client, phone)
    assert (await client.get("/api/v1/auth/me", headers=scene.ana_headers)).status_code == 401
    await sign_in(client, ANA, NEW_PASSWORD)
    client.cookies.clear()
    used = await client.get(link)
    assert used.status_code == 410 and "already been used" in used.text
    unknown = await client.get("/reset/not-a-real-token")
    assert unknown.status_code == 404 and "reset link is not valid" in unknown.text


async def test_only_the_bids_convenor_makes_reset_links_for_its_members(client: Client, scene: Scene) -> None:
    await sign_in(client, ANA)
    refused = await client.post(
        f"/bids/{scene.bid_id}/people/reset-link",
        data={"email": "ben@example.org", "csrf_token": await form_token(client, "/account")},
        follow_redirects=False,
    )
    assert refused.status_code == 403
    await sign_in(client, CONVENOR)
    outside = await post_form(
        client,
        f"/bids/{scene.bid_id}/people/reset-link",
        {"email": "nobody@example.org"},
        page=f"/bids/{scene.bid_id}/invitations",
    )
    assert outside.status_code == 303
    assert "There is no one with that email address" in text_of((await client.get(outside.headers["location"])).text)


async def test_joining_by_invitation_page_refuses_a_common_password(client: Client, scene: Scene) -> None:
    await sign_in(client, CONVENOR)
    invited = await post_form(client, f"/bids/{scene.bid_id}/invitations", {"emails": "ivy@example.org"})
    link = re.findall(r'value="http://testserver\.local(/invitations/[^"]+)"', invited.text)[0]
    client.cookies.clear()
    typed = {
        "name": "Ivy Ward",
        "password": "password123",
        "org_name": "Ivy Homes",
        "org_type": "charity",
        "org_id": "",
        "homes": "",
        "website": "",
        "choice": "new",
    }
    answer = await post_form(client, link, typed)
    assert answer.status_code == 422 and error_links(answer.text) == ["password"]
    assert "most commonly used passwords" in text_of(answer.text)
    joined = await post_form(client, link, {**typed, "password": NEW_PASSWORD})
    assert joined.status_code == 303
