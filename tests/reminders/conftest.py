"""A bid with one member of each kind a reminder is about, each person with their own address:

- Ashbrook Homes (ana@): a submitted, board-approved pledge over the minimum: nothing left to do;
- Pennine Housing (ben@): joined, no pledge;
- Calder Homes (cat@): joined, a draft pledge only;
- Dales Housing (dan@): a submitted pledge under the minimum and without board approval;
- eve@: invited, not joined.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from consortium.mail.tables import OutboxMessage
from tests.factories import Client, convenor, invitation_token, join, open_bid, organisation, pledge

CONVENOR = "jo@example.org"
ANA, BEN, CAT, DAN, EVE = "ana@example.org", "ben@example.org", "cat@example.org", "dan@example.org", "eve@example.org"
RULES = [
    {"key": "min_pledge", "amount_pence": 100_000},
    {"key": "board_approval_required"},
    {"key": "min_members", "count": 2},
]


@dataclass(frozen=True)
class Scene:
    bid_id: int
    deadline: datetime
    convenor_headers: dict[str, str]
    orgs: dict[str, int]  # by name
    headers: dict[str, dict[str, str]]  # by address


def deadline_in(days: int) -> datetime:
    """A deadline at 12:00 UTC ``days`` from now (whole days, so the reminder times are easy to reason about)."""
    return (datetime.now(UTC) + timedelta(days=days)).replace(hour=12, minute=0, second=0, microsecond=0)


async def make_scene(client: Client, deadline: datetime, *, invite_eve: bool = True) -> Scene:
    network_id, headers = await convenor(email=CONVENOR)
    bid = await open_bid(client, headers, network_id, rules=RULES, deadline=deadline.isoformat())
    orgs: dict[str, int] = {}
    people: dict[str, dict[str, str]] = {}
    for name, email in [
        ("Ashbrook Homes", ANA),
        ("Pennine Housing", BEN),
        ("Calder Homes", CAT),
        ("Dales Housing", DAN),
    ]:
        orgs[name], people[email] = await join(client, headers, bid["id"], organisation(name), email=email)
    await pledge(client, people[ANA], bid["id"], 250_000)
    await pledge(client, people[CAT], bid["id"], 300_000, submit=False)
    await pledge(client, people[DAN], bid["id"], 50_000, board_approved=False)
    if invite_eve:
        await invitation_token(client, headers, bid["id"], EVE)
    client.cookies.clear()
    return Scene(bid["id"], deadline, headers, orgs, people)


@pytest.fixture
async def scene(client: Client) -> Scene:
    return await make_scene(client, deadline_in(10))


async def reminders_sent(bid_id: int) -> list[dict[str, Any]]:
    rows = (
        await OutboxMessage.select()
        .where((OutboxMessage.bid == bid_id) & (OutboxMessage.kind == "reminder"))
        .order_by(OutboxMessage.id)
    )
    return list(rows)
