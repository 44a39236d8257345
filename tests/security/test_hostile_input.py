"""Hostile and malformed input: every refusal is a 4xx whose message says what to change, never a 500, and nothing
already saved changes."""

from __future__ import annotations

from typing import Any

import pytest

from consortium.bids.tables import Bid
from consortium.organisations.tables import Organisation
from consortium.pledges.tables import Pledge
from tests.factories import Client, convenor, future, join, open_bid, organisation, pledge


async def table_contents() -> dict[str, list[dict[str, Any]]]:
    """Everything a refused request could have touched, row by row."""
    return {
        "bids": await Bid.select().order_by(Bid.id),
        "pledges": await Pledge.select().order_by(Pledge.id),
        "organisations": await Organisation.select().order_by(Organisation.id),
    }


def assert_refused(response: Any, *, words: tuple[str, ...] = ()) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    body = response.json()
    assert body["status"] == response.status_code
    message = body["message"]
    assert isinstance(message, str) and len(message) > 15, body
    assert "Traceback" not in response.text and "msgspec" not in message
    for word in words:
        assert word.lower() in message.lower(), (word, message)


@pytest.fixture
async def world(client: Client) -> dict[str, Any]:
    network_id, conv = await convenor()
    bid = await open_bid(client, conv, network_id)
    org_id, member = await join(client, conv, bid["id"], organisation("Ashbrook Homes"))
    mine = await pledge(client, member, bid["id"], 25_000_00, submit=False)
    return {"network_id": network_id, "conv": conv, "bid": bid, "org_id": org_id, "member": member, "pledge": mine}


AMOUNTS = [
    (-1, "amount_pence"),
    (0, "amount_pence"),
    (12.5, "amount_pence"),
    (2**63, "amount_pence"),
    (2**64 + 1, "amount_pence"),
    (10**40, "amount_pence"),
    (-(10**40), "amount_pence"),
    ("a thousand", "amount_pence"),
    (None, "amount_pence"),
    (True, "amount_pence"),
]


@pytest.mark.parametrize(("amount", "field"), AMOUNTS)
async def test_bad_pledge_amounts_are_refused_and_change_nothing(
    client: Client, world: dict[str, Any], amount: Any, field: str
) -> None:
    before = await table_contents()
    response = await client.post(
        f"/api/v1/bids/{world['bid']['id']}/pledges", json={"amount_pence": amount}, headers=world["member"]
    )
    assert_refused(response, words=(field,))
    url = f"/api/v1/pledges/{world['pledge']['id']}"
    changed = await client.patch(url, json={"amount_pence": amount}, headers=world["member"] | {"If-Match": "1"})
    assert_refused(changed, words=(field,))
    assert await table_contents() == before


async def test_huge_numbers_in_raw_json_are_refused(client: Client, world: dict[str, Any]) -> None:
    """Bigger than any 64-bit integer, written straight into the JSON text (not via Python's encoder)."""
    before = await table_contents()
    for raw in (
        '{"amount_pence": 99999999999999999999999999999999}',
        '{"amount_pence": 1e400}',
        '{"amount_pence": NaN}',
    ):
        response = await client.post(
            f"/api/v1/bids/{world['bid']['id']}/pledges",
            content=raw,
            headers=world["member"] | {"Content-Type": "application/json"},
        )
        assert_refused(response)
    assert await table_contents() == before


async def test_unknown_district_codes_are_named(client: Client, world: dict[str, Any]) -> None:
    before = await table_contents()
    response = await client.post(
        f"/api/v1/bids/{world['bid']['id']}/pledges",
        json={"amount_pence": 100, "areas": [{"district_code": "Z99999999"}]},
        headers=world["member"],
    )
    assert_refused(response, words=("Z99999999",))
    coverage = await client.put(
        f"/api/v1/organisations/{world['org_id']}/coverage",
        json={"districts": [{"district_code": "Atlantis"}]},
        headers=world["member"],
    )
    assert_refused(coverage, words=("Atlantis",))
    missing = await client.get("/api/v1/reference/districts/NOPE", headers=world["member"])
    assert_refused(missing)
    assert await table_contents() == before


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/bids/abc",
        "/api/v1/bids/-1",
        "/api/v1/bids/0",
        "/api/v1/bids/1.5",
        "/api/v1/bids/99999999999999999999999999",
        "/api/v1/bids/9223372036854775808",
        "/api/v1/bids/2147483648",  # one past PostgreSQL's integer: an id no row can have, not a database error
        "/api/v1/bids/1099511627776",
        "/api/v1/organisations/2147483648",
        "/api/v1/team-invitations/2147483648",
        "/api/v1/pledges/18446744073709551617",
        "/api/v1/organisations/99999999999999999999",
        "/api/v1/documents/99999999999999999999999/pdf",
        "/api/v1/shared/..%2F..%2Fetc%2Fpasswd",
        "/api/v1/invitations/%00",
        "/api/v1/reference/districts/%00",
    ],
)
async def test_malformed_identifiers_are_not_found_or_refused(client: Client, world: dict[str, Any], path: str) -> None:
    response = await client.get(path, headers=world["conv"])
    assert_refused(response)


