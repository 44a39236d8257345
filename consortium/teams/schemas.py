"""What the teams API takes and answers. Lengths match the tables (an email 320 characters, a name 300); a role is
checked by the services, which answer 422 naming the roles there are."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from consortium.schemas import Email, Password, ShortText

Role = Annotated[str, msgspec.Meta(max_length=20, description="signatory, editor or viewer")]


class ConvenorInvite(msgspec.Struct, forbid_unknown_fields=True):
    email: Email


class ColleagueInvite(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    role: Role


class RoleChange(msgspec.Struct, forbid_unknown_fields=True):
    role: Role


class AcceptTeamInvitation(msgspec.Struct, forbid_unknown_fields=True):
    """Signed in: nothing (you join as yourself). Signed out: your name and a password, for the account made with
    the address invited."""

    name: ShortText | None = None
    password: Password | None = None


class Person(msgspec.Struct):
    user_id: int
    name: str
    email: str
    role: str  # "convenor", or signatory | editor | viewer
    added_at: datetime
    added_by_name: str | None


class TeamInvitation(msgspec.Struct):
    """An invitation just made. ``accept_url`` is shown only now, to whoever made it: only its digest is kept."""

    id: int
    email: str
    role: str
    expires_at: datetime
    delivery: str  # "queued": mailed to the address; "link": no mail was written, pass the link on yourself
    accept_url: str | None = None


class WaitingInvitation(msgspec.Struct):
    id: int
    email: str
    role: str
    created_at: datetime
    expires_at: datetime
    state: str  # waiting | expired


class TeamInvitationInfo(msgspec.Struct):
    email: str
    role: str
    team_kind: str  # network | organisation
    team_name: str
    invited_by: str | None
    state: str  # waiting | accepted | revoked | expired
    account_exists: bool


class Accepted(msgspec.Struct):
    user_id: int
    network_id: int | None
    organisation_id: int | None
    new_account: bool
    message: str
