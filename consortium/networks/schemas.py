from __future__ import annotations

import msgspec

from consortium.schemas import Email, Name, Password


class NetworkOut(msgspec.Struct):
    id: int
    name: str


class NetworkCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: Name  # the network's name; no other network may have it


class SignUp(msgspec.Struct, forbid_unknown_fields=True):
    """A new account and the network it starts: the person becomes the network's first convenor."""

    name: Name  # the person's own name
    email: Email
    password: Password  # at least 10 characters and hard to guess (consortium.accounts.passwords)
    network_name: Name


class SignedUp(msgspec.Struct):
    user_id: int
    network_id: int
    token: str  # an API token for the new account (Authorization: Bearer <token>): shown once, only its hash is kept
    message: str
