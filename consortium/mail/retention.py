"""What the outbox keeps of a message once it has gone. The outbox is a delivery queue, not an archive: an
invitation, a reset or a team invitation carries a personal link that works until it is used or expires, and a copy
of it sitting in the database helps nobody. Once a message has been sent (or given up on) for ``mail_keep_days``,
its text is replaced by a note; who it went to, when, its subject and its dedupe key stay, so nothing is sent twice."""

from __future__ import annotations

from datetime import datetime, timedelta

from consortium.mail.tables import OutboxMessage
from consortium.settings import Settings

REMOVED = (
    "(What this message said was removed {days} days after it went: the outbox keeps who was written to, when and "
    "about what, not the text, which may have held a personal link.)"
)


async def forget_old_texts(settings: Settings, now: datetime) -> int:
    """Replace the text of every message gone for longer than ``mail_keep_days``; how many were changed."""
    if settings.mail_keep_days <= 0:
        return 0
    cutoff = now - timedelta(days=settings.mail_keep_days)
    note = REMOVED.format(days=settings.mail_keep_days)
    gone = ((OutboxMessage.state == "sent") & (OutboxMessage.sent_at < cutoff)) | (
        (OutboxMessage.state == "failed") & (OutboxMessage.created_at < cutoff)
    )
    changed = await (
        OutboxMessage.update({OutboxMessage.text_body: note, OutboxMessage.html_body: ""})
        .where(gone & (OutboxMessage.text_body != note))
        .returning(OutboxMessage.id)
    )
    return len(changed)
