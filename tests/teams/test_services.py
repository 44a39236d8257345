"""consortium.teams.services on both databases: the keep-one rules hold when two removals run at once (the team's
rows are locked before counting), removal ends the person's access, and the invitation's mail."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from consortium.accounts import services as accounts
from consortium.accounts.principal import Principal
from consortium.accounts.tables import ApiToken, UserSession
from consortium.errors import Conflict, NotFound
from consortium.mail import compose
from consortium.mail.tables import OutboxMessage
from consortium.networks.tables import NetworkConvenor
from consortium.organisations.tables import OrganisationUser
from consortium.settings import Settings
from consortium.teams import services as teams
from consortium.teams.tables import TeamInvitation
from tests.factories import Client, add_colleague, add_convenor, convenor, join, open_bid, organisation


async def principal_of(user_id: int) -> Principal:
    return await accounts.load_principal(user_id)


async def user_id_of(client: Client, headers: dict[str, str]) -> int:
    return int((await client.get("/api/v1/auth/me", headers=headers)).json()["user_id"])


async def test_two_convenors_removing_each_other_at_once_leave_one(client: Client) -> None:
    network_id, casey = await convenor()
    casey_id = await user_id_of(client, casey)
    sam_id, _ = await add_convenor(network_id)
    # Both principals are read first, as two requests arriving together each read theirs: both pass the access check,
    # so only the lock on the team's rows keeps one convenor.
    casey_p, sam_p = await principal_of(casey_id), await principal_of(sam_id)
    results = await asyncio.gather(
        teams.remove_convenor(casey_p, network_id, sam_id),
        teams.remove_convenor(sam_p, network_id, casey_id),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 1 and isinstance(refused[0], Conflict | NotFound), results
    assert await NetworkConvenor.count().where(NetworkConvenor.network == network_id) == 1


async def test_three_convenors_two_removals_at_once_both_happen(client: Client) -> None:
    network_id, casey = await convenor()
    casey_id = await user_id_of(client, casey)
    sam_id, _ = await add_convenor(network_id)
    jo_id, _ = await add_convenor(network_id)
    casey_p = await principal_of(casey_id)
    await asyncio.gather(
        teams.remove_convenor(casey_p, network_id, sam_id), teams.remove_convenor(casey_p, network_id, jo_id)
    )
    assert [p.user_id for p in await teams.list_convenors(casey_p, network_id)] == [casey_id]


@pytest.mark.parametrize("change", ["leave", "demote themselves"])
async def test_the_last_two_signatories_leaving_at_once_leave_one(client: Client, change: str) -> None:
    """Each of the two signatories leaves (or makes themselves a viewer) at the same moment: each still manages the
    team when its own change runs, so only the lock on the team's rows keeps one signatory (409 for the other)."""
    network_id, convenor_headers = await convenor()
    bid = await open_bid(client, convenor_headers, network_id)
    organisation_id, first = await join(client, convenor_headers, bid["id"], organisation("Ashbrook Homes"))
    first_id = await user_id_of(client, first)
    second_id, _ = await add_colleague(organisation_id, "signatory")
    first_p, second_p = await principal_of(first_id), await principal_of(second_id)
    if change == "leave":
        calls = (
            teams.remove_colleague(first_p, organisation_id, first_id),
            teams.remove_colleague(second_p, organisation_id, second_id),
        )
    else:
        calls = (
            teams.change_colleague_role(first_p, organisation_id, first_id, "viewer"),
            teams.change_colleague_role(second_p, organisation_id, second_id, "viewer"),
        )
    results = await asyncio.gather(*calls, return_exceptions=True)
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 1 and isinstance(refused[0], Conflict), results
    assert "at least one signatory" in str(refused[0])
    signatories = OrganisationUser.count().where(
        (OrganisationUser.organisation == organisation_id) & (OrganisationUser.role == "signatory")
    )
    assert await signatories == 1


async def test_the_last_two_convenors_leaving_at_once_leave_one(client: Client) -> None:
    network_id, casey = await convenor()
    casey_id = await user_id_of(client, casey)
    sam_id, _ = await add_convenor(network_id)
    casey_p, sam_p = await principal_of(casey_id), await principal_of(sam_id)
    results = await asyncio.gather(
        teams.remove_convenor(casey_p, network_id, casey_id),
        teams.remove_convenor(sam_p, network_id, sam_id),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 1 and isinstance(refused[0], Conflict), results
    assert "at least one convenor" in str(refused[0])
    assert await NetworkConvenor.count().where(NetworkConvenor.network == network_id) == 1


async def test_end_access_ends_every_session_and_revokes_every_token(client: Client, settings: Settings) -> None:
    network_id, _ = await convenor()
    sam_id, sam = await add_convenor(network_id)
    await accounts.start_session(settings, sam_id)
    await accounts.start_session(settings, sam_id)
    await teams.end_access(sam_id)
    assert await UserSession.count().where(UserSession.user == sam_id) == 0
    assert await ApiToken.count().where((ApiToken.user == sam_id) & ApiToken.revoked_at.is_null()) == 0
    assert (await client.get("/api/v1/auth/me", headers=sam)).status_code == 401


async def test_an_invitation_is_mailed_with_its_link_and_only_its_digest_is_kept(
    client: Client, settings: Settings
) -> None:
    network_id, casey = await convenor()
    casey_p = await principal_of(await user_id_of(client, casey))
    issued = await teams.invite_convenor(settings, casey_p, network_id, " Jo@Example.org ")
    assert issued.email == "jo@example.org" and issued.delivery == "queued"
    assert issued.url.startswith(f"{settings.base_url}/team-invitations/")
    token = issued.url.rsplit("/", 1)[-1]
    row = await TeamInvitation.select().where(TeamInvitation.id == issued.id).first()
    assert row is not None and token not in str(row.values())
    assert (issued.expires_at - row["created_at"]).days in {13, 14}
    message = await OutboxMessage.select().where(OutboxMessage.kind == "team_invitation").first()
    assert message is not None
    assert issued.url in message["text_body"] and issued.url in message["html_body"]
    assert message["reply_to"] == casey_p.email
    assert message["subject"].startswith("Casey Convenor invites you to convene Community Homes Network")
    info = await teams.describe_team_invitation(token)
    assert info.state == "waiting" and info.invited_by == "Casey Convenor" and info.role == "convenor"


def test_the_team_invitation_escapes_names_in_html_and_says_the_role() -> None:
    hostile = '<script>alert("x")</script> Homes'
    message = compose.team_invitation(
        Settings(base_url="https://bids.example.org"),
        inviter_name="Robin",
        team_kind="organisation",
        team_name=hostile,
        role="editor",
        url="https://bids.example.org/team-invitations/tok",
        expires_at=datetime(2026, 12, 18, 15, 30, tzinfo=UTC),
    )
    assert message.subject == f"Robin invites you to join {hostile} as an editor"
    assert "<script>" not in message.html and "&lt;script&gt;" in message.html
    assert hostile in message.text and "Can change the organisation's details" in message.text
    assert "Friday 18 December 2026 at 15:30 GMT" in message.text
    assert message.html.lstrip().startswith("<!DOCTYPE html>")
