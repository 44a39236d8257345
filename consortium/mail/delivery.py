"""Delivering the outbox: claim each message, send it, record what the mail server said.

A message is claimed with one conditional UPDATE (queued and due, or "sending" by a worker whose claim ran out), so
two workers never both send it. It is marked sent as soon as the server accepts it. A worker killed between the
server's "250 OK" and that mark sends it again after the claim runs out, under the same Message-ID, which receiving
servers and mail programs treat as the same message.

A temporary failure (server down, a timeout, a 4xx answer) puts the message back in the queue with the server's words
and a later retry (1, 5, 15 minutes, then hourly); after a day of trying it is marked failed. A permanent refusal of
the address (5xx) marks it failed at once with the server's reason.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiosmtplib
from piccolo.columns import Column
from piccolo.columns.combination import Or

from consortium.jobs.enqueue import enqueue
from consortium.mail.tables import OutboxMessage
from consortium.mail.transport import FileTransport, SmtpTransport, build_message, open_transport
from consortium.settings import Settings
from consortium.timeutil import as_utc, utc_now

logger = logging.getLogger("consortium.mail")

DELIVER = "mail.deliver"  # the task (consortium.mail.tasks)
CLAIM_FOR = timedelta(seconds=Settings.mail_claim_seconds)  # the default; CONSORTIUM_MAIL_CLAIM_SECONDS sets it
CLAIM_BATCH = 25  # messages claimed at once: sent well within CLAIM_FOR even from a slow server
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1))
GIVE_UP_AFTER = timedelta(hours=24)
SWEEP_LIMIT = 2000
OUTCOMES = {"queued": "retrying", "failed": "failed"}  # a failed attempt's new state, as deliver_messages counts it


@dataclass(frozen=True)
class Failure:
    reason: str  # the server's words, or what went wrong in plain English
    permanent: bool


# --- after a commit -------------------------------------------------------------------------------------------------


async def deliver_soon(message_ids: Sequence[int | None]) -> None:
    """Ask a worker to deliver these messages. Call after the transaction that queued them commits. Never raises:
    the messages are safe in the outbox and the minute's sweep (``mail.sweep``) finds any this fails to hand on."""
    ids = [int(i) for i in message_ids if i is not None]
    if not ids:
        return
    try:
        await enqueue(DELIVER, message_ids=ids)
    except Exception:
        logger.exception("Could not queue delivery of messages %s; the sweep will send them", ids)


# --- claiming and recording -----------------------------------------------------------------------------------------


def _due_or_abandoned(now: datetime) -> Or:
    queued_and_due = (OutboxMessage.state == "queued") & (OutboxMessage.next_attempt_at <= now)
    abandoned = (OutboxMessage.state == "sending") & (OutboxMessage.claimed_until < now)
    return queued_and_due | abandoned


async def claim(message_ids: Sequence[int], *, claim_for: timedelta = CLAIM_FOR) -> list[OutboxMessage]:
    """Mark those of ``message_ids`` that are ready to go as ours for ``claim_for``, in one UPDATE, and return them.
    A message another worker holds, or one already sent, failed or not yet due, is left alone."""
    if not message_ids:
        return []
    now = utc_now()
    claimed = await (
        OutboxMessage.update({OutboxMessage.state: "sending", OutboxMessage.claimed_until: now + claim_for})
        .where(OutboxMessage.id.is_in(list(message_ids)) & _due_or_abandoned(now))
        .returning(OutboxMessage.id)
    )
    ids = sorted(int(row["id"]) for row in claimed)
    if not ids:
        return []
    return list(await OutboxMessage.objects().where(OutboxMessage.id.is_in(ids)).order_by(OutboxMessage.id))


async def mark_sent(row: OutboxMessage) -> None:
    await OutboxMessage.update(
        {
            OutboxMessage.state: "sent",
            OutboxMessage.sent_at: utc_now(),
            OutboxMessage.claimed_until: None,
            OutboxMessage.last_error: "",
        }
    ).where((OutboxMessage.id == row.id) & (OutboxMessage.state == "sending"))


def next_attempt(row: OutboxMessage, now: datetime) -> datetime | None:
    """When to try again after ``row.attempts`` tries (counting the one that just failed); None: give up."""
    if now - as_utc(row.created_at) >= GIVE_UP_AFTER:
        return None
    delay = RETRY_DELAYS[min(max(row.attempts, 1), len(RETRY_DELAYS)) - 1]
    return now + delay


async def mark_failed(row: OutboxMessage, failure: Failure) -> str:
    """Record a failed attempt: back in the queue for a later retry, or failed for good. Returns the new state."""
    now = utc_now()
    attempts = row.attempts + 1
    row.attempts = attempts
    retry_at = None if failure.permanent else next_attempt(row, now)
    values: dict[Column | str, Any]
    if retry_at is None:
        reason = failure.reason
        if not failure.permanent:
            reason = f"We stopped trying after {attempts} attempts over a day. The last answer: {failure.reason}"
        values = {OutboxMessage.state: "failed", OutboxMessage.claimed_until: None, OutboxMessage.last_error: reason}
        logger.warning("Message %s to %s failed: %s", row.id, row.to_address, reason)
    else:
        values = {
            OutboxMessage.state: "queued",
            OutboxMessage.claimed_until: None,
            OutboxMessage.last_error: failure.reason,
            OutboxMessage.next_attempt_at: retry_at,
        }
        logger.info("Message %s to %s will be retried at %s: %s", row.id, row.to_address, retry_at, failure.reason)
    values[OutboxMessage.attempts] = attempts
    await OutboxMessage.update(values).where((OutboxMessage.id == row.id) & (OutboxMessage.state == "sending"))
    return "queued" if retry_at is not None else "failed"


