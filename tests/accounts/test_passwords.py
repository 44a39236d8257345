"""Every new password is checked against common and guessable ones (zxcvbn), wherever it is set; changing a
password needs the current one, ends every other session and revokes every token, and is audited."""

from __future__ import annotations

import asyncio
import io
import sys

import pytest

from consortium.accounts.passwords import password_problem
from consortium.accounts.tables import ApiToken, User
from consortium.audit.tables import AuditEvent
from consortium.cli import main
from tests.accounts.test_tokens_and_sessions import as_browser, browser_sign_in
from tests.factories import PASSWORD, Client, bearer, convenor, invitation_token, open_bid, organisation

EMAIL = "casey@example.org"
ADVICE = "Use three or four unrelated words"


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("1234567890", "most commonly used passwords"),
        ("password123", "most commonly used passwords"),
        ("qwertyuiop", "most commonly used passwords"),
        ("aaaaaaaaaaaaaaa", "repeats the same characters"),
        ("dana.whitfield@example.org", "must not contain your email address"),
        ("Dana Whitfield", "built on your name or email address"),
        ("danawhitfield2026", "built on your name or email address"),
        ("whitfield-example-99", "built on your name or email address"),
        ("short", "at least 10 characters"),
    ],
)
def test_weak_passwords_are_refused_saying_why_and_what_to_do(password: str, why: str) -> None:
    problem = password_problem(password, email="dana.whitfield@example.org", name="Dana Whitfield")
    assert problem is not None and why in problem and ADVICE in problem


@pytest.mark.parametrize(
    "password", ["correct horse battery staple", "kettle orbit marmalade tuesday", "Dana's blue tractor sings"]
)
def test_unrelated_words_are_strong_enough(password: str) -> None:
    assert password_problem(password, email="dana.whitfield@example.org", name="Dana Whitfield") is None


def test_a_very_long_password_is_scored_quickly_on_its_first_characters() -> None:
    assert password_problem("x" * 1000) is not None  # a repeat, however long
    assert password_problem("kettle orbit marmalade tuesday " * 30) is None
    assert "too long" in (password_problem("kettle orbit " * 100) or "")


async def test_joining_by_invitation_refuses_a_common_password(client: Client) -> None:
    network_id, headers = await convenor()
    bid = await open_bid(client, headers, network_id)
    token = await invitation_token(client, headers, bid["id"], "dana.whitfield@example.org")
    for password in ("1234567890", "password123", "dana.whitfield@example.org", "Dana Whitfield 1"):
        answer = await client.post(
            f"/api/v1/invitations/{token}/accept",
            json={"name": "Dana Whitfield", "password": password, "organisation": organisation("Ashbrook Homes")},
        )
        assert answer.status_code == 422, (password, answer.text)
        assert answer.json()["field"] == "password" and ADVICE in answer.json()["message"]
    assert await User.count().where(User.email == "dana.whitfield@example.org") == 0
    accepted = await client.post(
        f"/api/v1/invitations/{token}/accept",
        json={"name": "Dana Whitfield", "password": PASSWORD, "organisation": organisation("Ashbrook Homes")},
    )
    assert accepted.status_code == 201, accepted.text


