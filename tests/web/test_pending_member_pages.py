"""The pages for an organisation that joined through a link sent to someone else: it is told it waits for the
convenor, sees nothing of the bid, and the convenor approves or refuses it on the invitations page."""

from __future__ import annotations

from urllib.parse import urlparse

from consortium.audit.tables import AuditEvent
from consortium.mail.tables import OutboxMessage
from tests.factories import Client, future
from tests.web.conftest import ANA, CONVENOR, Scene
from tests.web.helpers import post_form, sign_in, text_of
from tests.web.test_invitation_pages import invite, links_in


async def _ana_uses_hals_link(client: Client, scene: Scene) -> str:
    """Ana (already a member of the scene's bid with Ashbrook Homes) uses a link meant for hal@ to join a second
    bid of the network with a new organisation. Returns the second bid's invitations page."""
    await sign_in(client, CONVENOR)
    second = await client.post(
        "/api/v1/bids",
        json={
            "network_id": scene.network_id,
            "title": "Second call",
            "funder_name": "A funder",
            "deadline": future(),
        },
        headers=scene.convenor_headers,
    )
    assert second.status_code == 201, second.text
    bid_id = second.json()["id"]
    assert (await client.post(f"/api/v1/bids/{bid_id}/open", headers=scene.convenor_headers)).status_code == 200
    made = await invite(client, Scene(**{**scene.__dict__, "bid_id": bid_id}), emails="hal@example.org")
    link = urlparse(links_in(made.text)[0]).path
    await sign_in(client, ANA)
    joined = await post_form(
        client, link, {"choice": "new", "org_name": "Ashbrook Lettings", "org_type": "cooperative"}
    )
    assert joined.status_code == 303 and joined.headers["location"] == "/bids", joined.text[:500]
    waiting = await client.get("/bids")
    words = text_of(waiting.text)
    assert "Waiting for the convenor's approval" in words and "‘Second call’" in words
    assert "was sent to hal@example.org" in words  # the flash
    assert (await client.get(f"/bids/{bid_id}")).status_code == 404
    return f"/bids/{bid_id}/invitations"


async def test_the_convenor_approves_a_waiting_organisation_on_the_invitations_page(
    client: Client, scene: Scene
) -> None:
    page = await _ana_uses_hals_link(client, scene)
    bid_page = page.removesuffix("/invitations")
    await sign_in(client, CONVENOR)
    listed = await client.get(page)
    words = text_of(listed.text)
    assert "Waiting for your approval" in words and f"Joined by {ANA}, not the address invited" in words
    approve_path = next(path for path in _form_actions(listed.text) if path.endswith("/approve"))

    async def welcomes() -> list[dict[str, object]]:
        return await OutboxMessage.select(OutboxMessage.subject, OutboxMessage.text_body).where(
            (OutboxMessage.kind == "welcome") & (OutboxMessage.to_address == ANA)
        )

    before = await welcomes()
    approved = await post_form(client, approve_path, {}, page=page)
    assert approved.status_code == 303
    # The welcome held back while it waited (it was told nothing of the bid) reaches its people now, once.
    held_back = [m for m in await welcomes() if m not in before]
    assert len(held_back) == 1 and "You have joined" in str(held_back[0]["subject"]), held_back
    assert bid_page in str(held_back[0]["text_body"])
    await post_form(client, approve_path, {}, page=page)  # a double click: nothing more to say
    assert len(await welcomes()) == len(before) + 1
    assert "Ashbrook Lettings has joined the bid" in text_of((await client.get(page)).text)
    await sign_in(client, ANA)
    assert (await client.get(bid_page)).status_code == 200
    assert await AuditEvent.count().where(AuditEvent.action == "membership.approve") == 1


async def test_the_convenor_refuses_a_waiting_organisation_on_the_invitations_page(
    client: Client, scene: Scene
) -> None:
    page = await _ana_uses_hals_link(client, scene)
    await sign_in(client, CONVENOR)
    listed = await client.get(page)
    refuse_path = next(path for path in _form_actions(listed.text) if path.endswith("/refuse"))
    refused = await post_form(client, refuse_path, {"confirm": "yes"}, page=page)
    assert refused.status_code == 303
    words = text_of((await client.get(page)).text)
    assert "does not join the bid" in words and "Cancelled" in words
    await sign_in(client, ANA)
    assert "Waiting for the convenor's approval" not in text_of((await client.get("/bids")).text)


def _form_actions(html: str) -> list[str]:
    import re

    return re.findall(r'<form method="post" action="([^"]+)"', html)
