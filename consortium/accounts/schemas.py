from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from consortium.schemas import Email, Password, ShortText


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


TokenDays = Annotated[
    int, msgspec.Meta(ge=1, le=365, description="How many days the token works: 1 to 365 (90 when not given).")
]


class TokenCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: ShortText = "API token"
    expires_in_days: TokenDays = 90


class NewToken(msgspec.Struct):
    id: int
    name: str
    token: str  # shown once; we keep only its hash
    expires_at: datetime


class Token(msgspec.Struct):
    id: int
    name: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    status: Literal["active", "expired", "revoked"]


class PasswordChange(msgspec.Struct, forbid_unknown_fields=True):
    current_password: Password
    new_password: Password


class SessionsEnded(msgspec.Struct):
    message: str
    sessions_ended: int  # other browser sessions ended (this one stays after a password change)
    tokens_revoked: int


class ResetLinkCreate(msgspec.Struct, forbid_unknown_fields=True):
    email: Email  # the address the person signs in with


class ResetLink(msgspec.Struct):
    user_id: int
    email: str
    name: str
    url: str  # shown once: pass it on to the person; we keep only its hash
    expires_at: datetime


class ResetLinkInfo(msgspec.Struct):
    email: str
    name: str
    expires_at: datetime


class ResetLinkUse(msgspec.Struct, forbid_unknown_fields=True):
    password: Password
