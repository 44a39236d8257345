"""Deadlines: a bid locks at its deadline by the server's clock in UTC, whatever a client says the time is, and
people read the deadline in UK time, right on both sides of the clock changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from consortium.audit.tables import AuditEvent
from consortium.bids.services import lock_expired_bids
from consortium.bids.tables import Bid
from consortium.timeutil import uk_time_text
from tests.factories import Client, convenor, join, open_bid, organisation, pledge
from tests.resilience.clock import FrozenClock, freeze


@pytest.mark.parametrize(
    ("utc", "shown"),
    [
        # Autumn: BST ends at 01:00 UTC on Sunday 25 October 2026, when 02:00 BST becomes 01:00 GMT.
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "Sunday 25 October 2026 at 01:30 BST"),
        (datetime(2026, 10, 25, 0, 59, tzinfo=UTC), "Sunday 25 October 2026 at 01:59 BST"),
        (datetime(2026, 10, 25, 1, 0, tzinfo=UTC), "Sunday 25 October 2026 at 01:00 GMT"),
        (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "Sunday 25 October 2026 at 01:30 GMT"),
        # Spring: BST starts at 01:00 UTC on Sunday 29 March 2026, when 01:00 GMT becomes 02:00 BST.
        (datetime(2026, 3, 29, 0, 30, tzinfo=UTC), "Sunday 29 March 2026 at 00:30 GMT"),
        (datetime(2026, 3, 29, 0, 59, tzinfo=UTC), "Sunday 29 March 2026 at 00:59 GMT"),
        (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), "Sunday 29 March 2026 at 02:00 BST"),
        (datetime(2026, 3, 29, 1, 30, tzinfo=UTC), "Sunday 29 March 2026 at 02:30 BST"),
        # Late evening UTC in summer is already the next day in the UK.
        (datetime(2026, 7, 3, 23, 30, tzinfo=UTC), "Saturday 4 July 2026 at 00:30 BST"),
        (datetime(2026, 12, 31, 23, 59, tzinfo=UTC), "Thursday 31 December 2026 at 23:59 GMT"),
        # Another offset is converted, not read as UK time.
        (datetime(2026, 10, 24, 21, 30, tzinfo=timezone(timedelta(hours=-5))), "Sunday 25 October 2026 at 02:30 GMT"),
    ],
)
def test_deadline_reads_in_uk_time_across_the_clock_changes(utc: datetime, shown: str) -> None:
    assert uk_time_text(utc) == shown


async def _bid_at(client: Client, clock: FrozenClock, deadline: datetime) -> tuple[dict, dict, dict, dict]:  # type: ignore[type-arg]
    network_id, headers = await convenor()
    bid = await open_bid(client, headers, network_id, deadline=deadline.isoformat())
    _, member = await join(client, headers, bid["id"], organisation("Ashbrook Homes"))
    made = await pledge(client, member, bid["id"], 10_000_00)
    return bid, headers, member, made


# Clients' own ideas of the time: a Date header from before the deadline, and one from long after.
EARLY_DATE = {"Date": "Mon, 01 Jan 2024 00:00:00 GMT"}
LATE_DATE = {"Date": "Fri, 01 Jan 2100 00:00:00 GMT"}


@pytest.mark.parametrize(
    ("deadline", "shown"),
    [
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "Sunday 25 October 2026 at 01:30 BST"),
        (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "Sunday 25 October 2026 at 01:30 GMT"),
        (datetime(2026, 3, 29, 1, 30, tzinfo=UTC), "Sunday 29 March 2026 at 02:30 BST"),
    ],
)
async def test_bid_locks_at_the_deadline_by_server_time_whatever_the_client_says(
    client: Client, monkeypatch: pytest.MonkeyPatch, deadline: datetime, shown: str
) -> None:
    clock = freeze(monkeypatch, deadline - timedelta(days=3))
    bid, headers, member, made = await _bid_at(client, clock, deadline)
    assert bid["deadline_uk"] == shown
    url = f"/api/v1/pledges/{made['id']}"

    # One second before: open, even to a client whose clock says the next century.
    clock.set(deadline - timedelta(seconds=1))
    before = await client.patch(url, json={"amount_pence": 11_000_00}, headers=member | LATE_DATE | {"If-Match": "1"})
    assert before.status_code == 200, before.text
    shown_bid = (await client.get(f"/api/v1/bids/{bid['id']}", headers=headers | LATE_DATE)).json()
    assert shown_bid["status"] == "open" and shown_bid["accepting_changes"] is True

    # At the deadline exactly: locked, even to a client whose clock says 2024.
    clock.set(deadline)
    after = await client.patch(url, json={"amount_pence": 12_000_00}, headers=member | EARLY_DATE | {"If-Match": "2"})
    assert after.status_code == 409, after.text
    assert shown in after.json()["message"]
    created = await client.post(
        f"/api/v1/bids/{bid['id']}/pledges",
        json={"amount_pence": 1, "board_approved": True, "submit": True},
        headers=member | EARLY_DATE,
    )
    assert created.status_code == 409 and shown in created.json()["message"]
    shown_bid = (await client.get(f"/api/v1/bids/{bid['id']}", headers=headers | EARLY_DATE)).json()
    assert shown_bid["status"] == "locked" and shown_bid["accepting_changes"] is False
    assert shown_bid["deadline_uk"] == shown

    # The convenor cannot reopen it past the deadline either, and nothing changed.
    unlocked = await client.post(f"/api/v1/bids/{bid['id']}/unlock", headers=headers)
    assert unlocked.status_code == 409 and shown in unlocked.json()["message"]
    reopened = await client.post(f"/api/v1/bids/{bid['id']}/open", headers=headers)
    assert reopened.status_code == 409
    row = (await client.get(url, headers=member)).json()
    assert row["amount_pence"] == 11_000_00 and row["version"] == 2


async def test_a_body_claiming_another_time_cannot_move_the_lock(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Timestamps a client puts in the body are refused (unknown fields) rather than trusted."""
    deadline = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    clock = freeze(monkeypatch, deadline - timedelta(days=3))
    _, _, member, made = await _bid_at(client, clock, deadline)
    clock.set(deadline + timedelta(minutes=1))
    url = f"/api/v1/pledges/{made['id']}"
    for extra in ({"updated_at": "2026-10-24T00:00:00Z"}, {"now": "2026-10-24T00:00:00Z"}):
        response = await client.patch(url, json={"amount_pence": 5} | extra, headers=member | {"If-Match": "1"})
        assert response.status_code in {400, 409}, response.text
    row = (await client.get(url, headers=member)).json()
    assert row["amount_pence"] == 10_000_00 and row["version"] == 1


async def test_expired_bids_are_locked_for_good_with_an_audit_event(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    deadline = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    clock = freeze(monkeypatch, deadline - timedelta(days=3))
    bid, _, _, _ = await _bid_at(client, clock, deadline)
    clock.set(deadline - timedelta(microseconds=1))
    assert await lock_expired_bids() == 0
    clock.set(deadline)
    assert await lock_expired_bids() == 1
    assert await lock_expired_bids() == 0
    stored = await Bid.select(Bid.status).where(Bid.id == bid["id"]).first()
    assert stored == {"status": "locked"}
    events = await AuditEvent.select(AuditEvent.after).where(AuditEvent.action == "bid.lock").output(load_json=True)
    assert events == [{"after": {"status": "locked", "reason": "deadline passed"}}]
