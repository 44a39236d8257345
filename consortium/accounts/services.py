"""Accounts: creating people, signing in (rate limited), sessions, API tokens (which expire and can be revoked),
changing a password, and signing out everywhere."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import anyio.to_thread
from email_validator import EmailNotValidError, validate_email

from consortium.accounts.passwords import check_new_password
from consortium.accounts.principal import Principal
from consortium.accounts.security import (
    DUMMY_PASSWORD_HASH,
    hash_password,
    new_token,
    token_digest,
    verify_password,
)
from consortium.accounts.tables import ApiToken, SignInAttempt, User, UserSession
from consortium.audit import services as audit
from consortium.bids.tables import BidViewer
from consortium.db import update_locked, write_transaction
from consortium.errors import BadInput, Conflict, NotFound, NotSignedIn, TooManyAttempts
from consortium.networks.tables import NetworkConvenor
from consortium.organisations.tables import OrganisationUser
from consortium.schemas import Email, Name, Password, ShortText
from consortium.settings import Settings
from consortium.timeutil import as_utc, uk_time_text, utc_now
from consortium.validation import checked_value
from consortium.words import count_text

EMAIL_PROBLEM = "Enter an email address like name@example.org."
ADDRESS_LENGTH = 100  # SignInAttempt.address
LAST_USED_RESOLUTION = timedelta(minutes=1)
DEFAULT_TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 365


def normalise_email(email: str, *, field: str = "email") -> str:
    """The one check of an email address, wherever one is taken (accounts, invitations, organisation contacts):
    ``email-validator``'s syntax rules (no DNS look-up), then its normalised form in lower case, as accounts are
    found by it. Reserved domains such as .test and .local are refused; example.org (used in tests and the demo)
    passes. The refusal names no address; callers checking many add which one."""
    try:
        checked = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise BadInput(EMAIL_PROBLEM, field=field) from error
    return checked.normalized.lower()


async def hash_new_password(password: str) -> str:
    """argon2 takes tens of milliseconds on purpose: in a worker thread, so other requests are not held up."""
    return await anyio.to_thread.run_sync(hash_password, password)


async def create_user(email: str, name: str, password: str) -> int:
    checked_value("email", email, Email)
    checked_value("name", name, Name)
    checked_value("password", password, Password)
    email = normalise_email(email)
    name = name.strip()
    if not name:
        raise BadInput("Enter your name.", field="name")
    await check_new_password(password, email=email, name=name)
    if await User.exists().where(User.email == email):
        raise Conflict(f"There is already an account for {email}. Sign in instead.", field="email")
    password_hash = await hash_new_password(password)
    rows = await User.insert(User(email=email, name=name[:300], password_hash=password_hash)).returning(User.id)
    return int(rows[0]["id"])


async def user_id_by_email(email: str) -> int | None:
    row = await User.select(User.id).where(User.email == email.strip().lower()).first()
    return int(row["id"]) if row else None


async def _recent_failures(settings: Settings, email: str, address: str) -> tuple[int, int, Any]:
    since = utc_now() - timedelta(seconds=settings.sign_in_window_seconds)
    by_email = await SignInAttempt.count().where((SignInAttempt.email == email) & (SignInAttempt.at >= since))
    by_address = await SignInAttempt.count().where((SignInAttempt.address == address) & (SignInAttempt.at >= since))
    oldest = await (
        SignInAttempt.select(SignInAttempt.at)
        .where(((SignInAttempt.email == email) | (SignInAttempt.address == address)) & (SignInAttempt.at >= since))
        .order_by(SignInAttempt.at)
        .first()
    )
    return by_email, by_address, oldest["at"] if oldest else None


async def authenticate(settings: Settings, email: str, password: str, address: str) -> int:
    """The user id for a correct email and password. Repeated failures per account or per address are
    refused for a while, with a message saying when to try again."""
    checked_value("password", password, Password)
    address = address[:ADDRESS_LENGTH]  # as stored with each attempt; a real address is far shorter
    # Checked as lowered: lower case can be longer ("İ" is two characters), and the attempt is stored as it is.
    email = checked_value("email", email.strip().lower(), Email)
    by_email, by_address, oldest = await _recent_failures(settings, email, address)
    if by_email >= settings.sign_in_attempts or by_address >= settings.sign_in_attempts:
        retry_at = oldest + timedelta(seconds=settings.sign_in_window_seconds)
        minutes = max(1, math.ceil((retry_at - utc_now()).total_seconds() / 60))
        raise TooManyAttempts(
            f"Too many unsuccessful sign-ins. Try again in {count_text(minutes, 'minute')}, "
            "or ask your network convenor to help reset your password.",
            extra={"retry_after_seconds": minutes * 60},
        )
    row = await User.select(User.id, User.password_hash, User.is_active).where(User.email == email).first()
    # argon2 takes tens of milliseconds on purpose: in a worker thread, so other requests are not held up meanwhile.
    valid = await anyio.to_thread.run_sync(
        verify_password, row["password_hash"] if row else DUMMY_PASSWORD_HASH, password
    )
    if not row or not valid or not row["is_active"]:
        await SignInAttempt.insert(SignInAttempt(email=email, address=address))
        raise NotSignedIn("That email and password do not match an account. Check both and try again.")
    await SignInAttempt.delete().where(SignInAttempt.email == email)
    return int(row["id"])


@dataclass(frozen=True)
class NewSession:
    token: str
    csrf_token: str
    session_id: int


async def start_session(settings: Settings, user_id: int, *, replacing_token: str | None = None) -> NewSession:
    """A fresh session (a new token at every sign-in, so a planted session id is useless)."""
    if replacing_token:
        await end_session(replacing_token)
    token, csrf = new_token(), new_token()
    rows = await UserSession.insert(
        UserSession(
            user=user_id,
            token_hash=token_digest(token),
            csrf_token=csrf,
            expires_at=utc_now() + timedelta(hours=settings.session_hours),
        )
    ).returning(UserSession.id)
    return NewSession(token=token, csrf_token=csrf, session_id=int(rows[0]["id"]))


async def end_session(token: str) -> None:
    await UserSession.delete().where(UserSession.token_hash == token_digest(token))


async def load_principal(user_id: int, *, session_id: int | None = None, csrf_token: str | None = None) -> Principal:
    user = await User.select(User.id, User.email, User.name).where(User.id == user_id).first()
    if user is None:
        raise NotSignedIn("Your account no longer exists. Ask your network convenor for help.")
    networks = await NetworkConvenor.select(NetworkConvenor.network).where(NetworkConvenor.user == user_id)
    organisations = await OrganisationUser.select(OrganisationUser.organisation, OrganisationUser.role).where(
        OrganisationUser.user == user_id
    )
    viewer = await BidViewer.select(BidViewer.bid).where(BidViewer.user == user_id)
    return Principal(
        user_id=int(user["id"]),
        email=user["email"],
        name=user["name"],
        convenor_network_ids=frozenset(int(r["network"]) for r in networks),
        organisation_ids=frozenset(int(r["organisation"]) for r in organisations),
        organisation_roles=tuple(sorted((int(r["organisation"]), str(r["role"])) for r in organisations)),
        viewer_bid_ids=frozenset(int(r["bid"]) for r in viewer),
        session_id=session_id,
        csrf_token=csrf_token,
    )


async def principal_for_session(token: str) -> Principal | None:
    row = await (
        UserSession.select(UserSession.id, UserSession.user, UserSession.csrf_token, UserSession.expires_at)
        .where(UserSession.token_hash == token_digest(token))
        .first()
    )
    if row is None or row["expires_at"] <= utc_now():
        return None
    return await load_principal(int(row["user"]), session_id=int(row["id"]), csrf_token=row["csrf_token"])


def token_expiry(expires_at: datetime | None, created_at: datetime) -> datetime:
    """When a token stops working. Tokens made before tokens expired (no expires_at) get the default lifetime
    from when they were made, rather than living for ever."""
    return as_utc(expires_at) if expires_at is not None else as_utc(created_at) + timedelta(days=DEFAULT_TOKEN_DAYS)


async def principal_for_api_token(token: str) -> Principal | None:
    """Who a bearer token belongs to; None for a token we never made. An expired or revoked token is refused
    (401) with a message saying which and what to do."""
    row = await (
        ApiToken.select(
            ApiToken.id,
            ApiToken.user,
            ApiToken.name,
            ApiToken.created_at,
            ApiToken.expires_at,
            ApiToken.last_used_at,
            ApiToken.revoked_at,
        )
        .where(ApiToken.token_hash == token_digest(token))
        .first()
    )
    if row is None:
        return None
    if row["revoked_at"] is not None:
        raise NotSignedIn(
            f"The API token ‘{row['name']}’ has been revoked. Sign in and create a new one on your account page."
        )
    now = utc_now()
    expires_at = token_expiry(row["expires_at"], row["created_at"])
    if expires_at <= now:
        raise NotSignedIn(
            f"The API token ‘{row['name']}’ expired on {uk_time_text(expires_at)}. "
            "Sign in and create a new one on your account page."
        )
    # "Last used" to the minute is all anyone reads; writing it on every request would make each read a write.
    if row["last_used_at"] is None or as_utc(row["last_used_at"]) <= now - LAST_USED_RESOLUTION:
        await ApiToken.update({ApiToken.last_used_at: now}).where(ApiToken.id == row["id"])
    return await load_principal(int(row["user"]))


@dataclass(frozen=True)
class IssuedToken:
    id: int
    name: str
    token: str  # shown once; only its hash is kept
    expires_at: datetime


async def issue_api_token(user_id: int, name: str, *, days: int = DEFAULT_TOKEN_DAYS) -> IssuedToken:
    checked_value("name", name, ShortText)
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise BadInput(
            f"Choose how long the token works: from 1 to {MAX_TOKEN_DAYS} days (one year).", field="expires_in_days"
        )
    name = name.strip() or "API token"
    token = "cst_" + new_token()
    expires_at = utc_now() + timedelta(days=days)
    rows = await ApiToken.insert(
        ApiToken(user=user_id, name=name[:300], token_hash=token_digest(token), expires_at=expires_at)
    ).returning(ApiToken.id)
    return IssuedToken(id=int(rows[0]["id"]), name=name[:300], token=token, expires_at=expires_at)


async def create_api_token(user_id: int, name: str, *, days: int = DEFAULT_TOKEN_DAYS) -> tuple[int, str]:
    issued = await issue_api_token(user_id, name, days=days)
    return issued.id, issued.token


def token_status(row: dict[str, Any], now: datetime | None = None) -> str:
    if row["revoked_at"] is not None:
        return "revoked"
    return "expired" if row["expires_at"] <= (now or utc_now()) else "active"


async def list_api_tokens(user_id: int) -> list[dict[str, Any]]:
    """The account's tokens, newest first, with when each expires and whether it still works (never the secret)."""
    rows = await (
        ApiToken.select(
            ApiToken.id,
            ApiToken.name,
            ApiToken.created_at,
            ApiToken.expires_at,
            ApiToken.last_used_at,
            ApiToken.revoked_at,
        )
        .where(ApiToken.user == user_id)
        .order_by(ApiToken.id, ascending=False)
    )
    now = utc_now()
    for row in rows:
        row["expires_at"] = token_expiry(row["expires_at"], row["created_at"])
        row["status"] = token_status(row, now)
    return rows


