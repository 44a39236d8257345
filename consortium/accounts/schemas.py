from __future__ import annotations

from datetime import datetime

import msgspec

from consortium.schemas import Email, ShortText


class SignIn(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    password: str


class SignedIn(msgspec.Struct):
    user_id: int
    name: str
    email: str
    csrf_token: str  # send as X-CSRF-Token on writes made with the session cookie


class Me(msgspec.Struct):
    user_id: int
    name: str
    email: str
    convenor_of_networks: list[int]
    organisations: list[int]


class TokenCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: ShortText = "API token"


class NewToken(msgspec.Struct):
    id: int
    name: str
    token: str  # shown once; we keep only its hash


class Token(msgspec.Struct):
    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
