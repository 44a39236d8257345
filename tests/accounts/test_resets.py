"""Password reset links: made by a convenor for the people of their network's members (or by the operator on the
command line), shown once, stored as a hash, one-use, expiring, replacing earlier links; using one sets the
password and ends every session and token."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse

import pytest

from consortium.accounts import resets
from consortium.accounts.services import authenticate, create_api_token
from consortium.accounts.tables import ApiToken, PasswordReset, SignInAttempt
from consortium.audit.tables import AuditEvent
from consortium.cli import main
from consortium.networks.services import create_network
from consortium.settings import Settings
from tests.accounts.test_tokens_and_sessions import as_browser, browser_sign_in
from tests.factories import PASSWORD, Client, convenor, join, open_bid, organisation

ANA = "ana@example.org"
NEW_PASSWORD = "marmalade orbit kettle"


@dataclass
class Network:
    convenor: dict[str, str]
    bid_id: int
    ana: dict[str, str]


@pytest.fixture
async def network(client: Client) -> Network:
    network_id, headers = await convenor(email="jo@example.org")
    bid = await open_bid(client, headers, network_id)
    _, ana = await join(client, headers, bid["id"], organisation("Ashbrook Homes"), email=ANA)
    return Network(headers, bid["id"], ana)


async def make_link(client: Client, headers: dict[str, str], email: str = ANA) -> str:
    answer = await client.post("/api/v1/auth/reset-links", json={"email": email}, headers=headers)
    assert answer.status_code == 201, answer.text
    return urlparse(answer.json()["url"]).path.rsplit("/", 1)[-1]


async def test_a_convenor_makes_a_link_that_is_shown_once_and_stored_as_a_hash(
    client: Client, network: Network
) -> None:
    before = datetime.now(UTC)
    answer = await client.post("/api/v1/auth/reset-links", json={"email": " Ana@Example.org"}, headers=network.convenor)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["email"] == ANA and body["name"] == "Morgan Member"
    assert body["url"].startswith("http://testserver.local/reset/")
    token = body["url"].rsplit("/", 1)[-1]
    expires = datetime.fromisoformat(body["expires_at"])
    assert before + timedelta(hours=24) <= expires <= datetime.now(UTC) + timedelta(hours=24)
    rows = await PasswordReset.select(PasswordReset.token_hash, PasswordReset.created_by)
    assert len(rows) == 1 and rows[0]["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    info = await client.get(f"/api/v1/auth/reset-links/{token}")
    assert info.status_code == 200 and info.json()["email"] == ANA
    issued = await AuditEvent.select(AuditEvent.actor_label, AuditEvent.after).where(
        AuditEvent.action == "account.reset_link"
    )
    assert len(issued) == 1 and issued[0]["actor_label"] == "jo@example.org"
    assert token not in str(issued[0]["after"])


async def test_using_the_link_sets_the_password_and_ends_every_session_and_token(
    client: Client, network: Network, settings: Settings
) -> None:
    browser, _ = await browser_sign_in(client, ANA)
    for _ in range(settings.sign_in_attempts):  # Ana has locked herself out
        await client.post("/api/v1/auth/sign-in", json={"email": ANA, "password": "what was it again"})
    client.cookies.clear()
    token = await make_link(client, network.convenor)
    weak = await client.post(f"/api/v1/auth/reset-links/{token}", json={"password": "password123"})
    assert weak.status_code == 422 and "three or four unrelated words" in weak.json()["message"]
    used = await client.post(f"/api/v1/auth/reset-links/{token}", json={"password": NEW_PASSWORD})
    assert used.status_code == 200, used.text
    assert "Sign in with it" in used.json()["message"]
    assert (await client.get("/api/v1/auth/me", headers=network.ana)).status_code == 401
    as_browser(client, browser)
    assert (await client.get("/api/v1/auth/me")).status_code == 401
    client.cookies.clear()
    assert await SignInAttempt.count().where(SignInAttempt.email == ANA) == 0
    old = await client.post("/api/v1/auth/sign-in", json={"email": ANA, "password": PASSWORD})
    assert old.status_code == 401
    new = await client.post("/api/v1/auth/sign-in", json={"email": ANA, "password": NEW_PASSWORD})
    assert new.status_code == 200
    # The convenor's own sessions and tokens are untouched.
    assert (await client.get("/api/v1/auth/me", headers=network.convenor)).status_code == 200
    event = await AuditEvent.select(AuditEvent.actor_label, AuditEvent.after).where(
        AuditEvent.action == "account.password_reset"
    )
    assert len(event) == 1 and event[0]["actor_label"] == ANA and NEW_PASSWORD not in str(event[0]["after"])


async def test_a_link_works_once(client: Client, network: Network) -> None:
    token = await make_link(client, network.convenor)
    assert (await client.post(f"/api/v1/auth/reset-links/{token}", json={"password": NEW_PASSWORD})).status_code == 200
    again = await client.post(f"/api/v1/auth/reset-links/{token}", json={"password": "kettle orbit marmalade"})
    assert again.status_code == 410 and "already been used" in again.json()["message"]
    assert (await client.get(f"/api/v1/auth/reset-links/{token}")).status_code == 410
    signed_in = await client.post("/api/v1/auth/sign-in", json={"email": ANA, "password": NEW_PASSWORD})
    assert signed_in.status_code == 200


async def test_two_uses_of_one_link_at_the_same_moment_give_one_password(client: Client, network: Network) -> None:
    token = await make_link(client, network.convenor)
    passwords = ["marmalade orbit kettle", "lantern cobble heron", "violet harbour crumpet", "saddle comet pickle"]
    answers = await asyncio.gather(
        *(client.post(f"/api/v1/auth/reset-links/{token}", json={"password": p}) for p in passwords)
    )
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200, 410, 410, 410], [answer.text for answer in answers]
    winner = passwords[[answer.status_code for answer in answers].index(200)]
    for password in passwords:
        client.cookies.clear()
        answer = await client.post("/api/v1/auth/sign-in", json={"email": ANA, "password": password})
        assert answer.status_code == (200 if password == winner else 401)
    assert await AuditEvent.count().where(AuditEvent.action == "account.password_reset") == 1


async def test_an_expired_link_is_refused_saying_so(client: Client, network: Network) -> None:
    token = await make_link(client, network.convenor)
    await PasswordReset.update({PasswordReset.expires_at: datetime.now(UTC) - timedelta(minutes=1)}).where(
        PasswordReset.used_at.is_null()
    )
    answer = await client.post(f"/api/v1/auth/reset-links/{token}", json={"password": NEW_PASSWORD})
    assert answer.status_code == 410 and "expired on" in answer.json()["message"]
    assert "ask your network convenor for a new one" in answer.json()["message"].lower()
    assert (await client.get("/api/v1/auth/me", headers=network.ana)).status_code == 200  # nothing ended


async def test_a_new_link_replaces_the_earlier_unused_one(client: Client, network: Network) -> None:
    first = await make_link(client, network.convenor)
    second = await make_link(client, network.convenor)
    replaced = await client.post(f"/api/v1/auth/reset-links/{first}", json={"password": NEW_PASSWORD})
    assert replaced.status_code == 404 and "replaced by a newer link" in replaced.json()["message"]
    assert (await client.post(f"/api/v1/auth/reset-links/{second}", json={"password": NEW_PASSWORD})).status_code == 200
    assert (await client.get("/api/v1/auth/reset-links/not-a-real-token")).status_code == 404


async def test_links_made_at_the_same_moment_leave_one_that_works(client: Client, network: Network) -> None:
    answers = await asyncio.gather(
        *(client.post("/api/v1/auth/reset-links", json={"email": ANA}, headers=network.convenor) for _ in range(4))
    )
    assert [answer.status_code for answer in answers] == [201] * 4
    assert await PasswordReset.count().where(PasswordReset.used_at.is_null()) == 1
    working = []
    for answer in answers:
        token = answer.json()["url"].rsplit("/", 1)[-1]
        working.append((await client.get(f"/api/v1/auth/reset-links/{token}")).status_code == 200)
    assert working.count(True) == 1


async def test_a_convenor_reaches_only_their_own_networks_member_people(client: Client, network: Network) -> None:
    other_network, other_convenor = await convenor(email="kim@example.org")
    other_bid = await open_bid(client, other_convenor, other_network)
    _, _ = await join(client, other_convenor, other_bid["id"], organisation("Elsewhere Homes"), email="eli@example.org")

    async def attempt(headers: dict[str, str], email: str) -> tuple[int, str]:
        answer = await client.post("/api/v1/auth/reset-links", json={"email": email}, headers=headers)
        return answer.status_code, answer.json().get("message", "")

    outside = await attempt(network.convenor, "eli@example.org")
    nobody = await attempt(network.convenor, "nobody@example.org")
    assert outside[0] == nobody[0] == 404 and outside[1] == nobody[1]  # no telling who has an account
    assert (await attempt(other_convenor, ANA))[0] == 404
    member = await attempt(network.ana, ANA)
    assert member[0] == 403 and "Only a network's convenors" in member[1]
    own = await attempt(network.convenor, "jo@example.org")
    assert own[0] == 403 and "your own account" in own[1]
    assert (await client.post("/api/v1/auth/reset-links", json={"email": ANA})).status_code == 401
    assert await PasswordReset.count() == 0


async def test_a_convenor_cannot_make_a_link_for_another_convenor(client: Client, network: Network) -> None:
    # Ana also convenes a network of her own now: her password is no other convenor's to reset.
    await create_network("Ana's Network", ANA, "Morgan Member", "")
    answer = await client.post("/api/v1/auth/reset-links", json={"email": ANA}, headers=network.convenor)
    assert answer.status_code == 403 and "is a network convenor" in answer.json()["message"]
    assert "consortium reset-link" in answer.json()["message"]
    assert await PasswordReset.count() == 0


async def test_the_operator_makes_a_link_for_anyone_on_the_command_line(
    db: None, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    # No HTTP client here: the command opens (and closes) its own database pool, as it does in production.
    _, jo = await create_network("Northern Network", "jo@example.org", "Jo Convenor", PASSWORD)
    await create_api_token(jo, "script")
    assert await asyncio.to_thread(main, ["reset-link", "--email", "jo@example.org"]) == 0
    printed = capsys.readouterr().out
    url = next(line for line in printed.splitlines() if "/reset/" in line)
    assert "shown only now" in printed and "works once" in printed
    token = urlparse(url.strip()).path.rsplit("/", 1)[-1]
    assert (await resets.reset_link_info(token)).email == "jo@example.org"
    await resets.use_reset_link(token, NEW_PASSWORD)
    assert await authenticate(settings, "jo@example.org", NEW_PASSWORD, "127.0.0.1") == jo
    assert await ApiToken.count().where(ApiToken.revoked_at.is_null()) == 0
    event = await AuditEvent.select(AuditEvent.actor_label).where(AuditEvent.action == "account.reset_link")
    assert event == [{"actor_label": "operator (command line)"}]
    assert await asyncio.to_thread(main, ["reset-link", "--email", "nobody@example.org"]) == 1
    assert "There is no account for nobody@example.org" in capsys.readouterr().err
