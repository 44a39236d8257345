"""A small bid for the page tests: a convenor, an open bid with rules and themes, two joined members (Ashbrook
Homes has a submitted pledge, Pennine Housing none yet), each person signing in with factories.PASSWORD."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.factories import Client, convenor, join, open_bid, organisation, pledge

CONVENOR = "jo@example.org"
ANA = "ana@example.org"
BEN = "ben@example.org"
THEMES = ["Food security", "Tackling loneliness"]
RULES = [
    {"key": "min_pledge", "amount_pence": 100_000},
    {"key": "board_approval_required"},
    {"key": "min_members", "count": 2},
]


@dataclass(frozen=True)
class Scene:
    network_id: int
    bid_id: int
    convenor_headers: dict[str, str]
    ana_org: int
    ben_org: int
    ana_pledge: int
    ana_headers: dict[str, str]
    ben_headers: dict[str, str]


@pytest.fixture
async def scene(client: Client) -> Scene:
    network_id, headers = await convenor(email=CONVENOR)
    bid = await open_bid(client, headers, network_id, rules=RULES, themes=THEMES)
    ana_org, ana_headers = await join(client, headers, bid["id"], organisation("Ashbrook Homes"), email=ANA)
    ben_org, ben_headers = await join(client, headers, bid["id"], organisation("Pennine Housing"), email=BEN)
    made = await pledge(client, ana_headers, bid["id"], 250_000, themes=["Food security"])
    client.cookies.clear()
    return Scene(network_id, bid["id"], headers, ana_org, ben_org, made["id"], ana_headers, ben_headers)
