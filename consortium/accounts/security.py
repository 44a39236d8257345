"""Password hashing (argon2) and random tokens stored only as SHA-256 digests."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

from consortium.settings import Settings


def _hasher_for(settings: Settings) -> PasswordHasher:
    """argon2 with its recommended parameters; the test suite alone may ask for the cheapest ones (argon2-cffi's
    advice for tests), since it makes thousands of accounts. A hash records its own parameters, so hashes made
    either way verify either way."""
    if settings.argon2_profile == "cheapest":
        if settings.environment == "production":
            raise ValueError("CONSORTIUM_ARGON2_PROFILE=cheapest is for the test suite only, never production.")
        return PasswordHasher.from_parameters(profiles.CHEAPEST)
    return PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)


_hasher = _hasher_for(Settings.from_env())

MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A hash to verify against when the account does not exist, so a wrong email costs the same time as a
# wrong password and sign-in timing does not reveal who has an account.
DUMMY_PASSWORD_HASH = hash_password("not-a-real-password-" + secrets.token_hex(8))


def new_token() -> str:
    """An unguessable URL-safe token (256 bits)."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
