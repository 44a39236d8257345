"""Teams: a network's convenors (/networks/{id}/team) and an organisation's people (/organisations/{id}/team), each
with an invitation form, waiting invitations, and changing or ending someone's place; and the page a person opens
from a team invitation (/team-invitations/{token}) to join, with a new account when they have none.

Every change is one call to ``consortium.teams.services``; these pages only read forms and show what happened."""

from __future__ import annotations

import re
from typing import Any

from litestar import Response, get, post
from litestar.datastructures import Cookie
from litestar.params import FromPath

from consortium.accounts.principal import Principal
from consortium.accounts.security import MIN_PASSWORD_LENGTH
from consortium.bids import services as bids
from consortium.errors import ServiceError
from consortium.organisations import services as organisations
from consortium.teams import services as teams
from consortium.teams.roles import CONVENOR, ORGANISATION_ROLES, ROLE_BY_KEY, Permission, may_grant
from consortium.web.cookies import new_session_cookie, session_cookie
from consortium.web.identity import AppSettings, CurrentUser, MaybeUser
from consortium.web.pages import confirm, forms
from consortium.web.pages.account import PASSWORD_HINT
from consortium.web.pages.common import PageController, PageRequest
from consortium.web.pages.rendering import redirect, render

# The statuses a refusal is shown with on the team page itself (a message at the top or at the field); "not found"
# and "sign in" keep their own pages.
SHOWN_ON_PAGE = {400, 403, 409, 410, 412, 422, 429}
INVITE_FIELD_IDS = {"email": "email", "role": "role"}
ACCEPT_FIELD_IDS = {"name": "name", "password": "password", "password_again": "password_again"}
ACCEPT_FIELD_ORDER = ("name", "password", "password_again")
_TEAM_PAGE = re.compile(r"/(networks|organisations)/(\d+)/team")
CONVENOR_DESCRIPTION = (
    "Can run all the network's bids: set their rules, invite member organisations, make the bid document, and "
    "invite or remove other convenors. Every convenor has the same rights."
)
GONE_WORDS = {
    "accepted": "This invitation has already been used, so it cannot be used again. If you used it, sign in: you "
    "are already in the team.",
    "revoked": "This invitation was cancelled by the person who sent it, so it no longer works.",
    "expired": f"This invitation has expired: invitation links work for {teams.INVITATION_DAYS} days.",
}


def role_words(role: str) -> tuple[str, str]:
    """A role's label and its one line of plain words: 'Editor', 'Can change the organisation's details...'."""
    if role == CONVENOR:
        return "Convenor", CONVENOR_DESCRIPTION
    found = ROLE_BY_KEY.get(role)
    return (found.label, found.description) if found else (role.capitalize(), "")


def with_article(label: str) -> str:
    """'an editor', 'a viewer', 'a signatory', 'a convenor'."""
    word = label.lower()
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"


def _shown(error: ServiceError) -> ServiceError:
    """The refusal, when it is one to show on the page; otherwise raised again for its own page (404, 401, 500)."""
    if error.status_code not in SHOWN_ON_PAGE:
        raise error
    return error


def _grantable(user: Principal, organisation_id: int) -> list[tuple[str, str, str]]:
    """The roles this person may give in the organisation, as radio options (key, label, description)."""
    mine = user.role_in(organisation_id)
    return [(role.key, role.label, role.description) for role in ORGANISATION_ROLES if may_grant(mine, role.key)]


def _blank_invite() -> dict[str, str]:
    return {"email": "", "role": ""}


def _read_invite(form: Any, errors: forms.FormErrors, *, with_role: bool) -> dict[str, str]:
    values = {"email": forms.text(form, "email"), "role": forms.text(form, "role") if with_role else ""}
    forms.refuse_control_characters({"email": values["email"]}, errors, {"email": "the email address"})
    if not values["email"]:
        errors.add("email", "Enter the email address of the person to invite.")
    if with_role and not values["role"]:
        errors.add("role", "Choose what they will be able to do.")
    return values


# --- a network's convenors --------------------------------------------------------------------------------------------