async def test_huge_ids_in_bodies_are_refused(client: Client, world: dict[str, Any]) -> None:
    before = await table_contents()
    for network_id in (2**31, 2**40, 2**63, 10**30, -1):
        response = await client.post(
            "/api/v1/bids",
            json={"network_id": network_id, "title": "T", "funder_name": "F", "deadline": future()},
            headers=world["conv"],
        )
        assert_refused(response)
    joined = await client.post(
        f"/api/v1/bids/{world['bid']['id']}/pledges",
        json={"amount_pence": 100, "organisation_id": 2**70},
        headers=world["member"],
    )
    assert_refused(joined)
    assert await table_contents() == before


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"title": ""}, ("title",)),
        ({"title": "x" * 301}, ("title",)),
        ({"funder_name": ""}, ("funder_name",)),
        ({"title": "Bid\x00name"}, ("NUL", "title")),
        ({"programme": "Bid\x07bell"}, ("U+0007", "programme")),
        ({"title": "Evil \u202egnp.exe"}, ("U+202E", "title")),
        ({"themes": ["ok", "nul\x00theme"]}, ("NUL", "themes")),
        ({"deadline": "2001-01-01T00:00:00+00:00"}, ("deadline",)),
        ({"deadline": "2030-01-01T00:00:00"}, ("deadline",)),
        ({"deadline": "not a date"}, ("deadline",)),
        ({"match_funder_part": 0}, ("match_funder_part",)),
        ({"match_cap_pence": -5}, ("match_cap_pence",)),
        ({"unexpected": 1}, ("unexpected",)),
    ],
)
async def test_bad_bid_terms_are_refused(
    client: Client, world: dict[str, Any], change: dict[str, Any], words: tuple[str, ...]
) -> None:
    before = await table_contents()
    body = {"network_id": world["network_id"], "title": "A bid", "funder_name": "A funder", "deadline": future()}
    created = await client.post("/api/v1/bids", json=body | change, headers=world["conv"])
    assert_refused(created, words=words)
    changed = await client.patch(f"/api/v1/bids/{world['bid']['id']}", json=change, headers=world["conv"])
    assert_refused(changed, words=words)
    assert await table_contents() == before


@pytest.mark.parametrize(
    ("rules", "words"),
    [
        ([{"key": "min_pledge", "amount_pence": 500_000_00}, {"key": "max_pledge", "amount_pence": 100_00}], ()),
        ([{"key": "min_total", "amount_pence": 900_000_00}, {"key": "max_total", "amount_pence": 1_000_00}], ()),
        ([{"key": "min_pledge", "amount_pence": -1}], ()),
        ([{"key": "min_pledge", "amount_pence": 2**70}], ()),
        ([{"key": "no_such_rule"}], ("no_such_rule",)),
        ([{"key": "min_pledge"}], ()),
        ([{"key": "min_pledge", "amount_pence": "lots"}], ()),
        ([{"key": "min_pledge\x00", "amount_pence": 1}], ("NUL",)),
        (["not an object"], ()),
    ],
)
async def test_contradictory_or_broken_rules_are_refused(
    client: Client, world: dict[str, Any], rules: list[Any], words: tuple[str, ...]
) -> None:
    before = await table_contents()
    response = await client.put(
        f"/api/v1/bids/{world['bid']['id']}/rules", json={"rules": rules}, headers=world["conv"]
    )
    assert_refused(response, words=words)
    assert await table_contents() == before


@pytest.mark.parametrize(
    "text",
    [
        "nul\x00byte",
        "\x00",
        "escape \x1b[31m red",
        "delete\x7f",
        "override \u202e",
    ],
)
async def test_control_characters_are_refused_everywhere(client: Client, world: dict[str, Any], text: str) -> None:
    before = await table_contents()
    bid_id, member = world["bid"]["id"], world["member"]
    attempts = [
        client.post(f"/api/v1/bids/{bid_id}/pledges", json={"amount_pence": 100, "purpose": text}, headers=member),
        client.post(f"/api/v1/bids/{bid_id}/pledges", json={"amount_pence": 100, "themes": [text]}, headers=member),
        client.post(
            f"/api/v1/bids/{bid_id}/pledges",
            json={"amount_pence": 100, "areas": [{"district_code": text}]},
            headers=member,
        ),
        client.patch(f"/api/v1/organisations/{world['org_id']}", json={"name": "Org " + text}, headers=member),
        client.post("/api/v1/auth/sign-in", json={"email": "a@example.org", "password": text}),
        client.post("/api/v1/auth/tokens", json={"name": text}, headers=member),
        client.get("/api/v1/reference/districts", params={"q": text}),
        client.get("/api/v1/documents/verify", params={"sha256": text}),
        client.post(
            f"/api/v1/bids/{bid_id}/invitations", json={"emails": [f"a{text}@example.org"]}, headers=world["conv"]
        ),
    ]
    for attempt in attempts:
        response = await attempt
        assert_refused(response)
        assert response.status_code in {400, 422}, response.text
    assert await table_contents() == before


