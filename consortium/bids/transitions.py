"""A bid's moves between stages (open, lock, unlock, submit): one use case each, with what each move requires.

Kept apart from ``consortium.bids.services`` because submission may require every member's sign-off of the latest
document version (``consortium.signoffs``), which is built on the bid services."""

from __future__ import annotations

from consortium.accounts.principal import Principal
from consortium.audit import services as audit
from consortium.bids import schemas
from consortium.bids.access import bid_access, forget_access
from consortium.bids.profiles import FROZEN_STATUSES, freeze_profiles, thaw_profiles
from consortium.bids.services import TRANSITIONS, bid_for_write, effective_status, read_bid
from consortium.bids.tables import Bid
from consortium.db import write_transaction
from consortium.errors import Conflict
from consortium.mail import notices
from consortium.settings import Settings
from consortium.signoffs.services import require_every_sign_off
from consortium.timeutil import as_utc, uk_time_text, utc_now


async def transition(settings: Settings, principal: Principal, bid_id: int, action: str) -> schemas.Bid:
    access = await bid_access(principal, bid_id)
    access.require_convenor()
    allowed_from, target = TRANSITIONS[action]
    async with write_transaction():
        # Re-read, row locked, inside the transaction so two convenors acting at once cannot both move the bid.
        bid = await bid_for_write(bid_id, exclusive=True)
        current = effective_status(bid)
        if current not in allowed_from:
            raise Conflict(_transition_refusal(action, current))
        if target == "open" and as_utc(bid.deadline) <= utc_now():
            raise Conflict(
                f"The deadline ({uk_time_text(bid.deadline)}) has passed, so the bid cannot be opened for changes. "
                "Move the deadline first."
            )
        # Read again under the lock: a convenor may have just turned the requirement on.
        if action == "submit" and await Bid.exists().where((Bid.id == bid_id) & (Bid.require_sign_off.eq(True))):
            await require_every_sign_off(bid_id)
        await Bid.update({Bid.status: target, Bid.updated_at: utc_now(), Bid.version: Bid.version + 1}).where(
            Bid.id == bid_id
        )
        # Locked and submitted bids read their members as they stood at the lock; an unlocked one reads them live.
        if target in FROZEN_STATUSES:
            await freeze_profiles([bid_id])
        elif current in FROZEN_STATUSES:
            await thaw_profiles(bid_id)
        await audit.record(
            principal,
            f"bid.{action}",
            "bid",
            bid_id,
            bid_id=bid_id,
            before={"status": current},
            after={"status": target},
        )
        # In this transaction: the lock and the word of it to every member land together, or neither does.
        message_ids = await notices.bid_locked(settings, principal, bid_id) if target == "locked" else []
    await notices.deliver(message_ids)
    forget_access(bid_id)
    return await read_bid(principal, bid_id)


def _transition_refusal(action: str, current: str) -> str:
    messages = {
        "open": f"Only a draft bid can be opened; this one is {current}.",
        "lock": f"Only an open bid can be locked; this one is {current}.",
        "unlock": f"Only a locked bid can be unlocked; this one is {current}.",
        "submit": f"Lock the bid before marking it submitted; this one is {current}.",
    }
    return messages[action]
