"""API tokens expire and can be revoked; signing out ends one browser session; signing out everywhere ends them all
and revokes every token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from consortium.accounts.tables import ApiToken, UserSession
from consortium.audit.tables import AuditEvent
from tests.factories import PASSWORD, Client, bearer, convenor

EMAIL = "casey@example.org"


async def browser_sign_in(client: Client, email: str = EMAIL, password: str = PASSWORD) -> tuple[str, str]:
    """Sign in as a fresh browser would: (session cookie, CSRF token). The client is left holding that cookie."""
    client.cookies.clear()
    answer = await client.post("/api/v1/auth/sign-in", json={"email": email, "password": password})
    assert answer.status_code == 200, answer.text
    return client.cookies["consortium_session"], answer.json()["csrf_token"]


def as_browser(client: Client, cookie: str) -> None:
    client.cookies.clear()
    client.cookies.set("consortium_session", cookie)


async def test_a_token_works_for_90_days_unless_asked_otherwise_and_at_most_a_year(client: Client) -> None:
    _, headers = await convenor(email=EMAIL)
    before = datetime.now(UTC)
    default = await client.post("/api/v1/auth/tokens", json={"name": "nightly export"}, headers=headers)
    assert default.status_code == 201, default.text
    expires = datetime.fromisoformat(default.json()["expires_at"])
    assert before + timedelta(days=90) <= expires <= datetime.now(UTC) + timedelta(days=90)
    year = await client.post("/api/v1/auth/tokens", json={"name": "a year", "expires_in_days": 365}, headers=headers)
    assert year.status_code == 201
    assert datetime.fromisoformat(year.json()["expires_at"]) > before + timedelta(days=364)
    for days in (0, 366, -5):
        refused = await client.post("/api/v1/auth/tokens", json={"name": "x", "expires_in_days": days}, headers=headers)
        assert refused.status_code == 400, refused.text
        assert "expires_in_days must be a whole number of" in refused.json()["message"]
    assert await ApiToken.count().where(ApiToken.name == "x") == 0


async def test_tokens_are_listed_with_their_dates_but_never_their_secret(client: Client) -> None:
    _, headers = await convenor(email=EMAIL)
    made = (await client.post("/api/v1/auth/tokens", json={"name": "budget"}, headers=headers)).json()
    await client.get("/api/v1/auth/me", headers=bearer(made["token"]))
    listed = await client.get("/api/v1/auth/tokens", headers=headers)
    assert listed.status_code == 200
    row = next(token for token in listed.json() if token["id"] == made["id"])
    assert set(row) == {"id", "name", "created_at", "expires_at", "last_used_at", "revoked_at", "status"}
    assert row["name"] == "budget" and row["status"] == "active" and row["last_used_at"] is not None
    assert row["expires_at"] == made["expires_at"]
    assert made["token"] not in listed.text
    stored = await ApiToken.select(ApiToken.token_hash).where(ApiToken.id == made["id"]).first()
    assert stored is not None and made["token"] not in stored["token_hash"]


async def test_an_expired_token_answers_401_saying_it_expired(client: Client) -> None:
    _, headers = await convenor(email=EMAIL)
    made = (await client.post("/api/v1/auth/tokens", json={"name": "old script"}, headers=headers)).json()
    await ApiToken.update({ApiToken.expires_at: datetime.now(UTC) - timedelta(minutes=1)}).where(
        ApiToken.id == made["id"]
    )
    answer = await client.get("/api/v1/auth/me", headers=bearer(made["token"]))
    assert answer.status_code == 401
    message = answer.json()["message"]
    assert "‘old script’ expired on" in message and "create a new one" in message
    listed = (await client.get("/api/v1/auth/tokens", headers=headers)).json()
    assert next(t for t in listed if t["id"] == made["id"])["status"] == "expired"


async def test_tokens_made_before_expiry_existed_expire_90_days_after_they_were_made(client: Client) -> None:
    _, headers = await convenor(email=EMAIL)
    old = (await client.post("/api/v1/auth/tokens", json={"name": "legacy"}, headers=headers)).json()
    recent = (await client.post("/api/v1/auth/tokens", json={"name": "legacy, recent"}, headers=headers)).json()
    long_ago = datetime.now(UTC) - timedelta(days=91)
    await ApiToken.update({ApiToken.expires_at: None, ApiToken.created_at: long_ago}).where(ApiToken.id == old["id"])
    await ApiToken.update({ApiToken.expires_at: None}).where(ApiToken.id == recent["id"])
    assert (await client.get("/api/v1/auth/me", headers=bearer(old["token"]))).status_code == 401
    assert (await client.get("/api/v1/auth/me", headers=bearer(recent["token"]))).status_code == 200


async def test_a_revoked_token_answers_401_and_only_its_owner_can_revoke_it(client: Client) -> None:
    _, headers = await convenor(email=EMAIL)
    _, other_headers = await convenor(email="someone.else@example.org")
    made = (await client.post("/api/v1/auth/tokens", json={"name": "laptop"}, headers=headers)).json()
    stranger = await client.delete(f"/api/v1/auth/tokens/{made['id']}", headers=other_headers)
    assert stranger.status_code == 404
    assert (await client.get("/api/v1/auth/me", headers=bearer(made["token"]))).status_code == 200
    assert (await client.delete(f"/api/v1/auth/tokens/{made['id']}", headers=headers)).status_code == 204
    first = await ApiToken.select(ApiToken.revoked_at).where(ApiToken.id == made["id"]).first()
    assert (await client.delete(f"/api/v1/auth/tokens/{made['id']}", headers=headers)).status_code == 204
    assert await ApiToken.select(ApiToken.revoked_at).where(ApiToken.id == made["id"]).first() == first
    answer = await client.get("/api/v1/auth/me", headers=bearer(made["token"]))
    assert answer.status_code == 401 and "‘laptop’ has been revoked" in answer.json()["message"]
    unknown = await client.get("/api/v1/auth/me", headers=bearer("cst_not-a-token"))
    assert unknown.status_code == 401 and "not one we made" in unknown.json()["message"]


async def test_signing_out_ends_only_that_browser_session(client: Client) -> None:
    _, headers = await convenor(email=EMAIL)
    laptop, _ = await browser_sign_in(client)
    phone, phone_csrf = await browser_sign_in(client)
    out = await client.post("/api/v1/auth/sign-out", headers={"X-CSRF-Token": phone_csrf})
    assert out.status_code == 200
    as_browser(client, phone)
    assert (await client.get("/api/v1/auth/me")).status_code == 401
    as_browser(client, laptop)
    assert (await client.get("/api/v1/auth/me")).status_code == 200
    client.cookies.clear()
    assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 200  # tokens are not sessions


async def test_signing_out_everywhere_ends_every_session_and_revokes_every_token(client: Client) -> None:
    _, headers = await convenor(email=EMAIL)
    _, other_headers = await convenor(email="someone.else@example.org")
    script = (await client.post("/api/v1/auth/tokens", json={"name": "script"}, headers=headers)).json()
    laptop, _ = await browser_sign_in(client)
    phone, phone_csrf = await browser_sign_in(client)
    answer = await client.post("/api/v1/auth/sign-out-everywhere", headers={"X-CSRF-Token": phone_csrf})
    assert answer.status_code == 200, answer.text
    assert answer.json()["sessions_ended"] == 2 and answer.json()["tokens_revoked"] == 2
    assert "signed out everywhere" in answer.json()["message"]
    assert 'consortium_session=""' in answer.headers["set-cookie"] or "Max-Age=0" in answer.headers["set-cookie"]
    for cookie in (laptop, phone):
        as_browser(client, cookie)
        assert (await client.get("/api/v1/auth/me")).status_code == 401
    client.cookies.clear()
    for token_headers in (headers, bearer(script["token"])):
        assert (await client.get("/api/v1/auth/me", headers=token_headers)).status_code == 401
    assert (await client.get("/api/v1/auth/me", headers=other_headers)).status_code == 200  # nobody else's
    assert await UserSession.count() == 0
    event = await AuditEvent.select(AuditEvent.actor_label, AuditEvent.after).where(
        AuditEvent.action == "account.sign_out_everywhere"
    )
    assert len(event) == 1 and event[0]["actor_label"] == EMAIL


async def test_signing_out_everywhere_needs_someone_signed_in(client: Client) -> None:
    assert (await client.post("/api/v1/auth/sign-out-everywhere")).status_code == 401
