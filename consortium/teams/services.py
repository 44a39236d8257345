"""Teams: a network's convenors and an organisation's colleagues (with their roles), invitations to a person, and
ending a removed person's access at once.

Who may do what:
- a network's convenors list, invite and remove its convenors (anyone else: 404);
- anyone of an organisation (any role) lists its people (anyone else: 404); those whose role may manage the team
  invite colleagues, change roles and remove people, each only for roles they may give (``roles.may_grant``); a
  viewer trying to is refused (403); anyone may leave (remove themselves).
Keep-one rules (a network keeps a convenor, an organisation a signatory) are checked after locking the team's rows
(FOR UPDATE, in id order, on PostgreSQL; SQLite's IMMEDIATE write transactions already run one at a time), so two
removals at once cannot leave none."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from consortium.accounts import services as accounts
from consortium.accounts.passwords import check_new_password
from consortium.accounts.principal import Principal
from consortium.accounts.security import new_token, token_digest
from consortium.accounts.tables import User
from consortium.audit import services as audit
from consortium.db import LARGEST_ID, update_locked, write_transaction
from consortium.errors import (
    SAME_CHANGE_AT_ONCE,
    BadInput,
    Conflict,
    Forbidden,
    Gone,
    NotFound,
    is_unique_violation,
)
from consortium.mail import notices
from consortium.networks.tables import Network, NetworkConvenor
from consortium.organisations.tables import Organisation, OrganisationUser
from consortium.schemas import Email, Name, Password
from consortium.settings import Settings
from consortium.teams.roles import CONVENOR, KEEPS_ONE, ROLE_BY_KEY, ROLE_KEYS, Permission, may, may_grant
from consortium.teams.tables import TeamInvitation
from consortium.timeutil import as_utc, uk_time_text, utc_now
from consortium.validation import checked_value

INVITATION_DAYS = 14

NO_NETWORK = "There is no network with that number that you convene."
NO_ORGANISATION = "You do not act for an organisation with that number."
VIEWER_REFUSED = (
    "You can read this organisation's details but not change them. Ask a colleague who is an editor or signatory."
)
NOT_VALID = (
    "This invitation link is not valid. Check you copied all of it. If you were sent a newer link, only the newest "
    "one works."
)


@dataclass(frozen=True)
class Person:
    user_id: int
    name: str
    email: str
    role: str  # "convenor", or one of roles.ROLE_KEYS
    added_at: datetime
    added_by_name: str | None


@dataclass(frozen=True)
class IssuedTeamInvitation:
    id: int
    email: str
    role: str
    url: str  # the link, shown once to whoever made it (only its digest is kept)
    expires_at: datetime
    delivery: str  # "queued" (mailed) | "link" (no mail was written: show the url)


@dataclass(frozen=True)
class WaitingInvitation:
    id: int
    email: str
    role: str
    created_at: datetime
    expires_at: datetime
    state: str  # "waiting" | "expired"


@dataclass(frozen=True)
class TeamInvitationInfo:
    email: str
    role: str
    team_kind: str  # "network" | "organisation"
    team_name: str
    invited_by: str | None
    state: str  # "waiting" | "accepted" | "revoked" | "expired"
    account_exists: bool


@dataclass(frozen=True)
class Accepted:
    user_id: int
    network_id: int | None
    organisation_id: int | None
    new_account: bool


def accept_url(settings: Settings, token: str) -> str:
    return f"{settings.base_url}/team-invitations/{token}"


def role_label(role: str) -> str:
    return "convenor" if role == CONVENOR else ROLE_BY_KEY[role].label.lower() if role in ROLE_BY_KEY else role


def _check_role(role: str) -> str:
    if role not in ROLE_BY_KEY:
        raise BadInput(f"Choose a role: {', '.join(ROLE_KEYS[:-1])} or {ROLE_KEYS[-1]}.", field="role")
    return role


def _clean_email(email: str) -> str:
    checked_value("email", email, Email)
    return accounts.normalise_email(email)


# --- access ---------------------------------------------------------------------------------------------------------


def _require_convenor(principal: Principal, network_id: int) -> None:
    if not principal.convenes(network_id):
        raise NotFound(NO_NETWORK)


def _role_in(principal: Principal, organisation_id: int) -> str:
    """The caller's role in the organisation; 404 for anyone not of it."""
    role = principal.role_in(organisation_id)
    if role is None:
        raise NotFound(NO_ORGANISATION)
    return role