async def test_create_user_on_the_command_line_refuses_a_common_password(
    db: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def run(password: str) -> int:
        monkeypatch.setattr(sys, "stdin", io.StringIO(password + "\n"))
        args = ["create-user", "--email", "ops@example.org", "--name", "Olu Operator", "--password-stdin"]
        return main(args)

    assert await asyncio.to_thread(run, "password123") == 1
    assert "most commonly used passwords" in capsys.readouterr().err
    assert await asyncio.to_thread(run, "olu operator 2026") == 1
    assert "your name or email" in capsys.readouterr().err
    assert await User.count() == 0
    assert await asyncio.to_thread(run, "marmalade orbit kettle") == 0
    assert await User.count() == 1


async def test_changing_the_password_keeps_this_session_and_ends_the_rest(client: Client) -> None:
    _, headers = await convenor(email=EMAIL)
    script = (await client.post("/api/v1/auth/tokens", json={"name": "script"}, headers=headers)).json()
    phone, _ = await browser_sign_in(client)
    _, laptop_csrf = await browser_sign_in(client)
    answer = await client.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": "marmalade orbit kettle"},
        headers={"X-CSRF-Token": laptop_csrf},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["sessions_ended"] == 1 and body["tokens_revoked"] == 2
    assert "other browser sessions have ended" in body["message"] and "API tokens are revoked" in body["message"]
    assert (await client.get("/api/v1/auth/me")).status_code == 200  # this session stays
    as_browser(client, phone)
    assert (await client.get("/api/v1/auth/me")).status_code == 401
    client.cookies.clear()
    for token_headers in (headers, bearer(script["token"])):
        assert (await client.get("/api/v1/auth/me", headers=token_headers)).status_code == 401
    old = await client.post("/api/v1/auth/sign-in", json={"email": EMAIL, "password": PASSWORD})
    assert old.status_code == 401
    new = await client.post("/api/v1/auth/sign-in", json={"email": EMAIL, "password": "marmalade orbit kettle"})
    assert new.status_code == 200
    events = await AuditEvent.select(AuditEvent.actor_label, AuditEvent.entity_type, AuditEvent.after).where(
        AuditEvent.action == "account.password_change"
    )
    assert len(events) == 1 and events[0]["actor_label"] == EMAIL and events[0]["entity_type"] == "user"
    assert "marmalade" not in str(events[0]["after"])


async def test_changing_the_password_with_a_token_revokes_that_token_too(client: Client) -> None:
    _, headers = await convenor(email=EMAIL)
    browser, _ = await browser_sign_in(client)
    client.cookies.clear()
    answer = await client.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": "marmalade orbit kettle"},
        headers=headers,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["sessions_ended"] == 1
    assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 401
    as_browser(client, browser)
    assert (await client.get("/api/v1/auth/me")).status_code == 401
    assert await ApiToken.count().where(ApiToken.revoked_at.is_null()) == 0


async def test_a_password_change_needs_the_current_password_and_a_strong_new_one(client: Client) -> None:
    _, headers = await convenor(email=EMAIL)

    async def change(current: str, new: str) -> tuple[int, dict[str, str]]:
        answer = await client.post(
            "/api/v1/auth/password", json={"current_password": current, "new_password": new}, headers=headers
        )
        return answer.status_code, answer.json()

    status, body = await change("not my password", "marmalade orbit kettle")
    assert status == 422 and body["field"] == "current_password" and "not your current password" in body["message"]
    status, body = await change(PASSWORD, "1234567890")
    assert status == 422 and body["field"] == "new_password" and ADVICE in body["message"]
    status, body = await change(PASSWORD, PASSWORD)
    assert status == 422 and body["field"] == "new_password" and "different from your current one" in body["message"]
    assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 200  # nothing changed
    assert await AuditEvent.count().where(AuditEvent.action == "account.password_change") == 0
    anonymous = await client.post(
        "/api/v1/auth/password", json={"current_password": PASSWORD, "new_password": "marmalade orbit kettle"}
    )
    assert anonymous.status_code == 401


async def test_guessing_the_current_password_is_limited_like_signing_in(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    _, headers = await convenor(email=EMAIL)
    for attempt in range(settings.sign_in_attempts):
        answer = await client.post(
            "/api/v1/auth/password",
            json={"current_password": f"guess number {attempt}", "new_password": "marmalade orbit kettle"},
            headers=headers,
        )
        assert answer.status_code == 422
    blocked = await client.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": "marmalade orbit kettle"},
        headers=headers,
    )
    assert blocked.status_code == 429 and "Try again in" in blocked.json()["message"]