async def _network_page(
    request: PageRequest,
    user: Principal,
    network_id: int,
    *,
    status_code: int = 200,
    errors: forms.FormErrors | None = None,
    values: dict[str, str] | None = None,
    issued: teams.IssuedTeamInvitation | None = None,
) -> Response[Any]:
    convenors = await teams.list_convenors(user, network_id)  # "not found" for anyone but its convenors
    return await render(
        request,
        "teams/network.html",
        {
            "network_id": network_id,
            "network_name": await bids.network_name(network_id),
            "people": convenors,
            "invitations": await teams.waiting_invitations(user, network_id=network_id),
            "errors": errors or forms.FormErrors(),
            "values": values or _blank_invite(),
            "issued": issued,
            "issued_role": role_words(issued.role) if issued else None,
            "back": f"/networks/{network_id}/team",
            "invitation_days": teams.INVITATION_DAYS,
        },
        status_code=status_code,
    )


# --- an organisation's people -----------------------------------------------------------------------------------------


async def _organisation_page(
    request: PageRequest,
    user: Principal,
    organisation_id: int,
    *,
    status_code: int = 200,
    errors: forms.FormErrors | None = None,
    values: dict[str, str] | None = None,
    issued: teams.IssuedTeamInvitation | None = None,
) -> Response[Any]:
    people = await teams.list_colleagues(user, organisation_id)  # "not found" for anyone outside it
    organisation = await organisations.read_organisation(user, organisation_id)
    manages = user.may(organisation_id, Permission.MANAGE_TEAM)
    mine = user.role_in(organisation_id)
    return await render(
        request,
        "teams/organisation.html",
        {
            "organisation": organisation,
            "people": people,
            "roles": {key: role_words(key) for key in ROLE_BY_KEY},
            "manages": manages,
            "my_role": role_words(mine) if mine else None,
            # Whose place this person may change: someone whose role they could give (an editor cannot move a
            # signatory); themselves only by leaving.
            "changeable": {
                p.user_id for p in people if manages and p.user_id != user.user_id and may_grant(mine, p.role)
            },
            "grantable": _grantable(user, organisation_id) if manages else [],
            "invitations": await teams.waiting_invitations(user, organisation_id=organisation_id) if manages else [],
            "errors": errors or forms.FormErrors(),
            "values": values or _blank_invite(),
            "issued": issued,
            "issued_role": role_words(issued.role) if issued else None,
            "back": f"/organisations/{organisation_id}/team",
            "invitation_days": teams.INVITATION_DAYS,
        },
        status_code=status_code,
    )


def _name_of(people: list[teams.Person], user_id: int) -> str:
    return next((person.name for person in people if person.user_id == user_id), "They")


