"""The reminders' scheduled sweep: every five minutes, write whatever reminders have come due and deliver them."""

from __future__ import annotations

from datetime import datetime

from consortium.jobs.registry import cron
from consortium.mail.delivery import deliver_soon
from consortium.reminders import services
from consortium.settings import Settings
from consortium.timeutil import utc_now


async def send_due(settings: Settings, now: datetime) -> list[int]:
    """Write the reminders due at ``now``; once committed, hand them to delivery. The ids written."""
    ids = await services.due_reminders(settings, now)
    await deliver_soon(ids)
    return ids


@cron("reminders.send_due", "*/5 * * * *")
async def send_due_reminders(settings: Settings) -> int:
    return len(await send_due(settings, utc_now()))
