"""The outbox forgets what a message said once it has been gone for mail_keep_days: an invitation's personal link
does not sit in the database after it has been delivered. Who, when, what about and the dedupe key stay."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from consortium.mail.outbox import Composed, queue_message
from consortium.mail.retention import REMOVED, forget_old_texts
from consortium.mail.tables import OutboxMessage
from consortium.mail.tasks import sweep
from consortium.settings import Settings
from consortium.timeutil import utc_now

LINK = "http://testserver.local/invitations/a-personal-link-0123456789"


async def _message(settings: Settings, address: str, state: str, days_ago: float) -> int:
    composed = Composed(subject="You are invited", text=f"Join: {LINK}", html=f'<a href="{LINK}">Join</a>')
    message_id = await queue_message(
        settings, kind="invitation", to_address=address, composed=composed, dedupe_key=f"test:{address}"
    )
    assert message_id is not None
    when = utc_now() - timedelta(days=days_ago)
    await OutboxMessage.update(
        {
            OutboxMessage.state: state,
            OutboxMessage.sent_at: when if state == "sent" else None,
            OutboxMessage.created_at: when,
        }
    ).where(OutboxMessage.id == message_id)
    return message_id


async def _text(message_id: int) -> tuple[str, str]:
    row = (
        await OutboxMessage.select(OutboxMessage.text_body, OutboxMessage.html_body)
        .where(OutboxMessage.id == message_id)
        .first()
    )
    return row["text_body"], row["html_body"]


async def test_texts_of_messages_long_gone_are_forgotten_and_nothing_else(db: None, settings: Settings) -> None:
    settings = dataclasses.replace(settings, mail_keep_days=30)
    old_sent = await _message(settings, "old-sent@example.org", "sent", 31)
    old_failed = await _message(settings, "old-failed@example.org", "failed", 31)
    recent = await _message(settings, "recent@example.org", "sent", 29)
    waiting = await _message(settings, "waiting@example.org", "queued", 40)  # never sent: it still has to go

    assert await forget_old_texts(settings, utc_now()) == 2
    for message_id in (old_sent, old_failed):
        text, html = await _text(message_id)
        assert LINK not in text + html and text == REMOVED.format(days=30) and html == ""
    for message_id in (recent, waiting):
        assert LINK in (await _text(message_id))[0]
    kept = (
        await OutboxMessage.select(
            OutboxMessage.to_address, OutboxMessage.subject, OutboxMessage.dedupe_key, OutboxMessage.sent_at
        )
        .where(OutboxMessage.id == old_sent)
        .first()
    )
    assert kept["to_address"] == "old-sent@example.org" and kept["subject"] == "You are invited"
    assert kept["dedupe_key"] == "test:old-sent@example.org" and kept["sent_at"] is not None
    assert await forget_old_texts(settings, utc_now()) == 0  # once only


async def test_the_minute_sweep_forgets_and_zero_keeps_for_ever(db: None, settings: Settings) -> None:
    old = await _message(dataclasses.replace(settings, mail_keep_days=30), "old@example.org", "sent", 45)
    assert await forget_old_texts(dataclasses.replace(settings, mail_keep_days=0), utc_now()) == 0
    assert LINK in (await _text(old))[0]
    done = await sweep(dataclasses.replace(settings, mail_keep_days=30))
    assert done["texts_removed"] == 1 and LINK not in (await _text(old))[0]
