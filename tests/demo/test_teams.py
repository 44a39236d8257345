"""The loaded demo network has teams to show (`make run`): two convenors, and Ashbrook Homes with a colleague in
every role, each of whom can do what the role allows and no more."""

from __future__ import annotations

from typing import Any

from consortium.accounts.services import create_api_token, user_id_by_email
from consortium.demo.loader import load_demo
from consortium.networks.tables import NetworkConvenor
from consortium.organisations.tables import Organisation, OrganisationUser
from consortium.pledges.tables import Pledge
from consortium.settings import Settings
from tests.factories import Client, bearer


async def headers_of(email: str) -> dict[str, str]:
    user_id = await user_id_by_email(email)
    assert user_id is not None, email
    _, token = await create_api_token(user_id, "tests")
    return bearer(token)


async def test_the_demo_has_two_convenors_and_a_team_in_every_role(client: Client, settings: Settings) -> None:
    loaded = await load_demo(settings)
    assert loaded is not None
    convenors = await NetworkConvenor.select(NetworkConvenor.user.email, NetworkConvenor.added_by).order_by(
        NetworkConvenor.id
    )
    first = await user_id_by_email("convenor@example.org")
    assert [(c["user.email"], c["added_by"]) for c in convenors] == [
        ("convenor@example.org", None),
        ("co-convenor@example.org", first),
    ]
    ashbrook = await Organisation.select(Organisation.id).where(Organisation.name == "Ashbrook Homes").first()
    assert ashbrook is not None
    people = await OrganisationUser.select(OrganisationUser.user.email, OrganisationUser.role).where(
        OrganisationUser.organisation == ashbrook["id"]
    )
    assert {(p["user.email"], p["role"]) for p in people} == {
        ("ashbrook@example.org", "signatory"),
        ("ashbrook-editor@example.org", "editor"),
        ("ashbrook-viewer@example.org", "viewer"),
    }
    # Both convenors see the bid as its convenors.
    for email in ["convenor@example.org", "co-convenor@example.org"]:
        bid = await client.get(f"/api/v1/bids/{loaded.bid_id}", headers=await headers_of(email))
        assert bid.status_code == 200 and bid.json()["your_role"] == "convenor", email


async def test_the_demo_viewer_cannot_change_the_pledge_and_the_editor_can(client: Client, settings: Settings) -> None:
    loaded = await load_demo(settings)
    assert loaded is not None
    ashbrook = await Organisation.select(Organisation.id).where(Organisation.name == "Ashbrook Homes").first()
    assert ashbrook is not None
    row = await Pledge.select(Pledge.id, Pledge.amount_pence).where(Pledge.organisation == ashbrook["id"]).first()
    assert row is not None
    path = f"/api/v1/pledges/{row['id']}"

    async def change(email: str, body: dict[str, Any]) -> Any:
        headers = await headers_of(email)
        read = await client.get(path, headers=headers)
        assert read.status_code == 200, (email, read.text)  # every role reads it
        return await client.patch(path, json=body, headers={**headers, "If-Match": read.headers["etag"]})

    viewer = await change("ashbrook-viewer@example.org", {"amount_pence": row["amount_pence"] + 100_000})
    assert viewer.status_code == 403, viewer.text
    assert "You can read this organisation's details but not change them" in viewer.json()["message"]
    unchanged = await Pledge.select(Pledge.amount_pence).where(Pledge.id == row["id"]).first()
    assert unchanged == {"amount_pence": row["amount_pence"]}
    editor = await change("ashbrook-editor@example.org", {"amount_pence": row["amount_pence"] + 100_000})
    assert editor.status_code == 200, editor.text
    assert editor.json()["amount_pence"] == row["amount_pence"] + 100_000
