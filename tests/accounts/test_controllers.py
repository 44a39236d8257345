from __future__ import annotations

from datetime import UTC, datetime, timedelta

from consortium.accounts.tables import ApiToken, UserSession
from tests.factories import PASSWORD, Client, convenor, future


async def test_sign_in_sets_an_httponly_session_and_rotates_it(client: Client) -> None:
    await convenor(email="casey@example.org")
    first = await client.post("/api/v1/auth/sign-in", json={"email": "Casey@Example.org ", "password": PASSWORD})
    assert first.status_code == 200, first.text
    cookie = first.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("SameSite=Lax", "SameSite=lax")
    old = client.cookies["consortium_session"]
    again = await client.post("/api/v1/auth/sign-in", json={"email": "casey@example.org", "password": PASSWORD})
    assert again.status_code == 200
    assert client.cookies["consortium_session"] != old
    assert await UserSession.count() == 1  # the old session ended at the new sign-in
    me = await client.get("/api/v1/auth/me")
    assert me.json()["email"] == "casey@example.org"
    out = await client.post("/api/v1/auth/sign-out", headers={"X-CSRF-Token": again.json()["csrf_token"]})
    assert out.status_code == 200
    client.cookies.clear()
    client.cookies.set("consortium_session", old)
    assert (await client.get("/api/v1/auth/me")).status_code == 401


async def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client: Client) -> None:
    await convenor(email="casey@example.org")
    wrong = await client.post("/api/v1/auth/sign-in", json={"email": "casey@example.org", "password": "nope nope nope"})
    nobody = await client.post("/api/v1/auth/sign-in", json={"email": "nobody@example.org", "password": PASSWORD})
    assert wrong.status_code == nobody.status_code == 401
    assert wrong.json()["message"] == nobody.json()["message"]


async def test_repeated_failures_are_rate_limited_with_a_time_to_wait(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    await convenor(email="casey@example.org")
    for _ in range(settings.sign_in_attempts):
        response = await client.post(
            "/api/v1/auth/sign-in", json={"email": "casey@example.org", "password": "bad bad bad"}
        )
        assert response.status_code == 401
    blocked = await client.post("/api/v1/auth/sign-in", json={"email": "casey@example.org", "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Try again in" in blocked.json()["message"]
    assert int(blocked.headers["retry-after"]) > 0


async def test_cookie_writes_need_the_csrf_header(client: Client) -> None:
    network_id, _ = await convenor(email="casey@example.org")
    signed_in = await client.post("/api/v1/auth/sign-in", json={"email": "casey@example.org", "password": PASSWORD})
    body = {"network_id": network_id, "title": "T", "funder_name": "F", "deadline": future()}
    refused = await client.post("/api/v1/bids", json=body)
    assert refused.status_code == 403
    assert "X-CSRF-Token" in refused.json()["message"]
    accepted = await client.post("/api/v1/bids", json=body, headers={"X-CSRF-Token": signed_in.json()["csrf_token"]})
    assert accepted.status_code == 201, accepted.text


async def test_api_tokens_are_stored_hashed_and_can_be_revoked(client: Client) -> None:
    _, headers = await convenor()
    created = await client.post("/api/v1/auth/tokens", json={"name": "budget script"}, headers=headers)
    assert created.status_code == 201
    token = created.json()["token"]
    assert not await ApiToken.exists().where(ApiToken.token_hash == token)
    mine = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/api/v1/auth/me", headers=mine)).status_code == 200
    revoked = await client.delete(f"/api/v1/auth/tokens/{created.json()['id']}", headers=headers)
    assert revoked.status_code == 204
    assert (await client.get("/api/v1/auth/me", headers=mine)).status_code == 401


async def test_a_token_records_when_it_was_last_used_to_the_minute(client: Client) -> None:
    _, headers = await convenor()
    created = (await client.post("/api/v1/auth/tokens", json={"name": "script"}, headers=headers)).json()
    mine = {"Authorization": f"Bearer {created['token']}"}

    async def last_used() -> datetime | None:
        row = await ApiToken.select(ApiToken.last_used_at).where(ApiToken.id == created["id"]).first()
        assert row is not None
        return row["last_used_at"]

    assert await last_used() is None
    assert (await client.get("/api/v1/auth/me", headers=mine)).status_code == 200
    first = await last_used()
    assert first is not None
    assert (await client.get("/api/v1/auth/me", headers=mine)).status_code == 200
    assert await last_used() == first  # within the minute: no write for a read
    earlier = datetime.now(UTC) - timedelta(minutes=5)
    await ApiToken.update({ApiToken.last_used_at: earlier}).where(ApiToken.id == created["id"])
    assert (await client.get("/api/v1/auth/me", headers=mine)).status_code == 200
    latest = await last_used()
    assert latest is not None and latest > earlier + timedelta(minutes=4)


async def test_anonymous_requests_are_asked_to_sign_in(client: Client) -> None:
    response = await client.get("/api/v1/bids")
    assert response.status_code == 401
    assert response.json()["message"] == "Sign in to do this."
