"""Starting a network: the services behind the sign-up pages, the API and the command line, on a real database."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest

from consortium.accounts import services as accounts
from consortium.accounts.tables import ApiToken, SignInAttempt, User
from consortium.audit.tables import AuditEvent
from consortium.errors import BadInput, Conflict, NotFound, TooManyAttempts
from consortium.networks import services
from consortium.networks.tables import Network, NetworkConvenor
from consortium.settings import Settings
from consortium.validation import Invalid
from tests.factories import PASSWORD

SIGN_UP: dict[str, Any] = {
    "name": "Sam Starter",
    "email": "sam@example.org",
    "password": PASSWORD,
    "network_name": "Fenland Homes Network",
}


async def counts() -> tuple[int, int, int]:
    return await User.count(), await Network.count(), await NetworkConvenor.count()


async def test_a_signed_in_person_starts_a_network_and_is_its_first_convenor(db: None) -> None:
    _, user_id = await services.create_network("Existing Network", "jo@example.org", "Jo", PASSWORD)
    jo = await accounts.load_principal(user_id)
    network_id = await services.start_network(jo, "  Second Network  ")
    row = await Network.select(Network.name).where(Network.id == network_id).first()
    assert row == {"name": "Second Network"}
    convenor = await NetworkConvenor.select().where(NetworkConvenor.network == network_id).first()
    assert convenor is not None and convenor["user"] == user_id and convenor["added_by"] == user_id
    assert (await accounts.load_principal(user_id)).convenes(network_id)
    event = await AuditEvent.select().where(AuditEvent.entity_id == network_id).output(load_json=True).first()
    assert event is not None
    assert (event["action"], event["entity_type"], event["actor"]) == ("network.create", "network", user_id)
    assert event["after"]["name"] == "Second Network" and event["after"]["convenor_id"] == user_id


async def test_a_network_name_already_taken_is_refused_and_nothing_is_made(db: None) -> None:
    _, user_id = await services.create_network("Taken Network", "jo@example.org", "Jo", PASSWORD)
    jo = await accounts.load_principal(user_id)
    before = await counts()
    with pytest.raises(Conflict) as refused:
        await services.start_network(jo, "Taken Network")
    assert refused.value.status_code == 409
    assert "There is already a network called ‘Taken Network’" in refused.value.message
    with pytest.raises(BadInput) as blank:
        await services.start_network(jo, "   ")
    assert blank.value.field == "name" and blank.value.message == "Enter the network's name."
    with pytest.raises(BadInput) as long:
        await services.start_network(jo, "x" * 301)
    assert long.value.field == "name"
    assert (
        long.value.message
        == "The network's name must be at most 300 characters long; it has 301. Shorten it and send again."
    )
    assert await counts() == before


async def test_two_people_starting_the_same_network_at_once_get_one_network(db: None) -> None:
    _, first = await services.create_network("One", "jo@example.org", "Jo", PASSWORD)
    _, second = await services.create_network("Two", "kim@example.org", "Kim", PASSWORD)
    people = [await accounts.load_principal(first), await accounts.load_principal(second)]
    results = await asyncio.gather(
        *(services.start_network(person, "Race Network") for person in people), return_exceptions=True
    )
    made = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(made) == 1 and len(refused) == 1, results
    assert isinstance(refused[0], Conflict) and "already a network called" in refused[0].message
    assert await Network.count().where(Network.name == "Race Network") == 1
    assert await NetworkConvenor.count().where(NetworkConvenor.network == made[0]) == 1


async def test_the_command_line_still_makes_networks_with_the_same_checks(db: None) -> None:
    network_id, user_id = await services.create_network(" CLI Network ", "jo@example.org", "Jo", PASSWORD)
    assert (await Network.select(Network.name).where(Network.id == network_id).first()) == {"name": "CLI Network"}
    event = await AuditEvent.select().where(AuditEvent.action == "network.create").first()
    assert event is not None and event["actor"] is None and event["actor_label"] == "system"
    # An existing account is reused as the convenor of another network.
    again, same_user = await services.create_network("Other", "jo@example.org", "Jo", "")
    assert same_user == user_id and again != network_id
    with pytest.raises(Conflict, match="There is already a network called ‘CLI Network’"):
        await services.create_network("CLI Network", "kim@example.org", "Kim", PASSWORD)
    with pytest.raises(BadInput, match="Enter the network's name"):
        await services.create_network(" ", "kim@example.org", "Kim", PASSWORD)
    assert await User.count() == 1


async def test_sign_up_makes_the_account_and_its_network_together(db: None, settings: Settings) -> None:
    user_id, network_id = await services.sign_up_with_network(settings, **{**SIGN_UP, "email": " Sam@Example.org "})
    person = await accounts.load_principal(user_id)
    assert person.email == "sam@example.org" and person.name == "Sam Starter"
    assert person.convenor_network_ids == frozenset({network_id})
    assert await accounts.authenticate(settings, "sam@example.org", PASSWORD, "127.0.0.9") == user_id
    actions = [r["action"] for r in await AuditEvent.select(AuditEvent.action).order_by(AuditEvent.id)]
    assert actions == ["account.sign_up", "network.create"]
    convenor = await NetworkConvenor.select().where(NetworkConvenor.network == network_id).first()
    assert convenor is not None and convenor["added_by"] == user_id


async def test_sign_up_for_an_address_with_an_account_changes_nothing_and_says_only_that(
    db: None, settings: Settings
) -> None:
    _, user_id = await services.create_network("Existing Network", "sam@example.org", "Sam Original", PASSWORD)
    account = await User.select().where(User.id == user_id).first()
    before = await counts()
    for email in ["sam@example.org", "SAM@example.org "]:
        with pytest.raises(Conflict) as refused:
            await services.sign_up_with_network(
                settings, **{**SIGN_UP, "email": email, "password": "a different long passphrase here"}
            )
        assert refused.value.message == (
            "There is already an account for that email address. Sign in, then start your network from your "
            "account page."
        )
        assert refused.value.field == "email"
    assert await counts() == before
    assert await User.select().where(User.id == user_id).first() == account  # name and password untouched
    assert await ApiToken.count() == 0


async def test_sign_up_with_a_network_name_taken_makes_no_account(db: None, settings: Settings) -> None:
    await services.create_network("Fenland Homes Network", "jo@example.org", "Jo", PASSWORD)
    before = await counts()
    with pytest.raises(Conflict) as refused:
        await services.sign_up_with_network(settings, **SIGN_UP)
    assert refused.value.field == "network_name"
    assert "There is already a network called ‘Fenland Homes Network’" in refused.value.message
    assert await counts() == before
    assert await accounts.user_id_by_email("sam@example.org") is None


async def test_sign_up_reports_every_problem_at_once(db: None, settings: Settings) -> None:
    with pytest.raises(Invalid) as refused:
        await services.sign_up_with_network(
            settings, name=" ", email="not an address", password="password123", network_name=""
        )
    fields = refused.value.extra["fields"]
    assert set(fields) == {"name", "email", "password", "network_name"}, fields
    assert fields["name"] == ["Enter your name."]
    assert fields["email"] == ["Enter an email address like name@example.org."]
    assert "too easy to guess" in fields["password"][0]
    assert refused.value.status_code == 422
    with pytest.raises(Invalid) as personal:
        await services.sign_up_with_network(settings, **{**SIGN_UP, "password": "samstarter2026"})
    assert list(personal.value.extra["fields"]) == ["password"]
    with pytest.raises(Invalid) as long:
        await services.sign_up_with_network(settings, **{**SIGN_UP, "name": "x" * 301})
    assert long.value.extra["fields"] == {
        "name": ["Your name must be at most 300 characters long; it has 301. Shorten it and send again."]
    }
    with pytest.raises(Invalid) as control:
        await services.sign_up_with_network(settings, **{**SIGN_UP, "network_name": "Bad\x00Name"})
    assert list(control.value.extra["fields"]) == ["network_name"]
    assert await counts() == (0, 0, 0)


async def test_sign_up_is_refused_when_the_operator_turned_it_off(db: None, settings: Settings) -> None:
    closed = dataclasses.replace(settings, open_signup=False)
    with pytest.raises(NotFound, match="turned off"):
        await services.sign_up_with_network(closed, **SIGN_UP)
    assert await counts() == (0, 0, 0)


async def test_sign_ups_probing_for_accounts_are_limited_per_address(db: None, settings: Settings) -> None:
    limited = dataclasses.replace(settings, sign_in_attempts=3)
    await services.create_network("Existing", "sam@example.org", "Sam", PASSWORD)
    for _ in range(3):
        with pytest.raises(Conflict):
            await services.sign_up_with_network(limited, **SIGN_UP, address="203.0.113.7")
    with pytest.raises(TooManyAttempts, match="Try again in 15 minutes"):
        await services.sign_up_with_network(limited, **{**SIGN_UP, "email": "new@example.org"}, address="203.0.113.7")
    # Another address is not held up, and no account's own sign-in limit was used up.
    user_id, _ = await services.sign_up_with_network(
        limited, **{**SIGN_UP, "email": "new@example.org"}, address="198.51.100.1"
    )
    assert user_id
    assert await SignInAttempt.count().where(SignInAttempt.email == "sam@example.org") == 0
