"""Accounts: creating people, signing in (rate limited), sessions and API tokens."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from email_validator import EmailNotValidError, validate_email

from consortium.accounts.principal import Principal
from consortium.accounts.security import (
    DUMMY_PASSWORD_HASH,
    MIN_PASSWORD_LENGTH,
    hash_password,
    new_token,
    token_digest,
    verify_password,
)
from consortium.accounts.tables import ApiToken, SignInAttempt, User, UserSession
from consortium.bids.tables import BidViewer
from consortium.errors import BadInput, Conflict, NotFound, NotSignedIn, TooManyAttempts
from consortium.networks.tables import NetworkConvenor
from consortium.organisations.tables import OrganisationUser
from consortium.settings import Settings
from consortium.timeutil import as_utc, utc_now

EMAIL_PROBLEM = "Enter an email address like name@example.org."
LAST_USED_RESOLUTION = timedelta(minutes=1)


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


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise BadInput(
            f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters; a few words together work well.",
            field="password",
        )
    if len(password) > 1000:
        raise BadInput("That password is too long; use fewer than 1,000 characters.", field="password")


async def create_user(email: str, name: str, password: str) -> int:
    email = normalise_email(email)
    name = name.strip()
    if not name:
        raise BadInput("Enter your name.", field="name")
    check_password_strength(password)
    if await User.exists().where(User.email == email):
        raise Conflict(f"There is already an account for {email}. Sign in instead.", field="email")
    rows = await User.insert(User(email=email, name=name[:200], password_hash=hash_password(password))).returning(
        User.id
    )
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
    email = email.strip().lower()
    by_email, by_address, oldest = await _recent_failures(settings, email, address)
    if by_email >= settings.sign_in_attempts or by_address >= settings.sign_in_attempts:
        retry_at = oldest + timedelta(seconds=settings.sign_in_window_seconds)
        minutes = max(1, math.ceil((retry_at - utc_now()).total_seconds() / 60))
        raise TooManyAttempts(
            f"Too many unsuccessful sign-ins. Try again in {minutes} minute{'s' if minutes != 1 else ''}, "
            "or ask your network convenor to help reset your password.",
            extra={"retry_after_seconds": minutes * 60},
        )
    row = await User.select(User.id, User.password_hash, User.is_active).where(User.email == email).first()
    valid = verify_password(row["password_hash"] if row else DUMMY_PASSWORD_HASH, password)
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
    organisations = await OrganisationUser.select(OrganisationUser.organisation).where(OrganisationUser.user == user_id)
    viewer = await BidViewer.select(BidViewer.bid).where(BidViewer.user == user_id)
    return Principal(
        user_id=int(user["id"]),
        email=user["email"],
        name=user["name"],
        convenor_network_ids=frozenset(int(r["network"]) for r in networks),
        organisation_ids=frozenset(int(r["organisation"]) for r in organisations),
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


async def principal_for_api_token(token: str) -> Principal | None:
    row = await (
        ApiToken.select(ApiToken.id, ApiToken.user, ApiToken.last_used_at)
        .where((ApiToken.token_hash == token_digest(token)) & ApiToken.revoked_at.is_null())
        .first()
    )
    if row is None:
        return None
    now = utc_now()
    # "Last used" to the minute is all anyone reads; writing it on every request would make each read a write.
    if row["last_used_at"] is None or as_utc(row["last_used_at"]) <= now - LAST_USED_RESOLUTION:
        await ApiToken.update({ApiToken.last_used_at: now}).where(ApiToken.id == row["id"])
    return await load_principal(int(row["user"]))


async def create_api_token(user_id: int, name: str) -> tuple[int, str]:
    name = name.strip() or "API token"
    token = "cst_" + new_token()
    rows = await ApiToken.insert(ApiToken(user=user_id, name=name[:200], token_hash=token_digest(token))).returning(
        ApiToken.id
    )
    return int(rows[0]["id"]), token


async def list_api_tokens(user_id: int) -> list[dict[str, Any]]:
    return await (
        ApiToken.select(ApiToken.id, ApiToken.name, ApiToken.created_at, ApiToken.last_used_at, ApiToken.revoked_at)
        .where(ApiToken.user == user_id)
        .order_by(ApiToken.id)
    )


async def revoke_api_token(user_id: int, token_id: int) -> None:
    rows = await (
        ApiToken.update({ApiToken.revoked_at: utc_now()})
        .where((ApiToken.id == token_id) & (ApiToken.user == user_id))
        .returning(ApiToken.id)
    )
    if not rows:
        raise NotFound("There is no such API token on your account.")