def _require_manager(principal: Principal, organisation_id: int) -> str:
    role = _role_in(principal, organisation_id)
    if not may(role, Permission.MANAGE_TEAM):
        raise Forbidden(VIEWER_REFUSED)
    return role


def _require_grant(my_role: str, role: str, doing: str) -> None:
    if not may_grant(my_role, role):
        raise Forbidden(
            f"Only a signatory can {doing} a {role_label(role)}. Ask a signatory of your organisation to do it."
        )


# --- locks ----------------------------------------------------------------------------------------------------------


async def _lock_convenors(network_id: int) -> list[dict[str, Any]]:
    """The network's convenor rows, locked (FOR UPDATE, in id order, on PostgreSQL) until the transaction ends."""
    query = (
        NetworkConvenor.select(NetworkConvenor.id, NetworkConvenor.user)
        .where(NetworkConvenor.network == network_id)
        .order_by(NetworkConvenor.id)
    )
    return list(await update_locked(query))


async def _lock_colleagues(organisation_id: int) -> list[dict[str, Any]]:
    """The organisation's people rows, locked (FOR UPDATE, in id order, on PostgreSQL) until the transaction ends."""
    query = (
        OrganisationUser.select(OrganisationUser.id, OrganisationUser.user, OrganisationUser.role)
        .where(OrganisationUser.organisation == organisation_id)
        .order_by(OrganisationUser.id)
    )
    return list(await update_locked(query))


# --- reading --------------------------------------------------------------------------------------------------------


