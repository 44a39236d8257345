"""Every check-then-insert in the services, raced: many identical requests at once through the HTTP app (or the
service), on SQLite and on PostgreSQL. Each race leaves exactly one row, answers the others with a refusal a person
can act on (409, or the answer a second try would get one at a time), and never 500.

On SQLite write transactions already run one at a time (IMMEDIATE); on PostgreSQL these races are real: before the
row locks and unique indexes, one organisation got two memberships of one bid, concurrent accepts of one link
answered 500, and three documents made at once were all version 1."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections import Counter
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
import httpx
import pytest
from litestar import Litestar, get
from litestar.params import FromPath

from consortium.accounts.tables import User
from consortium.bids.tables import BidMember, Invitation
from consortium.documents.tables import Document
from consortium.errors import SAME_CHANGE_AT_ONCE, Conflict
from consortium.networks.services import create_network
from consortium.networks.tables import Network
from consortium.organisations.tables import Coverage, Organisation
from consortium.reference.districts import districts
from consortium.settings import Settings
from tests.factories import PASSWORD, Client, convenor, invitation_token, join, open_bid, organisation

RACERS = 8
IDENTIFIER = "GB-CHC-1234567"


@pytest.fixture
async def fresh_clients(client: Client, app: Litestar) -> AsyncIterator[Callable[[], httpx.AsyncClient]]:
    """Clients with cookie jars of their own, for anonymous racers (one shared jar would sign the later ones in
    with the first one's session)."""
    made: list[httpx.AsyncClient] = []

    def new() -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        made.append(httpx.AsyncClient(transport=transport, base_url="http://testserver.local"))
        return made[-1]

    yield new
    for each in made:
        await each.aclose()


def statuses(responses: list[httpx.Response]) -> Counter[int]:
    return Counter(r.status_code for r in responses)


def assert_plain_refusals(responses: list[httpx.Response]) -> None:
    for response in responses:
        assert response.status_code < 500, response.text
        if response.status_code >= 400:
            assert response.json()["message"], response.text


async def test_one_organisation_accepting_many_invitations_to_one_bid_at_once_joins_once(client: Client) -> None:
    network_id, conv = await convenor()
    first = await open_bid(client, conv, network_id)
    organisation_id, member = await join(client, conv, first["id"], organisation("Ashbrook Homes"))
    second = await open_bid(client, conv, network_id, title="Second call")
    tokens = [await invitation_token(client, conv, second["id"], f"ashbrook-{n}@example.org") for n in range(RACERS)]

    responses = await asyncio.gather(
        *(
            client.post(
                f"/api/v1/invitations/{token}/accept", json={"organisation_id": organisation_id}, headers=member
            )
            for token in tokens
        )
    )

    assert statuses(responses) == {201: 1, 409: RACERS - 1}, [r.text for r in responses]
    assert_plain_refusals(responses)
    assert all("already a member" in r.json()["message"] for r in responses if r.status_code == 409)
    rows = await BidMember.select().where((BidMember.bid == second["id"]) & (BidMember.organisation == organisation_id))
    assert len(rows) == 1
    used = await Invitation.count().where((Invitation.bid == second["id"]) & Invitation.accepted_at.is_not_null())
    assert used == 1, "only the winning link is used up; the others still work for someone else"


async def test_many_anonymous_accepts_of_one_link_make_one_account_one_organisation_one_membership(
    client: Client, fresh_clients: Callable[[], httpx.AsyncClient]
) -> None:
    network_id, conv = await convenor()
    bid = await open_bid(client, conv, network_id)
    token = await invitation_token(client, conv, bid["id"], "casey@example.org")
    body = {"name": "Casey", "password": PASSWORD, "organisation": organisation("Calder Valley Homes")}

    responses = await asyncio.gather(
        *(fresh_clients().post(f"/api/v1/invitations/{token}/accept", json=body) for _ in range(RACERS))
    )

    assert statuses(responses) == {201: 1, 410: RACERS - 1}, [r.text for r in responses]
    assert_plain_refusals(responses)
    assert all("already been used" in r.json()["message"] for r in responses if r.status_code == 410)
    assert await User.count().where(User.email == "casey@example.org") == 1
    assert await Organisation.count().where(Organisation.name == "Calder Valley Homes") == 1
    assert await BidMember.count().where(BidMember.bid == bid["id"]) == 1


async def test_many_signed_in_accepts_of_one_link_join_once(client: Client) -> None:
    network_id, conv = await convenor()
    bid = await open_bid(client, conv, network_id)
    other = await open_bid(client, conv, network_id, title="Earlier call")
    organisation_id, member = await join(client, conv, other["id"], organisation("Ashbrook Homes"))
    token = await invitation_token(client, conv, bid["id"], "ashbrook-new@example.org")

    responses = await asyncio.gather(
        *(
            client.post(
                f"/api/v1/invitations/{token}/accept", json={"organisation_id": organisation_id}, headers=member
            )
            for _ in range(RACERS)
        )
    )

    assert statuses(responses) == {201: 1, 410: RACERS - 1}, [r.text for r in responses]
    assert_plain_refusals(responses)
    assert await BidMember.count().where(BidMember.bid == bid["id"]) == 1


async def test_links_to_one_address_in_many_networks_accepted_at_once_make_one_account(
    client: Client, fresh_clients: Callable[[], httpx.AsyncClient]
) -> None:
    """Different networks do not share a lock, so the account's unique email is what refuses the losers: each is
    told an account was just made for the address (409), or, if it came second, to sign in (401), never 500."""
    tokens = []
    for n in range(RACERS // 2):
        network_id, conv = await convenor(f"Race network {n}")
        bid = await open_bid(client, conv, network_id)
        tokens.append(await invitation_token(client, conv, bid["id"], "dana@example.org"))

    responses = await asyncio.gather(
        *(
            fresh_clients().post(
                f"/api/v1/invitations/{token}/accept",
                json={"name": "Dana", "password": PASSWORD, "organisation": organisation(f"Dana Homes {n}")},
            )
            for n, token in enumerate(tokens)
        )
    )

    counted = statuses(responses)
    assert counted[201] == 1 and set(counted) <= {201, 401, 409}, [r.text for r in responses]
    assert_plain_refusals(responses)
    assert all("dana@example.org" in r.json()["message"] for r in responses if r.status_code != 201)
    assert await User.count().where(User.email == "dana@example.org") == 1
    assert await BidMember.count() == 1


async def test_documents_made_at_once_get_one_version_number_each(client: Client, monkeypatch: Any) -> None:
    from consortium.documents import services as documents

    monkeypatch.setattr(documents, "start_render", lambda document_id: None)  # the numbering is what is raced
    network_id, conv = await convenor()
    bid = await open_bid(client, conv, network_id)

    responses = await asyncio.gather(
        *(client.post(f"/api/v1/bids/{bid['id']}/documents", json={}, headers=conv) for _ in range(RACERS))
    )

    assert statuses(responses) == {202: RACERS}, [r.text for r in responses]
    versions = sorted(r.json()["version"] for r in responses)
    assert versions == list(range(1, RACERS + 1))
    stored = await Document.select(Document.version).where(Document.bid == bid["id"])
    assert sorted(r["version"] for r in stored) == versions


async def test_networks_of_one_name_created_at_once_make_one(db: None) -> None:
    async def attempt(n: int) -> Any:
        return await create_network("Northern Homes Network", f"convenor-{n}@example.org", "Casey", PASSWORD)

    results = await asyncio.gather(*(attempt(n) for n in range(RACERS)), return_exceptions=True)

    made = [r for r in results if isinstance(r, tuple)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(made) == 1 and len(refused) == RACERS - 1, results
    assert all(isinstance(r, Conflict) and "already a network called" in r.message for r in refused), refused
    assert await Network.count().where(Network.name == "Northern Homes Network") == 1


async def test_coverage_replaced_at_once_is_one_of_the_lists_not_a_mixture(client: Client) -> None:
    network_id, conv = await convenor()
    bid = await open_bid(client, conv, network_id)
    organisation_id, member = await join(client, conv, bid["id"], organisation("Ashbrook Homes"))
    codes = sorted(districts())
    lists = [codes[n * 10 : n * 10 + 10] for n in range(RACERS)]

    responses = await asyncio.gather(
        *(
            client.put(
                f"/api/v1/organisations/{organisation_id}/coverage",
                json={"districts": [{"district_code": code, "homes": 10} for code in chosen]},
                headers=member,
            )
            for chosen in lists
        )
    )

    assert statuses(responses) == {200: RACERS}, [r.text for r in responses]
    stored = sorted(r["district_code"] for r in await Coverage.select().where(Coverage.organisation == organisation_id))
    assert stored in lists


async def test_approving_and_refusing_one_waiting_member_at_once_does_one_of_them(client: Client) -> None:
    network_id, conv = await convenor()
    bid = await open_bid(client, conv, network_id)
    other = await open_bid(client, conv, network_id, title="Earlier call")
    organisation_id, member = await join(client, conv, other["id"], organisation("Ashbrook Homes"))
    token = await invitation_token(client, conv, bid["id"], "someone-else@example.org")
    accepted = await client.post(
        f"/api/v1/invitations/{token}/accept", json={"organisation_id": organisation_id}, headers=member
    )
    assert accepted.status_code == 201 and accepted.json()["status"] == "pending", accepted.text
    base = f"/api/v1/bids/{bid['id']}/members/{organisation_id}"

    responses = await asyncio.gather(
        *(client.post(f"{base}/{'approve' if n % 2 else 'refuse'}", headers=conv) for n in range(RACERS))
    )

    assert_plain_refusals(responses)
    rows = await BidMember.select(BidMember.status).where(BidMember.bid == bid["id"])
    approvals = [r for n, r in enumerate(responses) if n % 2 and r.status_code == 200]
    refusals = [r for n, r in enumerate(responses) if not n % 2 and r.status_code == 200]
    if rows:  # approved first: every approval answers "joined", every refusal 409
        assert rows == [{"status": "joined"}] and not refusals and len(approvals) == RACERS // 2
    else:  # refused first: one refusal; the rest 404 (nothing waits any more)
        assert len(refusals) == 1 and not approvals
        assert Counter(r.status_code for r in responses) == {200: 1, 404: RACERS - 1}


@get(["/api/v1/test-only/unique-violation/{kind:str}", "/test-only/unique-violation/{kind:str}"])
async def raise_integrity_error(kind: FromPath[str]) -> None:
    if kind == "sqlite":
        raise sqlite3.IntegrityError("UNIQUE constraint failed: bid_member.bid, bid_member.organisation")
    if kind == "postgres":
        raise asyncpg.exceptions.UniqueViolationError('duplicate key value violates unique constraint "x"')
    raise sqlite3.IntegrityError("NOT NULL constraint failed: bid.title")


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
async def test_a_unique_violation_escaping_a_service_is_409_and_logged(settings: Settings, kind: str) -> None:
    from consortium.app import create_app

    app = create_app(settings, extra_handlers=[raise_integrity_error])
    logged: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            logged.append(record)

    handler = Keep()
    logging.getLogger("consortium").addHandler(handler)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver.local") as http:
        api = await http.get(f"/api/v1/test-only/unique-violation/{kind}")
        page = await http.get(f"/test-only/unique-violation/{kind}")
        other = await http.get("/api/v1/test-only/unique-violation/not-null")
    assert api.status_code == 409 and api.json()["message"] == SAME_CHANGE_AT_ONCE
    assert page.status_code == 409 and "text/html" in page.headers["content-type"]
    assert "Someone else made the same change at the same moment" in page.text
    logging.getLogger("consortium").removeHandler(handler)
    assert any("refused a concurrent change" in record.getMessage() for record in logged)
    assert other.status_code == 500  # any other integrity error is our fault, not a race


async def test_two_organisations_with_one_identifier_joining_one_network_at_once_one_joins(
    client: Client, fresh_clients: Callable[[], httpx.AsyncClient]
) -> None:
    """The identifier is unique among a network's members; two bids of one network, two organisations claiming the
    same charity number at the same moment: one joins, the other is told (without a name) the number is taken."""
    network_id, conv = await convenor()
    bids = [await open_bid(client, conv, network_id, title=f"Call {n}") for n in range(RACERS)]
    tokens = [await invitation_token(client, conv, b["id"], f"claimant-{n}@example.org") for n, b in enumerate(bids)]

    responses = await asyncio.gather(
        *(
            fresh_clients().post(
                f"/api/v1/invitations/{token}/accept",
                json={
                    "name": "Claimant",
                    "password": PASSWORD,
                    "organisation": organisation(f"Claimant {n}", org_id=IDENTIFIER),
                },
            )
            for n, token in enumerate(tokens)
        )
    )

    assert statuses(responses) == {201: 1, 409: RACERS - 1}, [r.text for r in responses]
    for refused in (r for r in responses if r.status_code == 409):
        message = refused.json()["message"]
        assert IDENTIFIER in message and "Claimant" not in message, message
    assert await BidMember.count() == 1


async def test_one_address_invited_in_many_batches_at_once_has_one_invitation(client: Client) -> None:
    network_id, conv = await convenor()
    bid = await open_bid(client, conv, network_id)

    responses = await asyncio.gather(
        *(
            client.post(f"/api/v1/bids/{bid['id']}/invitations", json={"emails": ["eve@example.org"]}, headers=conv)
            for _ in range(RACERS)
        )
    )

    assert statuses(responses) == {201: RACERS}, [r.text for r in responses]
    assert await Invitation.count().where(Invitation.email == "eve@example.org") == 1


async def test_a_member_withdrawn_many_times_at_once_is_withdrawn_once(client: Client) -> None:
    from consortium.audit.tables import AuditEvent

    network_id, conv = await convenor()
    bid = await open_bid(client, conv, network_id)
    organisation_id, member = await join(client, conv, bid["id"], organisation("Ashbrook Homes"))

    responses = await asyncio.gather(
        *(
            client.post(f"/api/v1/bids/{bid['id']}/members/{organisation_id}/withdraw", headers=headers)
            for headers in [member, conv] * (RACERS // 2)
        )
    )

    assert statuses(responses) == {200: RACERS}, [r.text for r in responses]
    assert all(r.json()["member"]["status"] == "withdrawn" for r in responses)
    assert await AuditEvent.count().where(AuditEvent.action == "membership.withdraw") == 1


def test_the_command_line_reports_a_concurrent_duplicate_in_words(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An operator creating an account at the moment the web made the same one: a sentence, exit status 1."""
    import io

    from consortium import cli
    from consortium.accounts import services as accounts

    async def lost_the_race(email: str, name: str, password: str) -> int:
        raise asyncpg.exceptions.UniqueViolationError('duplicate key value violates unique constraint "app_user_email"')

    monkeypatch.setattr(accounts, "create_user", lost_the_race)
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    status = cli.main(["create-user", "--email", "eve@example.org", "--name", "Eve", "--password-stdin"])
    assert status == 1
    assert SAME_CHANGE_AT_ONCE in capsys.readouterr().err
