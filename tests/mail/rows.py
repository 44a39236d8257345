"""Messages in the outbox for the mail tests, written by queue_message as the services write them."""

from __future__ import annotations

from consortium.mail.outbox import Composed, queue_message
from consortium.settings import Settings

CONVENOR = "Jo Convenor <jo@example.org>"


async def queue(
    settings: Settings,
    to_address: str,
    *,
    to_name: str = "",
    subject: str = "Your invitation to the Community Match Fund bid",
    kind: str = "invitation",
    unsubscribe_url: str = "",
    bid_id: int | None = None,
    html: str = "<p>Hello, please <a href='https://consortium.example/invitations/abc'>join the bid</a>.</p>",
) -> int:
    """One message in the outbox, written by queue_message; returns its id."""
    message_id = await queue_message(
        settings,
        kind=kind,
        to_address=to_address,
        to_name=to_name,
        composed=Composed(subject=subject, text="Hello,\n\nPlease join the bid.\n", html=html),
        reply_to=CONVENOR,
        unsubscribe_url=unsubscribe_url,
        bid_id=bid_id,
    )
    assert message_id is not None
    return message_id