class TeamPages(PageController):
    # --- networks ---

    @get("/networks/{network_id:int}/team", name="network-team")
    async def network(self, request: PageRequest, user: CurrentUser, network_id: FromPath[int]) -> Response[Any]:
        return await _network_page(request, user, network_id)

    @post("/networks/{network_id:int}/team/invitations")
    async def invite_convenor(
        self, request: PageRequest, user: CurrentUser, settings: AppSettings, network_id: FromPath[int]
    ) -> Response[Any]:
        errors = forms.FormErrors()
        values = _read_invite(await request.form(), errors, with_role=False)
        status = 422
        if not errors:
            try:
                issued = await teams.invite_convenor(settings, user, network_id, values["email"])
            except ServiceError as error:
                status = _shown(error).status_code
                errors.add_service_error(error, INVITE_FIELD_IDS)
            else:
                return await _network_page(request, user, network_id, status_code=201, issued=issued)
        return await _network_page(request, user, network_id, status_code=status, errors=errors, values=values)

    @post("/networks/{network_id:int}/team/{user_id:int}/remove")
    async def remove_convenor(
        self,
        request: PageRequest,
        user: CurrentUser,
        settings: AppSettings,
        network_id: FromPath[int],
        user_id: FromPath[int],
    ) -> Response[Any]:
        people = await teams.list_convenors(user, network_id)
        name = await bids.network_name(network_id)
        if any(p.user_id == user_id for p in people) and not confirm.confirmed(await request.form()):
            return await confirm.ask(
                request,
                confirm.team_removal(
                    _name_of(people, user_id),
                    name,
                    leaving=user_id == user.user_id,
                    kind="network",
                    action=f"/networks/{network_id}/team/{user_id}/remove",
                    back=f"/networks/{network_id}/team",
                ),
            )
        try:
            await teams.remove_convenor(user, network_id, user_id)
        except ServiceError as error:
            errors = forms.FormErrors()
            errors.add(None, _shown(error).message)
            return await _network_page(request, user, network_id, status_code=error.status_code, errors=errors)
        if user_id == user.user_id:  # leaving ends one's own sessions too, as a removal does
            return redirect(
                request,
                "/sign-in",
                f"You have left {name}: you are no longer one of its convenors. You have been signed out; sign in "
                "again for anything else you do here.",
                kind="info",
                cookies=[session_cookie(settings, None)],
            )
        return redirect(
            request,
            f"/networks/{network_id}/team",
            f"{_name_of(people, user_id)} is no longer a convenor of {name}. They have been signed out everywhere "
            "and their API tokens no longer work.",
        )

    # --- organisations ---

    @get("/organisations/{organisation_id:int}/team", name="organisation-team")
    async def organisation(
        self, request: PageRequest, user: CurrentUser, organisation_id: FromPath[int]
    ) -> Response[Any]:
        return await _organisation_page(request, user, organisation_id)

    @post("/organisations/{organisation_id:int}/team/invitations")
    async def invite_colleague(
        self, request: PageRequest, user: CurrentUser, settings: AppSettings, organisation_id: FromPath[int]
    ) -> Response[Any]:
        await teams.list_colleagues(user, organisation_id)  # "not found" before anything else, for anyone outside it
        errors = forms.FormErrors()
        values = _read_invite(await request.form(), errors, with_role=True)
        if not user.may(organisation_id, Permission.MANAGE_TEAM):
            errors = forms.FormErrors()  # the services' refusal says more than what the form is missing
        status = 422
        if not errors:
            try:
                issued = await teams.invite_colleague(settings, user, organisation_id, values["email"], values["role"])
            except ServiceError as error:
                status = _shown(error).status_code
                errors.add_service_error(error, INVITE_FIELD_IDS)
            else:
                return await _organisation_page(request, user, organisation_id, status_code=201, issued=issued)
        errors.in_order(("email", "role"))
        return await _organisation_page(
            request, user, organisation_id, status_code=status, errors=errors, values=values
        )

    @post("/organisations/{organisation_id:int}/team/{user_id:int}/role")
    async def change_role(
        self, request: PageRequest, user: CurrentUser, organisation_id: FromPath[int], user_id: FromPath[int]
    ) -> Response[Any]:
        await teams.list_colleagues(user, organisation_id)
        role = forms.text(await request.form(), "role")
        errors = forms.FormErrors()
        try:
            person = await teams.change_colleague_role(user, organisation_id, user_id, role)
        except ServiceError as error:
            errors.add(None, _shown(error).message)
            return await _organisation_page(
                request, user, organisation_id, status_code=error.status_code, errors=errors
            )
        label, description = role_words(person.role)
        return redirect(
            request,
            f"/organisations/{organisation_id}/team",
            f"{person.name} is now {with_article(label)}. {description}",
        )

    @post("/organisations/{organisation_id:int}/team/{user_id:int}/remove")
    async def remove_colleague(
        self,
        request: PageRequest,
        user: CurrentUser,
        settings: AppSettings,
        organisation_id: FromPath[int],
        user_id: FromPath[int],
    ) -> Response[Any]:
        people = await teams.list_colleagues(user, organisation_id)
        organisation = await organisations.read_organisation(user, organisation_id)
        # Asked of those the page offers it to: leaving, or removing someone whose role one could give (anyone else
        # is refused by the removal at once, on the team page).
        target = next((p for p in people if p.user_id == user_id), None)
        offered = target is not None and (
            user_id == user.user_id
            or (
                user.may(organisation_id, Permission.MANAGE_TEAM)
                and may_grant(user.role_in(organisation_id), target.role)
            )
        )
        if offered and not confirm.confirmed(await request.form()):
            return await confirm.ask(
                request,
                confirm.team_removal(
                    _name_of(people, user_id),
                    organisation.name,
                    leaving=user_id == user.user_id,
                    kind="organisation",
                    action=f"/organisations/{organisation_id}/team/{user_id}/remove",
                    back=f"/organisations/{organisation_id}/team",
                ),
            )
        try:
            await teams.remove_colleague(user, organisation_id, user_id)
        except ServiceError as error:
            errors = forms.FormErrors()
            errors.add(None, _shown(error).message)
            return await _organisation_page(
                request, user, organisation_id, status_code=error.status_code, errors=errors
            )
        if user_id == user.user_id:  # leaving ends one's own sessions too, as a removal does
            return redirect(
                request,
                "/sign-in",
                f"You have left {organisation.name}: you no longer act for it. You have been signed out; sign in "
                "again for anything else you do here.",
                kind="info",
                cookies=[session_cookie(settings, None)],
            )
        return redirect(
            request,
            f"/organisations/{organisation_id}/team",
            f"{_name_of(people, user_id)} no longer acts for {organisation.name}. They have been signed out "
            "everywhere and their API tokens no longer work.",
        )

    # --- waiting invitations ---

    @post("/team-invitations/{invitation_id:int}/revoke")
    async def revoke(self, request: PageRequest, user: CurrentUser, invitation_id: FromPath[int]) -> Response[Any]:
        form = await request.form()
        back = forms.text(form, "back")
        page = _TEAM_PAGE.fullmatch(back)
        back = back if page else "/"
        try:
            asked = await confirm.team_invitation_revocation(user, invitation_id, back)
            if asked is not None and not confirm.confirmed(form):
                return await confirm.ask(request, asked)
            await teams.revoke_team_invitation(user, invitation_id)
        except ServiceError as error:
            _shown(error)
            if page is None:
                return redirect(request, back, error.message, kind="error")
            errors = forms.FormErrors()
            errors.add(None, error.message)
            show = _network_page if page.group(1) == "networks" else _organisation_page
            return await show(request, user, int(page.group(2)), status_code=error.status_code, errors=errors)
        return redirect(request, back, "The invitation is cancelled: its link no longer works.")


