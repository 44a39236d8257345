"""The teams API: a network's convenors, an organisation's people, and invitations to a person. Handlers only
translate; ``consortium.teams.services`` decides."""

from __future__ import annotations

from dataclasses import asdict

from litestar import Controller, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from consortium.errors import BadInput
from consortium.teams import schemas
from consortium.teams import services as teams
from consortium.web.identity import AppSettings, CurrentUser, MaybeUser


def _person(person: teams.Person) -> schemas.Person:
    return schemas.Person(**asdict(person))


def _issued(issued: teams.IssuedTeamInvitation) -> schemas.TeamInvitation:
    return schemas.TeamInvitation(
        id=issued.id,
        email=issued.email,
        role=issued.role,
        expires_at=issued.expires_at,
        delivery=issued.delivery,
        accept_url=issued.url,
    )


class NetworkTeamController(Controller):
    path = "/api/v1/networks"
    tags = ["Teams"]

    @get("/{network_id:int}/convenors", summary="The convenors of a network you convene")
    async def convenors(self, user: CurrentUser, network_id: FromPath[int]) -> list[schemas.Person]:
        return [_person(p) for p in await teams.list_convenors(user, network_id)]

    @post(
        "/{network_id:int}/convenors/invitations",
        summary="Invite a person to convene the network with you (the link is mailed, and shown only in this answer)",
    )
    async def invite(
        self,
        user: CurrentUser,
        settings: AppSettings,
        network_id: FromPath[int],
        data: JSONBody[schemas.ConvenorInvite],
    ) -> schemas.TeamInvitation:
        return _issued(await teams.invite_convenor(settings, user, network_id, data.email))

    @delete(
        "/{network_id:int}/convenors/{user_id:int}",
        summary="Remove a convenor (yourself: leave); their sessions and API tokens end at once",
    )
    async def remove(self, user: CurrentUser, network_id: FromPath[int], user_id: FromPath[int]) -> None:
        await teams.remove_convenor(user, network_id, user_id)


class OrganisationTeamController(Controller):
    path = "/api/v1/organisations"
    tags = ["Teams"]

    @get("/{organisation_id:int}/people", summary="The people of an organisation you act for, with their roles")
    async def people(self, user: CurrentUser, organisation_id: FromPath[int]) -> list[schemas.Person]:
        return [_person(p) for p in await teams.list_colleagues(user, organisation_id)]

    @post(
        "/{organisation_id:int}/people/invitations",
        summary="Invite a colleague in a role (the link is mailed, and shown only in this answer)",
    )
    async def invite(
        self,
        user: CurrentUser,
        settings: AppSettings,
        organisation_id: FromPath[int],
        data: JSONBody[schemas.ColleagueInvite],
    ) -> schemas.TeamInvitation:
        return _issued(await teams.invite_colleague(settings, user, organisation_id, data.email, data.role))

    @patch("/{organisation_id:int}/people/{user_id:int}", summary="Change a colleague's role")
    async def change_role(
        self,
        user: CurrentUser,
        organisation_id: FromPath[int],
        user_id: FromPath[int],
        data: JSONBody[schemas.RoleChange],
    ) -> schemas.Person:
        return _person(await teams.change_colleague_role(user, organisation_id, user_id, data.role))

    @delete(
        "/{organisation_id:int}/people/{user_id:int}",
        summary="Remove a colleague (yourself: leave); their sessions and API tokens end at once",
    )
    async def remove(self, user: CurrentUser, organisation_id: FromPath[int], user_id: FromPath[int]) -> None:
        await teams.remove_colleague(user, organisation_id, user_id)


class TeamInvitationController(Controller):
    path = "/api/v1/team-invitations"
    tags = ["Teams"]

    @get("/", summary="The waiting invitations of a team you manage: give network_id or organisation_id")
    async def waiting(
        self, user: CurrentUser, network_id: FromQuery[int | None] = None, organisation_id: FromQuery[int | None] = None
    ) -> list[schemas.WaitingInvitation]:
        found = await teams.waiting_invitations(user, network_id=network_id, organisation_id=organisation_id)
        return [schemas.WaitingInvitation(**asdict(w)) for w in found]

    @delete("/{invitation_id:int}", summary="Cancel an invitation: its link stops working")
    async def revoke(self, user: CurrentUser, invitation_id: FromPath[int]) -> None:
        await teams.revoke_team_invitation(user, invitation_id)

    @get("/{token:str}", summary="What a team invitation is for, and whether it still works (no sign-in needed)")
    async def read(self, token: FromPath[str]) -> schemas.TeamInvitationInfo:
        return schemas.TeamInvitationInfo(**asdict(await teams.describe_team_invitation(token)))

    @post(
        "/{token:str}/accept",
        status_code=200,
        summary="Accept a team invitation: signed in as the address invited, or signed out with a name and password "
        "for a new account with that address",
    )
    async def accept(
        self,
        principal: MaybeUser,
        settings: AppSettings,
        token: FromPath[str],
        data: JSONBody[schemas.AcceptTeamInvitation],
    ) -> schemas.Accepted:
        if principal is not None and (data.name is not None or data.password is not None):
            raise BadInput("You are signed in, so you join as yourself: send no name or password.")
        accepted = await teams.accept_team_invitation(
            settings, token, principal, name=data.name, password=data.password
        )
        where = "network's convenors" if accepted.network_id is not None else "organisation's people"
        message = f"You have joined the {where}."
        if accepted.new_account:
            message += " Sign in with your email address and the password you chose."
        return schemas.Accepted(**asdict(accepted), message=message)