async def revoke_api_token(user_id: int, token_id: int) -> None:
    """Revoke one of the account's tokens; revoking it again changes nothing (its first revocation time stays)."""
    rows = await (
        ApiToken.select(ApiToken.id, ApiToken.revoked_at)
        .where((ApiToken.id == token_id) & (ApiToken.user == user_id))
        .first()
    )
    if rows is None:
        raise NotFound("There is no such API token on your account.")
    await ApiToken.update({ApiToken.revoked_at: utc_now()}).where(
        (ApiToken.id == token_id) & ApiToken.revoked_at.is_null()
    )


# --- ending sessions and tokens -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ended:
    sessions_ended: int
    tokens_revoked: int


async def end_sessions_and_tokens(user_id: int, *, keep_session_id: int | None = None) -> Ended:
    """Inside a transaction: every browser session of the account (but ``keep_session_id``) ends, and every API
    token still working is revoked."""
    sessions = UserSession.delete().where(UserSession.user == user_id)
    if keep_session_id is not None:
        sessions = sessions.where(UserSession.id != keep_session_id)
    ended = await sessions.returning(UserSession.id)
    revoked = await (
        ApiToken.update({ApiToken.revoked_at: utc_now()})
        .where((ApiToken.user == user_id) & ApiToken.revoked_at.is_null())
        .returning(ApiToken.id)
    )
    return Ended(sessions_ended=len(ended), tokens_revoked=len(revoked))


