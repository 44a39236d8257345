"""Invitations through the API: addresses checked by email-validator, and a link that no longer works says why."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

import pytest

from consortium.accounts.services import normalise_email
from consortium.accounts.tables import ApiToken, UserSession
from consortium.audit.tables import AuditEvent
from consortium.bids.tables import Invitation
from consortium.errors import BadInput
from consortium.networks.tables import Network
from tests.factories import PASSWORD, Client, bearer, convenor, open_bid, organisation


def token_of(invitation: dict[str, Any]) -> str:
    return urlparse(invitation["accept_url"]).path.rsplit("/", 1)[-1]


async def invite(client: Client, headers: dict[str, str], bid_id: int, *emails: str) -> Any:
    return await client.post(f"/api/v1/bids/{bid_id}/invitations", json={"emails": list(emails)}, headers=headers)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("convenor@example.org", "convenor@example.org"),
        ("  Ana.Smith@Ashbrook.Example.ORG ", "ana.smith@ashbrook.example.org"),
        ("o'neil+bids@housing.org.uk", "o'neil+bids@housing.org.uk"),
    ],
)
def test_addresses_that_are_taken_and_their_normal_form(typed: str, stored: str) -> None:
    assert normalise_email(typed) == stored


@pytest.mark.parametrize(
    "typed",
    ["bob@", "@example.org", "bob", "bob@example", "bob@@example.org", "bob smith@example.org", "bob@exa mple.org",
     "<script>alert(1)</script>@x.org", "Bob <bob@example.org>", "bob@example..org", "bob@localhost", "bob@host.local"],
)  # fmt: skip
def test_addresses_that_are_refused(typed: str) -> None:
    with pytest.raises(BadInput) as refused:
        normalise_email(typed, field="contact_email")
    assert refused.value.message == "Enter an email address like name@example.org."
    assert refused.value.field == "contact_email"


async def test_a_batch_with_bad_addresses_names_each_and_invites_no_one(client: Client) -> None:
    network_id, headers = await convenor()
    bid = await open_bid(client, headers, network_id)
    bad = await invite(client, headers, bid["id"], "good@example.org", "bob@", "<script>alert(1)</script>@x.org")
    assert bad.status_code == 422 and bad.json()["field"] == "emails"
    assert bad.json()["problems"] == [
        "'bob@' is not an email address like name@example.org.",
        "'<script>alert(1)</script>@x.org' is not an email address like name@example.org.",
    ]
    assert await Invitation.count() == 0


async def test_a_replaced_link_stops_working_and_says_only_the_newest_works(client: Client) -> None:
    network_id, headers = await convenor()
    bid = await open_bid(client, headers, network_id)
    first = (await invite(client, headers, bid["id"], "ada@example.org")).json()["invitations"][0]
    again = await client.post(f"/api/v1/bids/{bid['id']}/invitations/{first['id']}/resend", headers=headers)
    assert again.status_code == 200
    assert again.json()["bid"] == (await client.get(f"/api/v1/bids/{bid['id']}", headers=headers)).json()
    [renewed] = again.json()["invitations"]
    old = await client.get(f"/api/v1/invitations/{token_of(first)}")
    assert old.status_code == 404
    assert "If the convenor made a new link for you, only the newest one works" in old.json()["message"]
    # inviting the same address again replaces the link too
    third = (await invite(client, headers, bid["id"], "ada@example.org")).json()["invitations"][0]
    assert (await client.get(f"/api/v1/invitations/{token_of(renewed)}")).status_code == 404
    assert (await client.get(f"/api/v1/invitations/{token_of(third)}")).status_code == 200
    accept = {"name": "Ada", "password": PASSWORD, "organisation": organisation("Ada Homes")}
    refused = await client.post(f"/api/v1/invitations/{token_of(first)}/accept", json=accept)
    assert refused.status_code == 404
    assert (await client.post(f"/api/v1/invitations/{token_of(third)}/accept", json=accept)).status_code == 201
    client.cookies.clear()
    used = await client.get(f"/api/v1/invitations/{token_of(third)}")
    assert used.status_code == 410 and "already been used" in used.json()["message"]
    events = await AuditEvent.count().where(
        (AuditEvent.action == "invitation.new_link") & (AuditEvent.entity_id == first["id"])
    )
    assert events == 2  # each new link is in the audit trail


async def test_an_expired_link_gives_the_date_and_who_to_ask(client: Client) -> None:
    network_id, headers = await convenor()
    network = await Network.select(Network.name).where(Network.id == network_id).first()
    assert network is not None
    bid = await open_bid(client, headers, network_id)
    made = (await invite(client, headers, bid["id"], "ada@example.org")).json()["invitations"][0]
    await Invitation.update({Invitation.expires_at: datetime(2026, 3, 2, 9, 30, tzinfo=UTC)}).where(
        Invitation.id == made["id"]
    )
    expired = await client.get(f"/api/v1/invitations/{token_of(made)}")
    assert expired.status_code == 410
    message = expired.json()["message"]
    assert message.startswith("This invitation expired on ") and "2 March 2026" in message
    assert f"Ask {network['name']} for a new link." in message


async def test_no_new_link_for_a_used_invitation(client: Client) -> None:
    network_id, headers = await convenor()
    bid = await open_bid(client, headers, network_id)
    made = (await invite(client, headers, bid["id"], "ada@example.org")).json()["invitations"][0]
    accept = {"name": "Ada", "password": PASSWORD, "organisation": organisation("Ada Homes")}
    assert (await client.post(f"/api/v1/invitations/{token_of(made)}/accept", json=accept)).status_code == 201
    client.cookies.clear()
    refused = await client.post(f"/api/v1/bids/{bid['id']}/invitations/{made['id']}/resend", headers=headers)
    assert refused.status_code == 409 and "already been used" in refused.json()["message"]
    used = await client.get(f"/api/v1/invitations/{token_of(made)}")
    assert used.status_code == 410 and used.json()["message"].startswith("This invitation has already been used")


async def test_accepting_answers_what_the_next_writes_need_without_signing_in_again(client: Client) -> None:
    """A script accepts as a new person and goes straight on: with the session the answer set (and its csrf_token),
    it changes its organisation and pledges; with the API token it asked for, it pledges again. No sign-in, so no
    second password check."""
    network_id, headers = await convenor()
    bid = await open_bid(client, headers, network_id)
    made = (await invite(client, headers, bid["id"], "ada@example.org")).json()["invitations"][0]
    accept = {"name": "Ada", "password": PASSWORD, "organisation": organisation("Ada Homes"), "api_token": True}
    answer = await client.post(f"/api/v1/invitations/{token_of(made)}/accept", json=accept)
    assert answer.status_code == 201, answer.text
    joined = answer.json()
    org_id, user_id = joined["organisation_id"], joined["user_id"]
    assert joined["bid_id"] == bid["id"] and joined["status"] == "joined"
    assert joined["bid"]["id"] == bid["id"] and joined["bid"]["your_role"] == "member"
    assert joined["csrf_token"] and client.cookies.get("consortium_session")
    assert joined["api_token"]["token"].startswith("cst_") and joined["api_token"]["expires_at"]

    # The session the answer set, with its CSRF token: a profile change and a pledge.
    session = {"X-CSRF-Token": joined["csrf_token"]}
    renamed = await client.patch(f"/api/v1/organisations/{org_id}", json={"homes": 2_500}, headers=session)
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["homes"] == 2_500
    pledged = await client.post(
        f"/api/v1/bids/{bid['id']}/pledges", json={"amount_pence": 10_000_00, "submit": True}, headers=session
    )
    assert pledged.status_code == 201, pledged.text
    assert pledged.json()["organisation_id"] == org_id
    assert joined["bid"] == (await client.get(f"/api/v1/bids/{bid['id']}", headers=session)).json()

    # The API token, with no cookie at all.
    client.cookies.clear()
    by_token = await client.post(
        f"/api/v1/bids/{bid['id']}/pledges",
        json={"amount_pence": 5_000_00},
        headers=bearer(joined["api_token"]["token"]),
    )
    assert by_token.status_code == 201, by_token.text
    assert await UserSession.count().where(UserSession.user == user_id) == 1  # the one the answer started
    tokens = await ApiToken.select(ApiToken.name).where(ApiToken.user == user_id)
    assert [t["name"] for t in tokens] == [joined["api_token"]["name"]]

    # Asked for nothing more, a second person gets the session alone (no token made unasked).
    other = (await invite(client, headers, bid["id"], "bo@example.org")).json()["invitations"][0]
    plain = {"name": "Bo", "password": PASSWORD, "organisation": organisation("Bo Homes")}
    second = await client.post(f"/api/v1/invitations/{token_of(other)}/accept", json=plain)
    assert second.status_code == 201 and second.json()["api_token"] is None and second.json()["csrf_token"]
    client.cookies.clear()


async def test_every_problem_with_an_acceptance_is_answered_at_once_and_nothing_is_made(client: Client) -> None:
    """The person's name and password and each of the new organisation's fields, in one 422 with ``fields``; no
    account or organisation is made, and the link still works."""
    network_id, headers = await convenor()
    bid = await open_bid(client, headers, network_id)
    token = token_of((await invite(client, headers, bid["id"], "ada@example.org")).json()["invitations"][0])
    body = {
        "name": "  ",
        "password": "qwertyuiopasdfgh",
        "organisation": organisation(
            " ", org_id="GB-CHC-12", website="javascript:alert(1)", contact_email="not an address"
        ),
    }
    refused = await client.post(f"/api/v1/invitations/{token}/accept", json=body)
    assert refused.status_code == 422, refused.text
    fields = refused.json()["fields"]
    assert set(fields) == {"name", "password", "organisation"}
    assert fields["name"] == ["Enter your name."]
    assert fields["password"][0].startswith("That password is too easy to guess.")
    said = " ".join(fields["organisation"])
    assert len(fields["organisation"]) == 4
    for words in ("Enter the organisation's name.", "6 to 8 digits", "Enter the website address", "email address"):
        assert words in said
    assert await Invitation.count().where(Invitation.accepted_at.is_not_null()) == 0
    assert (await client.get(f"/api/v1/invitations/{token}")).status_code == 200
    kept = {**body, "name": "Ada", "password": PASSWORD, "organisation": organisation("Ada Homes")}
    assert (await client.post(f"/api/v1/invitations/{token}/accept", json=kept)).status_code == 201