# --- what went wrong ------------------------------------------------------------------------------------------------


def _server_words(code: int, message: str) -> str:
    return f"{code} {' '.join(message.split())}".strip()


def describe_failure(error: Exception, transport: SmtpTransport | FileTransport) -> Failure:
    """Temporary or permanent, and the words to show for it."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        refusals = error.recipients or []
        words = "; ".join(_server_words(r.code, r.message) for r in refusals) or "The address was refused."
        permanent = bool(refusals) and all(500 <= r.code < 600 for r in refusals)
        return Failure(f"The mail server refused the address: {words}", permanent)
    if isinstance(error, aiosmtplib.SMTPRecipientRefused):
        return Failure(
            f"The mail server refused the address: {_server_words(error.code, error.message)}", 500 <= error.code < 600
        )
    if isinstance(error, aiosmtplib.SMTPSenderRefused | aiosmtplib.SMTPAuthenticationError):
        # About our own settings, not this message: keep it queued while someone fixes them.
        return Failure(
            f"The mail server refused our sending account: {_server_words(error.code, error.message)}", False
        )
    if isinstance(error, aiosmtplib.SMTPDataError):
        return Failure(
            f"The mail server refused the message: {_server_words(error.code, error.message)}", 500 <= error.code < 600
        )
    server = transport.config.describe() if isinstance(transport, SmtpTransport) else "the mail folder"
    if isinstance(error, aiosmtplib.SMTPConnectError | aiosmtplib.SMTPConnectTimeoutError | ConnectionError):
        return Failure(f"Could not connect to the mail server at {server}: {error}", False)
    if isinstance(error, aiosmtplib.SMTPTimeoutError | TimeoutError):
        return Failure(f"The mail server at {server} took too long to answer: {error}", False)
    if isinstance(error, aiosmtplib.SMTPServerDisconnected):
        return Failure(f"The mail server at {server} closed the connection: {error}", False)
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return Failure(f"The mail server answered: {_server_words(error.code, error.message)}", error.code < 500)
    if isinstance(error, ValueError):  # an address or header that cannot be written as email
        return Failure(f"This message cannot be sent as email: {error}", True)
    return Failure(f"Sending to {server} failed: {type(error).__name__}: {error}", False)


# --- delivering -----------------------------------------------------------------------------------------------------


def _chunks(ids: Sequence[int], size: int) -> list[list[int]]:
    return [list(ids[i : i + size]) for i in range(0, len(ids), size)]


async def deliver_messages(
    message_ids: Sequence[int],
    *,
    settings: Settings | None = None,
    tls_context: ssl.SSLContext | None = None,
) -> dict[str, int]:
    """Deliver these outbox messages over one connection: each claimed, sent, then marked sent or failed. Messages
    not ready (held by another worker, already sent, not yet due) are skipped. Returns counts by outcome."""
    settings = settings or Settings.from_env()
    ids = sorted({int(i) for i in message_ids})
    counts = {"sent": 0, "retrying": 0, "failed": 0}
    claim_for = timedelta(seconds=max(1, settings.mail_claim_seconds))
    unreachable: Failure | None = None  # once the server cannot be reached, the rest of the batch waits too
    async with open_transport(settings, tls_context=tls_context) as transport:
        for chunk in _chunks(ids, CLAIM_BATCH):
            for row in await claim(chunk, claim_for=claim_for):
                if unreachable is not None:
                    counts[OUTCOMES[await mark_failed(row, unreachable)]] += 1
                    continue
                try:
                    await transport.send(row, build_message(row, settings))
                except Exception as error:  # every failure is recorded on the message, never lost
                    failure = describe_failure(error, transport)
                    counts[OUTCOMES[await mark_failed(row, failure)]] += 1
                    if transport.unusable and not failure.permanent:
                        unreachable = failure
                    continue
                await mark_sent(row)
                counts["sent"] += 1
    return counts


async def due_message_ids(limit: int = SWEEP_LIMIT) -> list[int]:
    """Messages waiting to go: queued and due, or claimed by a worker that stopped before finishing."""
    rows = await (
        OutboxMessage.select(OutboxMessage.id)
        .where(_due_or_abandoned(utc_now()))
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    return [int(row["id"]) for row in rows]


async def deliver_due(*, settings: Settings | None = None, tls_context: ssl.SSLContext | None = None) -> dict[str, int]:
    """The sweep: deliver everything that is due (retries, and any message whose delivery job was lost)."""
    return await deliver_messages(await due_message_ids(), settings=settings, tls_context=tls_context)