async def test_nul_in_a_json_key_is_refused(client: Client, world: dict[str, Any]) -> None:
    response = await client.post(
        f"/api/v1/bids/{world['bid']['id']}/pledges",
        content='{"amount_pence": 100, "purpose\\u0000": "x"}',
        headers=world["member"] | {"Content-Type": "application/json"},
    )
    assert_refused(response, words=("NUL",))


@pytest.mark.parametrize(
    "name",
    [
        "Cymdeithas Tai Cymunedol Ŵy",
        "جمعية الإسكان",
        "Ashbrook Homes جمعية",
        "הדיור הקהילתי",
        "社区住房",
        "Zoë & Zaïd's Co-op",
        "<script>alert(1)</script>",
        '=HYPERLINK("http://evil")',
        "\u200fRTL mark",
    ],
)
async def test_mixed_scripts_and_right_to_left_text_are_kept_exactly(
    client: Client, world: dict[str, Any], name: str
) -> None:
    """Real names in any script are welcome and come back exactly as sent (markup is plain text in JSON)."""
    response = await client.patch(
        f"/api/v1/organisations/{world['org_id']}", json={"name": name}, headers=world["member"]
    )
    assert response.status_code == 200, response.text
    assert response.json()["name"] == name
    read = await client.get(f"/api/v1/organisations/{world['org_id']}", headers=world["member"])
    assert read.json()["name"] == name and read.headers["content-type"].startswith("application/json")


async def test_over_long_and_empty_organisation_names(client: Client, world: dict[str, Any]) -> None:
    before = await table_contents()
    for name in ("", "x" * 301, "é" * 301):
        response = await client.patch(
            f"/api/v1/organisations/{world['org_id']}", json={"name": name}, headers=world["member"]
        )
        assert_refused(response, words=("name",))
    assert await table_contents() == before


async def test_malformed_json_and_wrong_types(client: Client, world: dict[str, Any]) -> None:
    before = await table_contents()
    url = f"/api/v1/bids/{world['bid']['id']}/pledges"
    for raw in ("{", "[]", "null", '"text"', '{"amount_pence": 100,}', "\xff\xfe", "{" * 5000):
        response = await client.post(url, content=raw, headers=world["member"] | {"Content-Type": "application/json"})
        assert_refused(response)
    assert await table_contents() == before


async def test_if_match_garbage_is_refused(client: Client, world: dict[str, Any]) -> None:
    before = await table_contents()
    url = f"/api/v1/pledges/{world['pledge']['id']}"
    tags: list[str | bytes] = ["", "abc", "-1", "99999999999999999999999", "1,2", "0x1", "1e3"]
    tags += ["²".encode(), "١".encode()]  # digits to str.isdigit(), not to int(): sent as raw UTF-8 bytes
    for tag in tags:
        response = await client.patch(url, json={"purpose": "x"}, headers=world["member"] | {"If-Match": tag})
        assert_refused(response)
    assert await table_contents() == before


@pytest.mark.parametrize("content_type", ["text/plain", None])
async def test_control_characters_are_refused_whatever_the_content_type_says(
    client: Client, world: dict[str, Any], content_type: str | None
) -> None:
    """Litestar reads a body as JSON whatever its content type says, so the check does not trust the label."""
    before = await table_contents()
    headers = dict(world["member"])
    if content_type:
        headers["Content-Type"] = content_type
    response = await client.post(
        f"/api/v1/bids/{world['bid']['id']}/pledges",
        content='{"amount_pence": 100, "purpose": "nul\\u0000byte"}',
        headers=headers,
    )
    assert_refused(response, words=("NUL",))
    assert await table_contents() == before


async def test_every_route_answers_ids_past_the_database_integer_as_not_found(
    client: Client, world: dict[str, Any], app: Any
) -> None:
    """Every address with a number in it, asked with one past PostgreSQL's integer (ids are serial columns): 404
    as for any id that names nothing, never the database's refusal as a 500 (SQLite would simply find no row)."""
    from litestar.routes import HTTPRoute

    before = await table_contents()
    asked = 0
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or ":int}" not in route.path:
            continue
        path = route.path
        for name in [part.split("}")[0] for part in path.split("{")[1:]]:
            value = str(2**31) if name.endswith(":int") else "x"
            path = path.replace("{" + name + "}", value)
        for method in route.route_handler_map:
            if method == "OPTIONS":
                continue
            response = await client.request(method, path, headers=world["conv"])
            assert response.status_code == 404, (method, route.path, response.status_code, response.text[:200])
            asked += 1
    assert asked > 50
    assert await table_contents() == before
