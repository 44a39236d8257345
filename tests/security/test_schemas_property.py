"""Property tests, one per input schema: any mix of plausible and hostile values in any field gets either a
success or a 4xx whose JSON message says what to change -- never a 500 -- and a refusal changes nothing saved.

Hypothesis drives synchronous functions, and the app here runs in pytest-asyncio's loop, so each test first lets
Hypothesis generate its (derandomized) examples into a list and then sends them one by one. That keeps the
example choice reproducible and the run bounded (no shrinking, which needs the request inside the property)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consortium.accounts.tables import ApiToken, User
from consortium.bids.tables import Bid, BidMember, Invitation
from consortium.organisations.tables import Organisation
from consortium.pledges.tables import Pledge
from tests.factories import PASSWORD, Client, convenor, future, join, open_bid, organisation, pledge

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


def either(*choices: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """One of these, each as likely. (``st.one_of`` flattens a nested ``one_of`` into its branches and picks among
    those: HOSTILE's ten kinds would outnumber one plausible value ten to one.)"""
    return st.sampled_from(choices).flatmap(lambda chosen: chosen)


def maybe(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return either(valid, HOSTILE)


def plain(min_size: int = 0, max_size: int = 40) -> st.SearchStrategy[str]:
    """Text a person might type: letters, digits, punctuation, symbols and spaces (HOSTILE brings the rest)."""
    return st.text(st.characters(categories=("L", "N", "P", "S", "Zs")), min_size=min_size, max_size=max_size)


def body(fields: dict[str, st.SearchStrategy[Any]], required: tuple[str, ...] = ()) -> st.SearchStrategy[Any]:
    """A JSON object with the schema's fields: a quarter of the time every field plausible (most of these should
    be accepted), otherwise each field plausible or hostile, optional ones sometimes left out, and now and then a
    field the schema does not have; or, rarely, not an object at all."""
    valid = st.fixed_dictionaries(
        {k: fields[k] for k in required}, optional={k: v for k, v in fields.items() if k not in required}
    )
    optional = {k: maybe(v) for k, v in fields.items() if k not in required}
    optional["not_a_field"] = HOSTILE
    objects = st.fixed_dictionaries({k: maybe(fields[k]) for k in required}, optional=optional)
    return either(valid, objects, objects, HOSTILE)


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


async def hammer(
    client: Client, strategy: st.SearchStrategy[Any], send: Callable[[Any], Any], *, at_least: int = 4
) -> Counter[int]:
    """Send every example and count the answers by status. Each refusal must say what to change and leave
    everything saved as it was; and at least ``at_least`` examples must be accepted (2xx), so that a regression
    which refuses everything (a broken decoder, a guard that always says no) cannot pass as "no 500s"."""
    statuses: Counter[int] = Counter()
    for example in examples_of(strategy):
        before = await saved()
        response = await send(example)
        statuses[response.status_code] += 1
        assert response.status_code < 500, (example, response.status_code, response.text)
        if response.status_code >= 400:
            problem = response.json()
            assert isinstance(problem.get("message"), str) and len(problem["message"]) > 10, (example, problem)
            assert problem["status"] == response.status_code
            assert await saved() == before, (example, response.text)
        client.cookies.clear()
    accepted = sum(n for status, n in statuses.items() if 200 <= status < 300)
    print(f"hammer: {dict(sorted(statuses.items()))}")
    assert accepted >= at_least, f"only {accepted} of {statuses.total()} examples accepted: {dict(statuses)}"
    assert accepted < statuses.total(), f"every example accepted, hostile ones too: {dict(statuses)}"
    return statuses


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


IDENTIFIER = st.sampled_from(["", "GB-CHC-1234567", "GB-COH-01234567"])  # an organisation's, in a register's form
DISTRICT = st.sampled_from(["E08000003", "Manchester", "W06000015", "E09000033"])
AREA = st.fixed_dictionaries(
    {"district_code": maybe(DISTRICT)}, optional={"amount_pence": maybe(st.integers(1, 10**6))}
)
PLEDGE_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "amount_pence": st.integers(1, 10**9),
    "purpose": plain(max_size=50),
    "themes": st.lists(plain(1, 20), max_size=3),
    "areas": st.lists(AREA, max_size=3),
    "board_approved": st.booleans(),
    "conditions": plain(max_size=50),
}
BID_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "title": plain(1),
    "funder_name": plain(1),
    "deadline": st.just(future()),
    "funder_org_id": IDENTIFIER,
    "programme": plain(),
    "match_funder_part": st.integers(1, 100),
    "match_consortium_part": st.integers(1, 100),
    "match_cap_pence": st.integers(0, 10**9),
    "themes": st.lists(plain(1, 20), max_size=3),
}
ORGANISATION_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "name": plain(1),
    "org_type": st.sampled_from(["housing_association", "charity", "other"]),
    "org_id": IDENTIFIER,
    "homes": st.integers(0, 10**6),
    "website": plain(),
    "contact_name": plain(),
    "contact_email": st.emails(),
    "description": plain(max_size=100),
}
# Well-formed rules of each shape (a set of them may still contradict itself, and be refused for it)...
WELL_FORMED_RULE = st.one_of(
    st.fixed_dictionaries(
        {"key": st.sampled_from(["min_pledge", "max_pledge"]), "amount_pence": st.integers(1, 10**9)}
    ),
    st.fixed_dictionaries({"key": st.just("min_members"), "count": st.integers(1, 50)}),
    st.fixed_dictionaries({"key": st.just("max_member_share"), "percent": st.integers(1, 100)}),
    st.fixed_dictionaries(
        {
            "key": st.just("allowed_areas"),
            "area_codes": st.sets(st.sampled_from(["E12000002", "W92000004"]), min_size=1),
        }
    ).map(lambda rule: {**rule, "area_codes": sorted(rule["area_codes"])}),
)
# ... and rules of any key with any mix of parameters.
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
    strategy = body(
        {"rules": either(st.lists(WELL_FORMED_RULE, max_size=4), st.lists(maybe(RULE), max_size=4))}, ("rules",)
    )
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
    email = (await client.get("/api/v1/auth/me", headers=w["member"])).json()["email"]
    # Plausible is the member's own address and password: a wrong one is refused (401), like any hostile value.
    sign_in = body({"email": st.just(email), "password": st.just(PASSWORD)}, ("email", "password"))
    await hammer(client, sign_in, post_json(client, "POST", "/api/v1/auth/sign-in", {}))
    invited = await client.post(
        f"/api/v1/bids/{w['bid_id']}/invitations", json={"emails": ["newcomer@example.org"]}, headers=w["conv"]
    )
    token = invited.json()["invitations"][0]["accept_url"].rsplit("/", 1)[-1]
    accept = body(
        {
            "name": plain(1),
            "password": st.sampled_from([PASSWORD, "a long and unusual passphrase 42"]),
            "organisation": body(ORGANISATION_FIELDS, ("name", "org_type")),
        },
        ("name", "password", "organisation"),
    )
    # A link is used once: the first acceptable example joins, every later one is refused.
    await hammer(client, accept, post_json(client, "POST", f"/api/v1/invitations/{token}/accept", {}), at_least=1)
