"""Building blocks for tests: networks, people, bids and members made through the real services and API."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlparse

import httpx

from consortium.accounts.services import create_api_token
from consortium.networks.services import create_network

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)

Client = httpx.AsyncClient


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def future(days: float = 10) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0).isoformat()


async def convenor(name: str = "Community Homes Network", email: str | None = None) -> tuple[int, dict[str, str]]:
    """A network and its convenor; returns the network id and the convenor's auth headers."""
    n = next(_counter)
    network_id, user_id = await create_network(
        name if n == 1 else f"{name} {n}", email or f"convenor{n}@example.org", "Casey Convenor", PASSWORD
    )
    _, token = await create_api_token(user_id, "tests")
    return network_id, bearer(token)


async def open_bid(client: Client, headers: dict[str, str], network_id: int, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "network_id": network_id,
        "title": "Community Match Fund 2026",
        "funder_name": "Department for Communities",
        "programme": "Community Match Challenge",
        "deadline": future(),
        "match_funder_part": 1,
        "match_consortium_part": 1,
        "rules": [],
    }
    body.update(overrides)
    response = await client.post("/api/v1/bids", json=body, headers=headers)
    assert response.status_code == 201, response.text
    bid = response.json()
    opened = await client.post(f"/api/v1/bids/{bid['id']}/open", headers=headers)
    assert opened.status_code == 200, opened.text
    return dict(opened.json())


def organisation(name: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name, "org_type": "housing_association", "homes": 1000}
    body.update(overrides)
    return body


async def invitation_token(client: Client, convenor_headers: dict[str, str], bid_id: int, email: str) -> str:
    """Invite one address to the bid and return the token from its link (what the invitee would open)."""
    invited = await client.post(
        f"/api/v1/bids/{bid_id}/invitations", json={"emails": [email]}, headers=convenor_headers
    )
    assert invited.status_code == 201, invited.text
    return urlparse(invited.json()["invitations"][0]["accept_url"]).path.rsplit("/", 1)[-1]


async def join(
    client: Client,
    convenor_headers: dict[str, str],
    bid_id: int,
    org: dict[str, Any],
    email: str | None = None,
) -> tuple[int, dict[str, str]]:
    """Invite an address, accept the invitation as a new person with a new organisation, and return the
    organisation id and that person's bearer headers."""
    token = await invitation_token(client, convenor_headers, bid_id, email or f"member{next(_counter)}@example.org")
    accepted = await client.post(
        f"/api/v1/invitations/{token}/accept",
        json={"name": "Morgan Member", "password": PASSWORD, "organisation": org},
    )
    assert accepted.status_code == 201, accepted.text
    client.cookies.clear()
    body = accepted.json()
    _, api_token = await create_api_token(body["user_id"], "tests")
    return int(body["organisation_id"]), bearer(api_token)


async def pledge(
    client: Client, headers: dict[str, str], bid_id: int, amount_pence: int, *, submit: bool = True, **fields: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {"amount_pence": amount_pence, "board_approved": True, "submit": submit}
    body.update(fields)
    response = await client.post(f"/api/v1/bids/{bid_id}/pledges", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def add_colleague(organisation_id: int, role: str, email: str | None = None) -> tuple[int, dict[str, str]]:
    """A new person of the organisation in ``role`` (signatory | editor | viewer), as an accepted invitation leaves
    them; returns their user id and bearer headers."""
    from consortium.accounts.services import create_user
    from consortium.organisations.tables import OrganisationUser

    user_id = await create_user(email or f"colleague{next(_counter)}@example.org", "Robin Colleague", PASSWORD)
    await OrganisationUser.insert(OrganisationUser(organisation=organisation_id, user=user_id, role=role))
    _, token = await create_api_token(user_id, "tests")
    return user_id, bearer(token)


async def add_convenor(network_id: int, email: str | None = None) -> tuple[int, dict[str, str]]:
    """Another convenor of the network, as an accepted invitation leaves them; returns their user id and headers."""
    from consortium.accounts.services import create_user
    from consortium.networks.tables import NetworkConvenor

    user_id = await create_user(email or f"coconvenor{next(_counter)}@example.org", "Sam Convenor", PASSWORD)
    await NetworkConvenor.insert(NetworkConvenor(network=network_id, user=user_id))
    _, token = await create_api_token(user_id, "tests")
    return user_id, bearer(token)