# --- accepting a team invitation --------------------------------------------------------------------------------------


class TeamInvitationPages(PageController):
    @get("/team-invitations/{token:str}", name="team-invitation")
    async def show(self, request: PageRequest, principal: MaybeUser, token: FromPath[str]) -> Response[Any]:
        info = await teams.describe_team_invitation(token)
        return await self._page(request, principal, token, info, {"name": ""}, forms.FormErrors())

    @post("/team-invitations/{token:str}")
    async def accept(
        self, request: PageRequest, principal: MaybeUser, settings: AppSettings, token: FromPath[str]
    ) -> Response[Any]:
        info = await teams.describe_team_invitation(token)
        form = await request.form()
        values = {"name": forms.text(form, "name")}
        errors = forms.FormErrors()
        status = 422
        name: str | None = None
        password: str | None = None
        if principal is None:
            name, password = values["name"], forms.raw(form, "password")
            if not name:
                errors.add("name", "Enter your full name.")
            if not password:
                errors.add("password", "Choose a password.")
            elif password != forms.raw(form, "password_again"):
                errors.add("password_again", "The two passwords are not the same. Type the same password twice.")
        if not errors:
            try:
                accepted = await teams.accept_team_invitation(settings, token, principal, name=name, password=password)
            except ServiceError as error:
                status = _shown(error).status_code
                if status == 410:
                    info = await teams.describe_team_invitation(token)
                errors.add_service_error(error, ACCEPT_FIELD_IDS)
            else:
                cookies: list[Cookie] = []
                if principal is None:
                    cookies.append(await new_session_cookie(request, settings, accepted.user_id))
                label, _ = role_words(info.role)
                if accepted.network_id is not None:
                    return redirect(
                        request,
                        f"/networks/{accepted.network_id}/team",
                        f"You are now {with_article(label)} of {info.team_name}. Its bids are under ‘Bids’ at the top "
                        "of the page.",
                        cookies=cookies,
                    )
                return redirect(
                    request,
                    f"/organisations/{accepted.organisation_id}",
                    f"You now act for {info.team_name} as {with_article(label)}.",
                    cookies=cookies,
                )
        errors.in_order(ACCEPT_FIELD_ORDER)
        return await self._page(request, principal, token, info, values, errors, status_code=status)

    async def _page(
        self,
        request: PageRequest,
        principal: Principal | None,
        token: str,
        info: teams.TeamInvitationInfo,
        values: dict[str, str],
        errors: forms.FormErrors,
        *,
        status_code: int = 200,
    ) -> Response[Any]:
        gone = GONE_WORDS.get(info.state, "") if info.state != "waiting" else ""
        label, description = role_words(info.role)
        return await render(
            request,
            "teams/accept.html",
            {
                "token": token,
                "info": info,
                "role_label": label,
                "role_article": with_article(label),
                "role_description": description,
                "gone": gone,
                "is_for_me": principal is not None and principal.email.lower() == info.email.lower(),
                "values": values,
                "errors": errors,
                "password_hint": PASSWORD_HINT,
                "min_password": MIN_PASSWORD_LENGTH,
            },
            status_code=410 if gone else status_code,
        )
