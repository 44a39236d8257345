from piccolo.columns import ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from consortium.bids.tables import Bid, Invitation
from consortium.organisations.tables import Organisation


class OutboxMessage(Table):
    """One email, written in the same transaction as the change that causes it and delivered later by a job.

    The message is composed once (subject and both bodies), so a retry sends exactly what was first meant, under the
    same Message-ID: a receiving server or mail program that sees the ID again treats it as the same message."""

    id: Serial
    kind = Varchar(length=40)  # consortium.mail.outbox.MESSAGE_KINDS
    bid = ForeignKey(references=Bid, null=True, on_delete=OnDelete.cascade, default=None, index=True)
    invitation = ForeignKey(references=Invitation, null=True, on_delete=OnDelete.set_null, default=None, index=True)
    organisation = ForeignKey(references=Organisation, null=True, on_delete=OnDelete.set_null, default=None)
    to_address = Varchar(length=320)
    to_name = Varchar(length=300, default="")
    reply_to = Varchar(length=320, default="")
    subject = Varchar(length=300)
    text_body = Text(default="")
    html_body = Text(default="")
    message_id = Varchar(length=320, unique=True)  # "<...@host>", the same on every attempt
    # Set where a message must never be written twice (a reminder: "reminder:<bid>:<address>:<days>").
    dedupe_key = Varchar(length=400, null=True, default=None, unique=True)
    unsubscribe_url = Varchar(length=500, default="")  # List-Unsubscribe, on messages a member can stop
    state = Varchar(length=20, default="queued", index=True)  # queued | sending | sent | failed
    attempts = Integer(default=0)
    last_error = Text(default="")  # the mail server's answer to the last attempt that failed
    next_attempt_at = Timestamptz(default=TimestamptzNow(), index=True)
    claimed_until = Timestamptz(null=True, default=None)  # a worker is sending it until then
    sent_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class ReminderSubscription(Table):
    """Whether one address still wants a bid's reminders; the token is the unsubscribe link's (stored hashed)."""

    id: Serial
    bid = ForeignKey(references=Bid, null=False, on_delete=OnDelete.cascade, index=True)
    email = Varchar(length=320)
    token_hash = Varchar(length=64, unique=True, index=True)
    stopped_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
