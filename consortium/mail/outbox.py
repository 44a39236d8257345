"""The outbox: a message is written here, in the transaction of the change that causes it, and delivered later by
a job (consortium.mail.delivery). If the change rolls back, no message exists; if it commits, the message will go."""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import make_msgid, parseaddr
from urllib.parse import urlsplit

from consortium.mail.tables import OutboxMessage
from consortium.settings import Settings
from consortium.timeutil import utc_now

# Every kind of message, with the name people see for it (the development mail page, the invitations table).
MESSAGE_KINDS: dict[str, str] = {
    "invitation": "Invitation to join a bid",
    "invitation_replaced": "New invitation link",
    "welcome": "Welcome after joining",
    "pledge_submitted": "Pledge submitted",
    "pledge_withdrawn": "Pledge withdrawn",
    "bid_locked": "Bid locked",
    "reminder": "Deadline reminder",
    "document_ready": "Document ready to check",
    "share_link": "Bid document shared with a funder",
    "team_invitation": "Invitation to join a team",
    "sign_off_request": "Asked to sign off the bid document",
}

MESSAGE_STATES = ("queued", "sending", "sent", "failed")

# What the outbox's columns hold at most (consortium/mail/tables.py; tests/security/test_column_sizes.py).
SUBJECT_LENGTH = 300  # a subject naming a bid with a 300-character title is shortened, never refused
NAME_LENGTH = 300
DOMAIN_LENGTH = 253  # the longest DNS name: a Message-ID is then at most about 300 characters
DEDUPE_KEY_LENGTH = 400
UNSUBSCRIBE_URL_LENGTH = 500


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


@dataclass(frozen=True)
class Composed:
    """A message's words, rendered once when it is queued: a retry sends exactly these."""

    subject: str
    text: str
    html: str


def message_id_domain(settings: Settings) -> str:
    """The domain our Message-IDs end in: the sending address's, else the service's host."""
    _, address = parseaddr(settings.mail_from)
    domain = address.rpartition("@")[2] or urlsplit(settings.base_url).hostname or "localhost"
    return domain[:DOMAIN_LENGTH]


async def queue_message(
    settings: Settings,
    *,
    kind: str,
    to_address: str,
    composed: Composed,
    to_name: str = "",
    reply_to: str = "",
    bid_id: int | None = None,
    invitation_id: int | None = None,
    organisation_id: int | None = None,
    dedupe_key: str | None = None,
    unsubscribe_url: str = "",
) -> int | None:
    """Write one message to the outbox inside the caller's transaction and return its id; None when a message with
    this ``dedupe_key`` was already written (a reminder is never written twice). Deliver it after the transaction
    commits, with ``consortium.mail.delivery.deliver_soon``."""
    if kind not in MESSAGE_KINDS:
        raise ValueError(f"Unknown message kind {kind!r}")
    if dedupe_key is not None and len(dedupe_key) > DEDUPE_KEY_LENGTH:
        raise ValueError(f"A dedupe key is at most {DEDUPE_KEY_LENGTH} characters")
    if len(unsubscribe_url) > UNSUBSCRIBE_URL_LENGTH:
        raise ValueError(f"An unsubscribe link is at most {UNSUBSCRIBE_URL_LENGTH} characters (CONSORTIUM_BASE_URL?)")
    row = OutboxMessage(
        kind=kind,
        bid=bid_id,
        invitation=invitation_id,
        organisation=organisation_id,
        to_address=to_address,
        to_name=_fit(to_name, NAME_LENGTH),
        reply_to=reply_to,
        subject=_fit(composed.subject, SUBJECT_LENGTH),
        text_body=composed.text,
        html_body=composed.html,
        message_id=make_msgid(domain=message_id_domain(settings)),
        dedupe_key=dedupe_key,
        unsubscribe_url=unsubscribe_url,
        state="queued",
        next_attempt_at=utc_now(),
    )
    query = OutboxMessage.insert(row).returning(OutboxMessage.id)
    if dedupe_key is not None:
        query = query.on_conflict(target=OutboxMessage.dedupe_key, action="DO NOTHING")
    inserted = await query
    return int(inserted[0]["id"]) if inserted else None
