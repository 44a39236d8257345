"""A bid locked by its deadline is announced to its members by the minute's sweep, once, whichever of the web
process, a member's profile change or the sweep wrote the lock; a lock by the convenor is announced by the lock
itself and never again by the sweep."""

from __future__ import annotations

from datetime import timedelta

from consortium.bids.services import lock_expired_bids
from consortium.bids.tables import Bid
from consortium.bids.tasks import DEADLINE_LOCKS, TELL_WITHIN, lock_and_tell, lock_at_deadline
from consortium.jobs.registry import CRONS
from consortium.mail.tables import OutboxMessage
from consortium.settings import Settings
from consortium.timeutil import utc_now
from tests.factories import Client, convenor, join, open_bid, organisation


async def _bid_with_two_members(client: Client, tag: str = "") -> tuple[int, dict[str, str], set[str]]:
    network_id, conv = await convenor()
    bid = await open_bid(client, conv, network_id)
    addresses = {f"ash{tag}@example.org", f"bright{tag}@example.org"}
    for name, email in zip(("Ashbrook Homes", "Brightwater Housing"), sorted(addresses), strict=True):
        await join(client, conv, bid["id"], organisation(name), email=email)
    return int(bid["id"]), conv, addresses


async def _deadline_passes(bid_id: int) -> None:
    await Bid.update({Bid.deadline: utc_now() - timedelta(minutes=1)}).where(Bid.id == bid_id)


async def _lock_messages(bid_id: int) -> list[dict[str, object]]:
    return await OutboxMessage.select(OutboxMessage.to_address, OutboxMessage.text_body).where(
        (OutboxMessage.kind == "bid_locked") & (OutboxMessage.bid == bid_id)
    )


async def test_the_sweep_locks_a_bid_at_its_deadline_and_tells_each_member_once(
    client: Client, settings: Settings
) -> None:
    bid_id, _, addresses = await _bid_with_two_members(client)
    assert await lock_and_tell(settings, utc_now()) == []  # before the deadline: nothing to do
    await _deadline_passes(bid_id)

    written = await lock_and_tell(settings, utc_now())
    assert (await Bid.select(Bid.status).where(Bid.id == bid_id).first())["status"] == "locked"
    told = await _lock_messages(bid_id)
    assert len(written) == len(told) == 2 and {m["to_address"] for m in told} == addresses
    for message in told:
        assert "has passed, so it is now locked" in str(message["text_body"])
        assert "has locked the bid" not in str(message["text_body"])  # nobody locked it: the deadline did
    # Every minute after, and a second worker's run, write nothing more.
    assert await lock_and_tell(settings, utc_now()) == []
    assert len(await _lock_messages(bid_id)) == 2


async def test_a_lock_written_elsewhere_is_still_told(client: Client, settings: Settings) -> None:
    bid_id, _, addresses = await _bid_with_two_members(client)
    await _deadline_passes(bid_id)
    # The web process starting, or a member changing its profile, writes the lock first; it cannot write mail.
    assert await lock_expired_bids() == 1
    assert await _lock_messages(bid_id) == []
    await lock_and_tell(settings, utc_now())
    assert {m["to_address"] for m in await _lock_messages(bid_id)} == addresses
    # A lock older than the window (the service was down for longer) is not announced late.
    other_id, _, _ = await _bid_with_two_members(client, "-other")
    await _deadline_passes(other_id)
    await lock_expired_bids()
    assert await lock_and_tell(settings, utc_now() + TELL_WITHIN + timedelta(minutes=1)) == []
    assert await _lock_messages(other_id) == []


async def test_a_lock_by_the_convenor_is_not_announced_again(client: Client, settings: Settings) -> None:
    bid_id, conv, _ = await _bid_with_two_members(client)
    locked = await client.post(f"/api/v1/bids/{bid_id}/lock", headers=conv)
    assert locked.status_code == 200, locked.text
    by_convenor = await _lock_messages(bid_id)
    assert len(by_convenor) == 2 and all("has locked the bid" in str(m["text_body"]) for m in by_convenor)
    await _deadline_passes(bid_id)
    assert await lock_and_tell(settings, utc_now()) == []
    assert len(await _lock_messages(bid_id)) == 2


async def test_the_sweep_is_scheduled_every_minute(client: Client, settings: Settings) -> None:
    assert CRONS[DEADLINE_LOCKS].function is lock_at_deadline
    assert CRONS[DEADLINE_LOCKS].schedule == "* * * * *"
    bid_id, _, _ = await _bid_with_two_members(client)
    await _deadline_passes(bid_id)
    assert await lock_at_deadline(settings) == 2
