"""The bids' scheduled work: a bid whose deadline has passed is locked, and its members told, within a minute.

Reads treat an open bid past its deadline as locked at once; the lock itself is written by whichever comes first (the
web process starting, a member changing its profile, or this sweep), and only this sweep has what it takes to write
mail. So it tells the members of every bid locked by its deadline in the last day, once: the outbox's dedupe key
(the lock's audit event and the organisation) makes a second run, or a second worker, write nothing more."""

from __future__ import annotations

from datetime import datetime, timedelta

from consortium.audit.tables import AuditEvent
from consortium.bids.services import lock_expired_bids
from consortium.bids.tables import Bid
from consortium.db import write_transaction
from consortium.jobs.registry import cron
from consortium.mail import notices
from consortium.mail.tables import OutboxMessage
from consortium.settings import Settings
from consortium.timeutil import utc_now

DEADLINE_LOCKS = "bids.lock_at_deadline"
DEADLINE_REASON = "deadline passed"  # the lock's audit event says so (bids.services._lock_expired_bids)
TELL_WITHIN = timedelta(days=1)  # a lock older than this (the service was down for a day) is not announced late


async def _deadline_locks_untold(now: datetime) -> list[tuple[int, int]]:
    """(bid id, lock event id) of each bid still locked by its deadline whose members have not been told."""
    events = await (
        AuditEvent.select(AuditEvent.id, AuditEvent.bid_id, AuditEvent.action, AuditEvent.after)
        .where(
            (AuditEvent.entity_type == "bid")
            & AuditEvent.action.is_in(["bid.lock", "bid.unlock", "bid.open", "bid.submit"])
            & (AuditEvent.at >= now - TELL_WITHIN)
        )
        .order_by(AuditEvent.id)
        .output(load_json=True)
    )
    latest = {int(event["bid_id"]): event for event in events}  # each bid's last change of status
    untold = []
    for bid_id, event in latest.items():
        after = event["after"] if isinstance(event["after"], dict) else {}
        if event["action"] != "bid.lock" or after.get("reason") != DEADLINE_REASON:
            continue
        if not await Bid.exists().where((Bid.id == bid_id) & (Bid.status == "locked")):
            continue
        if await OutboxMessage.exists().where(OutboxMessage.dedupe_key.like(f"deadline-lock:{event['id']}:%")):
            continue
        untold.append((bid_id, int(event["id"])))
    return untold


async def lock_and_tell(settings: Settings, now: datetime) -> list[int]:
    """Lock every open bid past its deadline, then tell the members of each bid locked so that they have not heard
    of; once written, the messages go to delivery. The ids of the messages written."""
    await lock_expired_bids()
    async with write_transaction():
        written: list[int | None] = []
        for bid_id, event_id in await _deadline_locks_untold(now):
            written += await notices.bid_locked(settings, None, bid_id, deadline_lock=event_id)
    await notices.deliver(written)
    return [message_id for message_id in written if message_id is not None]


@cron(DEADLINE_LOCKS, "* * * * *")
async def lock_at_deadline(settings: Settings) -> int:
    return len(await lock_and_tell(settings, utc_now()))
