"""The mail jobs: deliver given messages as soon as they are queued, and a sweep every minute for retries, any
message whose delivery job was lost, and the texts of messages gone long enough ago to forget (``retention``)."""

from __future__ import annotations

from consortium.jobs.registry import cron, task
from consortium.mail.delivery import DELIVER, deliver_due, deliver_messages
from consortium.mail.retention import forget_old_texts
from consortium.settings import Settings
from consortium.timeutil import utc_now


@task(DELIVER, timeout_s=300, retries=3)
async def deliver(settings: Settings, message_ids: list[int]) -> dict[str, int]:
    return await deliver_messages(message_ids, settings=settings)


@cron("mail.sweep", "* * * * *", timeout_s=300)
async def sweep(settings: Settings) -> dict[str, int]:
    delivered = await deliver_due(settings=settings)
    return {**delivered, "texts_removed": await forget_old_texts(settings, utc_now())}