async def sign_out_everywhere(principal: Principal) -> Ended:
    """End every browser session of the account (this one too) and revoke every API token."""
    async with write_transaction():
        ended = await end_sessions_and_tokens(principal.user_id)
        await audit.record(
            principal,
            "account.sign_out_everywhere",
            "user",
            principal.user_id,
            after={"sessions_ended": ended.sessions_ended, "tokens_revoked": ended.tokens_revoked},
        )
    return ended


async def change_password(
    settings: Settings, principal: Principal, current_password: str, new_password: str, address: str
) -> Ended:
    """A new password for the signed-in person, who proves it is them with the current one. Every other browser
    session ends and every API token is revoked (whoever might have them keeps nothing); this session stays.
    Wrong current passwords count as failed sign-ins, so they cannot be guessed here instead."""
    checked_value("current_password", current_password, Password)
    checked_value("new_password", new_password, Password)
    await check_new_password(new_password, email=principal.email, name=principal.name, field="new_password")
    if not current_password:
        raise BadInput("Enter your current password.", field="current_password")
    try:
        await authenticate(settings, principal.email, current_password, address)
    except NotSignedIn as error:
        raise BadInput(
            "That is not your current password. Check it and try again.", field="current_password"
        ) from error
    if current_password == new_password:
        raise BadInput("Choose a new password, different from your current one.", field="new_password")
    password_hash = await hash_new_password(new_password)
    async with write_transaction():
        await update_locked(User.select(User.id).where(User.id == principal.user_id))
        await User.update({User.password_hash: password_hash}).where(User.id == principal.user_id)
        ended = await end_sessions_and_tokens(principal.user_id, keep_session_id=principal.session_id)
        await audit.record(
            principal,
            "account.password_change",
            "user",
            principal.user_id,
            after={"sessions_ended": ended.sessions_ended, "tokens_revoked": ended.tokens_revoked},
        )
    return ended