async def _names(user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    rows = await User.select(User.id, User.name).where(User.id.is_in(sorted(user_ids)))
    return {int(r["id"]): str(r["name"]) for r in rows}


async def _convenor_people(network_id: int) -> list[Person]:
    rows = await (
        NetworkConvenor.select(
            NetworkConvenor.user,
            NetworkConvenor.user.name.as_alias("name"),
            NetworkConvenor.user.email.as_alias("email"),
            NetworkConvenor.created_at,
            NetworkConvenor.added_by,
        )
        .where(NetworkConvenor.network == network_id)
        .order_by(NetworkConvenor.id)
    )
    names = await _names({int(r["added_by"]) for r in rows if r["added_by"] is not None})
    return [
        Person(
            user_id=int(r["user"]),
            name=str(r["name"]),
            email=str(r["email"]),
            role=CONVENOR,
            added_at=r["created_at"],
            added_by_name=names.get(int(r["added_by"])) if r["added_by"] is not None else None,
        )
        for r in rows
    ]


async def _colleague_people(organisation_id: int, user_id: int | None = None) -> list[Person]:
    query = OrganisationUser.select(
        OrganisationUser.user,
        OrganisationUser.user.name.as_alias("name"),
        OrganisationUser.user.email.as_alias("email"),
        OrganisationUser.role,
        OrganisationUser.created_at,
        OrganisationUser.added_by,
    ).where(OrganisationUser.organisation == organisation_id)
    if user_id is not None:
        query = query.where(OrganisationUser.user == user_id)
    rows = await query.order_by(OrganisationUser.id)
    names = await _names({int(r["added_by"]) for r in rows if r["added_by"] is not None})
    return [
        Person(
            user_id=int(r["user"]),
            name=str(r["name"]),
            email=str(r["email"]),
            role=str(r["role"]),
            added_at=r["created_at"],
            added_by_name=names.get(int(r["added_by"])) if r["added_by"] is not None else None,
        )
        for r in rows
    ]


async def list_convenors(principal: Principal, network_id: int) -> list[Person]:
    _require_convenor(principal, network_id)
    return await _convenor_people(network_id)


async def list_colleagues(principal: Principal, organisation_id: int) -> list[Person]:
    _role_in(principal, organisation_id)
    return await _colleague_people(organisation_id)


async def _email_of(user_id: int) -> str:
    row = await User.select(User.email).where(User.id == user_id).first()
    return str(row["email"]) if row else ""


# --- ending access --------------------------------------------------------------------------------------------------


async def end_access(user_id: int) -> None:
    """Every browser session of the person ends and every API token of theirs is revoked, at once (in the caller's
    transaction when there is one)."""
    async with write_transaction():
        await accounts.end_sessions_and_tokens(user_id)


# --- invitations ----------------------------------------------------------------------------------------------------


def _team_filter(network_id: int | None, organisation_id: int | None) -> Any:
    if network_id is not None:
        return TeamInvitation.network == network_id
    return TeamInvitation.organisation == organisation_id


async def _replace_waiting(
    principal: Principal, email: str, *, network_id: int | None = None, organisation_id: int | None = None
) -> None:
    """An address invited again: its waiting invitation is revoked (its link stops working) and a new one made."""
    entity_type, entity_id = ("network", network_id) if network_id is not None else ("organisation", organisation_id)
    assert entity_id is not None
    revoked = await (
        TeamInvitation.update({TeamInvitation.revoked_at: utc_now()})
        .where(
            _team_filter(network_id, organisation_id)
            & (TeamInvitation.email == email)
            & TeamInvitation.accepted_at.is_null()
            & TeamInvitation.revoked_at.is_null()
        )
        .returning(TeamInvitation.id, TeamInvitation.role)
    )
    for row in revoked:
        await audit.record(
            principal,
            "team.invitation_revoke",
            entity_type,
            entity_id,
            before={"invitation_id": int(row["id"]), "email": email, "role": row["role"]},
            after={"replaced_by_new_invitation": True},
        )


async def _issue(
    settings: Settings,
    principal: Principal,
    email: str,
    role: str,
    *,
    network_id: int | None = None,
    organisation_id: int | None = None,
    team_name: str,
) -> tuple[IssuedTeamInvitation, list[int | None]]:
    """Inside the transaction: the invitation and its message."""
    token = new_token()
    expires = utc_now() + timedelta(days=INVITATION_DAYS)
    rows = await TeamInvitation.insert(
        TeamInvitation(
            network=network_id,
            organisation=organisation_id,
            role=role,
            email=email,
            token_hash=token_digest(token),
            created_by=principal.user_id,
            expires_at=expires,
        )
    ).returning(TeamInvitation.id)
    invitation_id = int(rows[0]["id"])
    url = accept_url(settings, token)
    entity_type, entity_id = ("network", network_id) if network_id is not None else ("organisation", organisation_id)
    assert entity_id is not None
    await audit.record(
        principal,
        "team.convenor_invite" if role == CONVENOR else "team.colleague_invite",
        entity_type,
        entity_id,
        after={"invitation_id": invitation_id, "email": email, "role": role},
    )
    message_ids = await notices.team_invitation(
        settings,
        principal,
        email=email,
        role=role,
        team_kind=entity_type,
        team_name=team_name,
        url=url,
        expires_at=expires,
        organisation_id=organisation_id,
    )
    issued = IssuedTeamInvitation(
        id=invitation_id,
        email=email,
        role=role,
        url=url,
        expires_at=expires,
        delivery="queued" if any(m is not None for m in message_ids) else "link",
    )
    return issued, message_ids


async def _unique_safe(coroutine: Any) -> Any:
    try:
        return await coroutine
    except Exception as error:
        if not is_unique_violation(error):
            raise
        raise Conflict(SAME_CHANGE_AT_ONCE) from error


async def invite_convenor(
    settings: Settings, principal: Principal, network_id: int, email: str
) -> IssuedTeamInvitation:
    """An invitation to one person to convene the network with the same rights; an address with a waiting
    invitation gets a new link (the old one stops working)."""
    _require_convenor(principal, network_id)
    email = _clean_email(email)

    async def write() -> tuple[IssuedTeamInvitation, list[int | None]]:
        async with write_transaction():
            rows = await _lock_convenors(network_id)  # one writer of this team at a time
            if not any(int(r["user"]) == principal.user_id for r in rows):  # removed a moment ago themselves
                raise NotFound(NO_NETWORK)
            network = await Network.select(Network.name).where(Network.id == network_id).first()
            if network is None:
                raise NotFound(NO_NETWORK)
            user_id = await accounts.user_id_by_email(email)
            if user_id is not None and any(int(r["user"]) == user_id for r in rows):
                raise Conflict(f"{email} is already a convenor of {network['name']}.", field="email")
            await _replace_waiting(principal, email, network_id=network_id)
            return await _issue(
                settings, principal, email, CONVENOR, network_id=network_id, team_name=str(network["name"])
            )

    issued, message_ids = await _unique_safe(write())
    await notices.deliver(message_ids)
    return issued


async def invite_colleague(
    settings: Settings, principal: Principal, organisation_id: int, email: str, role: str
) -> IssuedTeamInvitation:
    my_role = _require_manager(principal, organisation_id)
    _check_role(role)
    _require_grant(my_role, role, "invite")
    email = _clean_email(email)

    async def write() -> tuple[IssuedTeamInvitation, list[int | None]]:
        async with write_transaction():
            rows = await _lock_colleagues(organisation_id)
            _require_grant(_fresh_role(rows, principal, manage=True), role, "invite")
            organisation = (
                await Organisation.select(Organisation.name).where(Organisation.id == organisation_id).first()
            )
            if organisation is None:
                raise NotFound(NO_ORGANISATION)
            user_id = await accounts.user_id_by_email(email)
            if user_id is not None and any(int(r["user"]) == user_id for r in rows):
                raise Conflict(f"{email} is already a colleague in {organisation['name']}.", field="email")
            await _replace_waiting(principal, email, organisation_id=organisation_id)
            return await _issue(
                settings,
                principal,
                email,
                role,
                organisation_id=organisation_id,
                team_name=str(organisation["name"]),
            )

    issued, message_ids = await _unique_safe(write())
    await notices.deliver(message_ids)
    return issued


def _state(row: dict[str, Any]) -> str:
    if row["accepted_at"] is not None:
        return "accepted"
    if row["revoked_at"] is not None:
        return "revoked"
    if as_utc(row["expires_at"]) <= utc_now():
        return "expired"
    return "waiting"


async def waiting_invitations(
    principal: Principal, *, network_id: int | None = None, organisation_id: int | None = None
) -> list[WaitingInvitation]:
    """Invitations of a team you manage not yet used nor revoked (expired ones too, marked so), oldest first."""
    if (network_id is None) == (organisation_id is None):
        raise BadInput("Say which team: give either network_id or organisation_id.")
    if network_id is not None:
        _require_convenor(principal, network_id)
    else:
        assert organisation_id is not None
        _require_manager(principal, organisation_id)
    rows = await (
        TeamInvitation.select()
        .where(
            _team_filter(network_id, organisation_id)
            & TeamInvitation.accepted_at.is_null()
            & TeamInvitation.revoked_at.is_null()
        )
        .order_by(TeamInvitation.id)
    )
    return [
        WaitingInvitation(
            id=int(r["id"]),
            email=str(r["email"]),
            role=str(r["role"]),
            created_at=r["created_at"],
            expires_at=r["expires_at"],
            state=_state(r),
        )
        for r in rows
    ]


async def _revocable_invitation(principal: Principal, invitation_id: int) -> tuple[dict[str, Any], str, int]:
    """An invitation of a team this person manages (and may cancel, given its role), with its team's entity type
    and id; 'not found' for anyone outside the team."""
    row = (
        await TeamInvitation.select().where(TeamInvitation.id == invitation_id).first()
        if 0 < invitation_id <= LARGEST_ID
        else None
    )
    if row is None:
        raise NotFound("There is no such invitation for a team you manage.")
    if row["network"] is not None:
        if not principal.convenes(int(row["network"])):
            raise NotFound("There is no such invitation for a team you manage.")
        entity_type, entity_id = "network", int(row["network"])
    else:
        entity_type, entity_id = "organisation", int(row["organisation"])
        if principal.role_in(entity_id) is None:
            raise NotFound("There is no such invitation for a team you manage.")
        _require_grant(_require_manager(principal, entity_id), str(row["role"]), "cancel the invitation of")
    return row, entity_type, entity_id


async def read_team_invitation(principal: Principal, invitation_id: int) -> tuple[WaitingInvitation, str]:
    """One invitation not yet used, as its team's waiting list shows it, and its team's name (what cancelling it
    would stop), for someone who may cancel it."""
    row, entity_type, entity_id = await _revocable_invitation(principal, invitation_id)
    if row["accepted_at"] is not None:
        raise Conflict("This invitation has already been used. To take the person out of the team, remove them.")
    table = Network if entity_type == "network" else Organisation
    named = await table.select(table.name).where(table.id == entity_id).first()
    invitation = WaitingInvitation(
        id=int(row["id"]),
        email=str(row["email"]),
        role=str(row["role"]),
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        state=_state(row),  # "revoked" too, for one cancelled already
    )
    return invitation, str(named["name"]) if named else ""


async def revoke_team_invitation(principal: Principal, invitation_id: int) -> None:
    """The link stops working. Revoking one already revoked changes nothing; one already used cannot be revoked
    (remove the person instead)."""
    row, entity_type, entity_id = await _revocable_invitation(principal, invitation_id)
    if row["accepted_at"] is not None:
        raise Conflict("This invitation has already been used. To take the person out of the team, remove them.")
    if row["revoked_at"] is not None:
        return
    async with write_transaction():
        revoked = await (
            TeamInvitation.update({TeamInvitation.revoked_at: utc_now()})
            .where(
                (TeamInvitation.id == invitation_id)
                & TeamInvitation.accepted_at.is_null()
                & TeamInvitation.revoked_at.is_null()
            )
            .returning(TeamInvitation.id)
        )
        if revoked:
            await audit.record(
                principal,
                "team.invitation_revoke",
                entity_type,
                entity_id,
                before={"invitation_id": invitation_id, "email": row["email"], "role": row["role"]},
            )


async def _invitation_by_token(token: str) -> dict[str, Any]:
    if not token or len(token) > 200:
        raise NotFound(NOT_VALID)
    row = await (
        TeamInvitation.select(
            *TeamInvitation.all_columns(),
            TeamInvitation.network.name.as_alias("network_name"),
            TeamInvitation.organisation.name.as_alias("organisation_name"),
            TeamInvitation.created_by.name.as_alias("inviter_name"),
        )
        .where(TeamInvitation.token_hash == token_digest(token))
        .first()
    )
    if row is None:
        raise NotFound(NOT_VALID)
    return dict(row)


def _team_name(row: dict[str, Any]) -> str:
    return str(row["network_name"] if row["network"] is not None else row["organisation_name"])


async def describe_team_invitation(token: str) -> TeamInvitationInfo:
    """What a link is for, and whether it still works (404 for a link we did not make or a replaced one)."""
    row = await _invitation_by_token(token)
    return TeamInvitationInfo(
        email=str(row["email"]),
        role=str(row["role"]),
        team_kind="network" if row["network"] is not None else "organisation",
        team_name=_team_name(row),
        invited_by=row["inviter_name"],
        state=_state(row),
        account_exists=await accounts.user_id_by_email(str(row["email"])) is not None,
    )


def _refuse_unusable(row: dict[str, Any]) -> None:
    state = _state(row)
    team = _team_name(row)
    if state == "accepted":
        raise Gone(
            f"This invitation has already been used, on {uk_time_text(row['accepted_at'])}. Sign in to carry on."
        )
    if state == "revoked":
        raise Gone(f"This invitation was cancelled. Ask someone in {team} for a new one if you need it.")
    if state == "expired":
        raise Gone(
            f"This invitation expired on {uk_time_text(row['expires_at'])}. Ask someone in {team} for a new link."
        )


async def accept_team_invitation(
    settings: Settings,
    token: str,
    principal: Principal | None,
    *,
    name: str | None = None,
    password: str | None = None,
) -> Accepted:
    """Join the team the link is for: as the signed-in person (whose address must be the one invited), or as a new
    account made here with the invited address (when there is none yet)."""
    row = await _invitation_by_token(token)
    _refuse_unusable(row)
    invited = str(row["email"])
    if principal is not None:
        if principal.email.lower() != invited.lower():
            raise Conflict(
                f"This invitation is for {invited}, but you are signed in as {principal.email}. Sign out, then sign "
                f"in as {invited} (or make that account) and open the link again."
            )
    else:
        if await accounts.user_id_by_email(invited) is not None:
            raise Conflict(
                f"There is already an account for {invited}. Sign in first as {invited}, then open the link again."
            )
        name = checked_value("name", name or "", Name).strip()
        if not name:
            raise BadInput("Enter your name.", field="name")
        password = checked_value("password", password or "", Password)
        if not password:
            raise BadInput("Choose a password.", field="password")
        await check_new_password(password, email=invited, name=name)
    try:
        return await _accept(token, principal, invited, name or "", password or "")
    except Exception as error:
        if not is_unique_violation(error):
            raise
        raise Conflict(
            "This invitation was accepted a moment ago by another request. If that was you, you are in the team: "
            "sign in to carry on."
        ) from error


async def _accept(token: str, principal: Principal | None, invited: str, name: str, password: str) -> Accepted:
    async with write_transaction():
        row = await _invitation_by_token(token)
        if _state(row) != "waiting":
            # It worked a moment ago (checked above): another request used or cancelled it since.
            _refuse_unusable(row)
        new_account = principal is None
        if principal is None:
            user_id = await accounts.create_user(invited, name, password)
            principal = await accounts.load_principal(user_id)
        network_id = int(row["network"]) if row["network"] is not None else None
        organisation_id = int(row["organisation"]) if row["organisation"] is not None else None
        role = str(row["role"])
        added_by = int(row["created_by"]) if row["created_by"] is not None else None
        team = _team_name(row)
        if network_id is not None:
            if await NetworkConvenor.exists().where(
                (NetworkConvenor.network == network_id) & (NetworkConvenor.user == principal.user_id)
            ):
                raise Conflict(f"You are already a convenor of {team}.")
            await NetworkConvenor.insert(NetworkConvenor(network=network_id, user=principal.user_id, added_by=added_by))
        else:
            if await OrganisationUser.exists().where(
                (OrganisationUser.organisation == organisation_id) & (OrganisationUser.user == principal.user_id)
            ):
                raise Conflict(f"You are already a colleague in {team}.")
            await OrganisationUser.insert(
                OrganisationUser(organisation=organisation_id, user=principal.user_id, role=role, added_by=added_by)
            )
        claimed = await (
            TeamInvitation.update(
                {TeamInvitation.accepted_at: utc_now(), TeamInvitation.accepted_by: principal.user_id}
            )
            .where(
                (TeamInvitation.id == row["id"])
                & TeamInvitation.accepted_at.is_null()
                & TeamInvitation.revoked_at.is_null()
            )
            .returning(TeamInvitation.id)
        )
        if not claimed:
            raise Conflict(
                "This invitation was accepted a moment ago by another request. If that was you, you are in the team: "
                "sign in to carry on."
            )
        entity_type, entity_id = (
            ("network", network_id) if network_id is not None else ("organisation", organisation_id)
        )
        assert entity_id is not None
        await audit.record(
            principal,
            "team.convenor_join" if network_id is not None else "team.colleague_join",
            entity_type,
            entity_id,
            after={
                "user_id": principal.user_id,
                "email": principal.email,
                "role": role,
                "invitation_id": int(row["id"]),
                "new_account": new_account,
            },
        )
    return Accepted(
        user_id=principal.user_id, network_id=network_id, organisation_id=organisation_id, new_account=new_account
    )


# --- changing and removing ------------------------------------------------------------------------------------------


async def remove_convenor(principal: Principal, network_id: int, user_id: int) -> None:
    """Take a convenor out of the network (yourself: leave). The network keeps at least one convenor. The person's
    sessions end and their API tokens stop working at once."""
    _require_convenor(principal, network_id)
    async with write_transaction():
        rows = await _lock_convenors(network_id)
        if not any(int(r["user"]) == principal.user_id for r in rows):  # removed a moment ago themselves
            raise NotFound(NO_NETWORK)
        target = next((r for r in rows if int(r["user"]) == user_id), None)
        if target is None:
            raise NotFound("That person is not a convenor of this network.")
        leaving = user_id == principal.user_id
        if len(rows) <= 1:
            raise Conflict(
                "A network must keep at least one convenor. Invite someone else as a convenor first; once they have "
                "joined, " + ("you can leave." if leaving else "this person can be removed.")
            )
        await NetworkConvenor.delete().where(NetworkConvenor.id == target["id"])
        await end_access(user_id)
        await audit.record(
            principal,
            "team.convenor_leave" if leaving else "team.convenor_remove",
            "network",
            network_id,
            before={"user_id": user_id, "email": await _email_of(user_id), "role": CONVENOR},
        )


def _fresh_role(rows: list[dict[str, Any]], principal: Principal, *, manage: bool) -> str:
    """The caller's role as the locked rows have it now (it may have changed since the request began)."""
    mine = next((r for r in rows if int(r["user"]) == principal.user_id), None)
    if mine is None:
        raise NotFound(NO_ORGANISATION)
    role = str(mine["role"])
    if manage and not may(role, Permission.MANAGE_TEAM):
        raise Forbidden(VIEWER_REFUSED)
    return role


def _signatories(rows: list[dict[str, Any]]) -> int:
    return sum(1 for r in rows if r["role"] == KEEPS_ONE)


def _keeps_one_message(leaving: bool) -> str:
    return "An organisation must keep at least one signatory. Make someone else a signatory first; then " + (
        "you can leave or change your own role." if leaving else "this person can be removed or given another role."
    )


async def change_colleague_role(principal: Principal, organisation_id: int, user_id: int, role: str) -> Person:
    _require_manager(principal, organisation_id)
    _check_role(role)
    async with write_transaction():
        rows = await _lock_colleagues(organisation_id)
        my_role = _fresh_role(rows, principal, manage=True)
        target = next((r for r in rows if int(r["user"]) == user_id), None)
        if target is None:
            raise NotFound("That person is not one of your organisation's people.")
        old = str(target["role"])
        _require_grant(my_role, old, "change the role of")
        _require_grant(my_role, role, "make someone")
        if old != role:
            if old == KEEPS_ONE and _signatories(rows) <= 1:
                raise Conflict(_keeps_one_message(user_id == principal.user_id))
            await OrganisationUser.update({OrganisationUser.role: role}).where(OrganisationUser.id == target["id"])
            await audit.record(
                principal,
                "team.colleague_role",
                "organisation",
                organisation_id,
                before={"user_id": user_id, "role": old},
                after={"user_id": user_id, "role": role},
            )
    return (await _colleague_people(organisation_id, user_id))[0]


async def remove_colleague(principal: Principal, organisation_id: int, user_id: int) -> None:
    """Take a person out of the organisation (yourself: leave; anyone may). A signatory may remove anyone, an editor
    editors and viewers. The organisation keeps at least one signatory. The person's sessions end and their API
    tokens stop working at once."""
    _role_in(principal, organisation_id)
    leaving = user_id == principal.user_id
    if not leaving:
        _require_manager(principal, organisation_id)
    async with write_transaction():
        rows = await _lock_colleagues(organisation_id)
        my_role = _fresh_role(rows, principal, manage=not leaving)
        target = next((r for r in rows if int(r["user"]) == user_id), None)
        if target is None:
            raise NotFound("That person is not one of your organisation's people.")
        old = str(target["role"])
        if not leaving:
            _require_grant(my_role, old, "remove")
        if old == KEEPS_ONE and _signatories(rows) <= 1:
            raise Conflict(_keeps_one_message(leaving))
        await OrganisationUser.delete().where(OrganisationUser.id == target["id"])
        await end_access(user_id)
        await audit.record(
            principal,
            "team.colleague_remove",
            "organisation",
            organisation_id,
            before={"user_id": user_id, "email": await _email_of(user_id), "role": old},
            after={"left": leaving},
        )
