"""Property tests, one per input schema: any mix of plausible and hostile values in any field gets either a
success or a 4xx whose JSON message says what to change -- never a 500 -- and a refusal changes nothing saved.

Hypothesis drives synchronous functions, and the app here runs in pytest-asyncio's loop, so each test first lets
Hypothesis generate its (derandomized) examples into a list and then sends them one by one. That keeps the
example choice reproducible and the run bounded (no shrinking, which needs the request inside the property)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consortium.accounts.tables import ApiToken, User
from consortium.bids.tables import Bid, BidMember, Invitation
from consortium.organisations.tables import Organisation
from consortium.pledges.tables import Pledge
from tests.factories import Client, convenor, future, join, open_bid, organisation, pledge

EXAMPLES = 40

CONTROL_TEXT = st.text(alphabet=st.sampled_from(["\x00", "\x01", "\x1b", "\x7f", "\u202e", "a", "é", "ش", " "]))
HOSTILE = st.one_of(
    st.integers(min_value=-(2**80), max_value=2**80),
    st.sampled_from([0, -1, 2**63, 2**64 + 1, 10**30]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=400),
    CONTROL_TEXT,
    st.sampled_from(["", "x" * 301, "<script>alert(1)</script>", "=1+1", "2001-01-01T00:00:00+00:00", "Z99999999"]),
    st.none(),
    st.booleans(),
    st.lists(st.one_of(st.integers(), st.text(max_size=10)), max_size=3),
    st.dictionaries(st.text(max_size=8), st.integers(), max_size=2),
)


def maybe(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(valid, HOSTILE)


def body(fields: dict[str, st.SearchStrategy[Any]], required: tuple[str, ...] = ()) -> st.SearchStrategy[Any]:
    """A JSON object with the schema's fields, each plausible or hostile, optional ones sometimes left out, and
    now and then a field the schema does not have; or, rarely, not an object at all."""
    optional = {k: maybe(v) for k, v in fields.items() if k not in required}
    optional["not_a_field"] = HOSTILE
    objects = st.fixed_dictionaries({k: maybe(fields[k]) for k in required}, optional=optional)
    return st.one_of(objects, objects, objects, HOSTILE)


def examples_of(strategy: st.SearchStrategy[Any]) -> list[Any]:
    found: list[Any] = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(value: Any) -> None:
        found.append(value)

    collect()
    return found


def json_safe(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(json_safe(v) for v in value)
    if isinstance(value, dict):
        return all(json_safe(v) for v in value.values())
    return True


async def saved() -> list[Any]:
    return [
        await Bid.select().order_by(Bid.id),
        await BidMember.select().order_by(BidMember.id),
        await Invitation.select().order_by(Invitation.id),
        await Pledge.select().order_by(Pledge.id),
        await Organisation.select().order_by(Organisation.id),
        await User.select(User.id, User.email, User.name).order_by(User.id),
        await ApiToken.select(ApiToken.id, ApiToken.name).order_by(ApiToken.id),
    ]


async def hammer(client: Client, strategy: st.SearchStrategy[Any], send: Callable[[Any], Any]) -> int:
    """Send every example; return how many were accepted."""
    accepted = 0
    for example in examples_of(strategy):
        before = await saved()
        response = await send(example)
        assert response.status_code < 500, (example, response.status_code, response.text)
        if response.status_code >= 400:
            problem = response.json()
            assert isinstance(problem.get("message"), str) and len(problem["message"]) > 10, (example, problem)
            assert problem["status"] == response.status_code
            assert await saved() == before, (example, response.text)
        else:
            accepted += 1
        client.cookies.clear()
    return accepted


def post_json(client: Client, method: str, url: str, headers: dict[str, str]) -> Callable[[Any], Any]:
    def send(example: Any) -> Any:
        if json_safe(example):
            return client.request(method, url, json=example, headers=headers)
        return client.request(
            method, url, content=repr(example), headers=headers | {"Content-Type": "application/json"}
        )

    return send


async def _world(client: Client) -> dict[str, Any]:
    network_id, conv = await convenor()
    bid = await open_bid(client, conv, network_id)
    org_id, member = await join(client, conv, bid["id"], organisation("Ashbrook Homes"))
    mine = await pledge(client, member, bid["id"], 25_000_00, submit=False)
    return {
        "network_id": network_id,
        "conv": conv,
        "bid_id": bid["id"],
        "org_id": org_id,
        "member": member,
        "pledge": mine,
    }


DISTRICT = st.sampled_from(["E08000003", "Manchester", "W06000015", "E09000033"])
AREA = st.fixed_dictionaries(
    {"district_code": maybe(DISTRICT)}, optional={"amount_pence": maybe(st.integers(1, 10**6))}
)
PLEDGE_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "amount_pence": st.integers(1, 10**9),
    "purpose": st.text(max_size=50),
    "themes": st.lists(st.text(min_size=1, max_size=20), max_size=3),
    "areas": st.lists(AREA, max_size=3),
    "board_approved": st.booleans(),
    "conditions": st.text(max_size=50),
}
BID_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "title": st.text(min_size=1, max_size=40),
    "funder_name": st.text(min_size=1, max_size=40),
    "deadline": st.just(future()),
    "funder_org_id": st.text(max_size=20),
    "programme": st.text(max_size=40),
    "match_funder_part": st.integers(1, 100),
    "match_consortium_part": st.integers(1, 100),
    "match_cap_pence": st.integers(0, 10**9),
    "themes": st.lists(st.text(min_size=1, max_size=20), max_size=3),
}
ORGANISATION_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "name": st.text(min_size=1, max_size=40),
    "org_type": st.sampled_from(["housing_association", "charity", "other"]),
    "org_id": st.text(max_size=20),
    "homes": st.integers(0, 10**6),
    "website": st.text(max_size=40),
    "contact_name": st.text(max_size=40),
    "contact_email": st.emails(),
    "description": st.text(max_size=100),
}
RULE = st.fixed_dictionaries(
    {"key": maybe(st.sampled_from(["min_pledge", "max_pledge", "min_members", "max_member_share", "allowed_areas"]))},
    optional={
        "amount_pence": maybe(st.integers(0, 10**9)),
        "count": maybe(st.integers(0, 50)),
        "percent": maybe(st.integers(1, 100)),
        "area_codes": maybe(st.lists(st.sampled_from(["E12000002", "W92000004"]), max_size=2)),
    },
)


async def test_pledge_create(client: Client) -> None:
    w = await _world(client)
    url = f"/api/v1/bids/{w['bid_id']}/pledges"
    await hammer(
        client,
        body(PLEDGE_FIELDS | {"submit": st.booleans()}, ("amount_pence",)),
        post_json(client, "POST", url, w["member"]),
    )


async def test_pledge_update(client: Client) -> None:
    w = await _world(client)
    url = f"/api/v1/pledges/{w['pledge']['id']}"

    async def send(example: Any) -> Any:
        version = (await client.get(url, headers=w["member"])).json()["version"]
        return await post_json(client, "PATCH", url, w["member"] | {"If-Match": str(version)})(example)

    await hammer(client, body(PLEDGE_FIELDS), send)


async def test_bid_create_and_update(client: Client) -> None:
    w = await _world(client)
    create = body(
        BID_FIELDS | {"network_id": st.just(w["network_id"])}, ("network_id", "title", "funder_name", "deadline")
    )
    await hammer(client, create, post_json(client, "POST", "/api/v1/bids", w["conv"]))
    await hammer(client, body(BID_FIELDS), post_json(client, "PATCH", f"/api/v1/bids/{w['bid_id']}", w["conv"]))


async def test_rules_replace(client: Client) -> None:
    w = await _world(client)
    strategy = body({"rules": st.lists(maybe(RULE), max_size=4)}, ("rules",))
    await hammer(client, strategy, post_json(client, "PUT", f"/api/v1/bids/{w['bid_id']}/rules", w["conv"]))


async def test_organisation_update_and_coverage(client: Client) -> None:
    w = await _world(client)
    url = f"/api/v1/organisations/{w['org_id']}"
    await hammer(client, body(ORGANISATION_FIELDS), post_json(client, "PATCH", url, w["member"]))
    row = st.fixed_dictionaries({"district_code": maybe(DISTRICT)}, optional={"homes": maybe(st.integers(0, 10**5))})
    coverage = body({"districts": st.lists(maybe(row), max_size=4)}, ("districts",))
    await hammer(client, coverage, post_json(client, "PUT", f"{url}/coverage", w["member"]))


async def test_invitations_and_tokens(client: Client) -> None:
    w = await _world(client)
    invite = body({"emails": st.lists(st.emails(), min_size=1, max_size=3)}, ("emails",))
    await hammer(client, invite, post_json(client, "POST", f"/api/v1/bids/{w['bid_id']}/invitations", w["conv"]))
    await hammer(
        client, body({"name": st.text(max_size=40)}), post_json(client, "POST", "/api/v1/auth/tokens", w["member"])
    )


async def test_sign_in_and_accept_invitation(client: Client) -> None:
    w = await _world(client)
    sign_in = body({"email": st.emails(), "password": st.text(max_size=40)}, ("email", "password"))
    await hammer(client, sign_in, post_json(client, "POST", "/api/v1/auth/sign-in", {}))
    invited = await client.post(
        f"/api/v1/bids/{w['bid_id']}/invitations", json={"emails": ["newcomer@example.org"]}, headers=w["conv"]
    )
    token = invited.json()[0]["accept_url"].rsplit("/", 1)[-1]
    accept = body(
        {
            "name": st.text(max_size=40),
            "password": st.text(max_size=40),
            "organisation": body(ORGANISATION_FIELDS, ("name", "org_type")),
            "organisation_id": st.integers(-5, 5),
        }
    )
    await hammer(client, accept, post_json(client, "POST", f"/api/v1/invitations/{token}/accept", {}))
