"""Who sees what, in the mail: every message the visibility scenario made Consortium write (invitations, welcomes,
pledge notices, the lock, the document ready to check, reminders and a chase) is read as its recipient would, and
must hold nothing the policy (``consortium.visibility``) keeps from that recipient: a member hears of its own pledges
only, never of another member's, and no one hears of a draft but its own organisation.

The recipients are the scenario's signed-in people (their address from /api/v1/auth/me); a message to an address
that is nobody's account yet (an invitation) is read as a stranger's."""

from __future__ import annotations

from datetime import timedelta

import pytest

from consortium.bids.tables import Bid
from consortium.mail.tables import OutboxMessage
from consortium.networks.tables import NetworkConvenor
from consortium.organisations.tables import OrganisationUser
from consortium.reminders import services as reminders
from consortium.reminders.schedule import send_time
from consortium.settings import Settings
from consortium.visibility import Stage
from tests.factories import Client
from tests.security.test_visibility_matrix import forbidden
from tests.security.visibility_scenario import ROLES, World, build_world

MAIL = "mail"  # not a document route: a message may carry nothing the policy keeps for documents only


async def addresses(client: Client, world: World) -> dict[str, str]:
    """Each recipient's role: the scenario's callers, and the people the team rows act on (spare colleagues of A
    read as A's colleagues in their role, spare convenors as convenors)."""
    found = {}
    colleagues = await OrganisationUser.select(OrganisationUser.user.email, OrganisationUser.role).where(
        OrganisationUser.organisation == world.organisations["a"]
    )
    for row in colleagues:
        found[row["user.email"].lower()] = "colleague_viewer" if row["role"] == "viewer" else "colleague_editor"
    convenors = await NetworkConvenor.select(NetworkConvenor.user.email).where(
        NetworkConvenor.network == world.params["network_id"]
    )
    found.update({row["user.email"].lower(): "convenor" for row in convenors})
    for role in ROLES:
        if world.headers[role]:
            me = await client.get("/api/v1/auth/me", headers=world.headers[role])
            if me.status_code == 200:
                found[me.json()["email"].lower()] = role
    return found


@pytest.mark.parametrize("stage", list(Stage))
async def test_no_message_tells_its_recipient_what_they_may_not_see(
    client: Client, settings: Settings, stage: Stage
) -> None:
    world = await build_world(client, stage)
    if stage is Stage.OPEN:
        # Reminders and a chase too: they describe what each member still has to do.
        bid_id = world.params["bid_id"]
        deadline = (await Bid.select(Bid.deadline).where(Bid.id == bid_id).first())["deadline"]
        await reminders.due_reminders(settings, send_time(deadline, 1) + timedelta(minutes=1))
    roles = await addresses(client, world)
    messages = await OutboxMessage.select(
        OutboxMessage.kind, OutboxMessage.to_address, OutboxMessage.subject, OutboxMessage.text_body
    ).output(load_json=False)
    assert len({m["kind"] for m in messages}) >= 4, "the scenario should make several kinds of message"
    html = await OutboxMessage.select(OutboxMessage.html_body)
    leaks = []
    for message, html_row in zip(messages, html, strict=True):
        role = roles.get(message["to_address"].lower(), "anonymous")
        body = "\n".join((message["subject"], message["text_body"], html_row["html_body"]))
        leaks.extend(
            f"{message['kind']} to {role} holds {planted.label}: {text!r}"
            for planted, text in forbidden(world, role, MAIL)
            if text in body
        )
    assert not leaks, "\n".join(leaks)
