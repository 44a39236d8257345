"""A `consortium worker` SIGKILLed in the middle of a batch of mail: after a second worker starts, every message has
arrived, each under its own Message-ID and always with the same content, and every outbox row is sent.

Real parts only: the outbox rows are written by queue_message on the run's database (SQLite, or PostgreSQL in the
PostgreSQL pass), the workers are `consortium worker` processes, and the mail server is aiosmtpd on loopback,
answering each message after a short delay so that the batch takes seconds and the kill lands in the middle of it.

"Exactly once" has one limit that no mail client can remove: the server accepting a message ("250 OK") and the
outbox recording it as sent are two steps, on two systems. A worker killed between them leaves the message claimed
but not sent, and the next worker sends it again, under the same Message-ID, which receiving servers and mail
programs treat as one message. So a message may arrive twice only if it was the last one the killed worker's
connection carried, which is at most one message per connection that worker had open.

No sleeps stand in for synchronisation: every wait polls the mail server or the database with a deadline."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

import consortium.jobs.tasks  # noqa: F401 - the tasks register, as at a web process's start, so enqueue knows them
from consortium.jobs.enqueue import close_queue
from consortium.mail.delivery import deliver_soon
from consortium.mail.tables import OutboxMessage
from consortium.settings import Settings
from consortium.timeutil import utc_now
from tests.mail.rows import queue
from tests.resilience.server import CONSORTIUM, server_env
from tests.smtp import Received, SmtpSink, _Handler, body

MESSAGES = 60
KILL_AFTER = MESSAGES // 3  # messages arrived when the first worker is killed
ANSWER_AFTER_S = 0.06  # the server's pause before it accepts each message: the batch takes several seconds
# Long enough to send a claimed chunk of 25 messages at that pace (a claim that lapsed while its worker was still
# sending would let another worker send the same message), short enough not to keep the test waiting for the
# killed worker's claims to run out. Production's default is two minutes.
CLAIM_SECONDS = 5
MAIL_FROM = "Consortium <bids@consortium.example>"
DELIVERING = "Processing Job<function: mail.deliver,"  # SAQ's log line as a worker takes a delivery job


@dataclass(frozen=True)
class DataStarted:
    """The server began receiving a message (DATA) on one connection."""

    at: float  # time.monotonic()
    connection: int
    message_id: str


@dataclass
class SlowSink(SmtpSink):
    """The shared SMTP sink, answering each message ANSWER_AFTER_S late and noting the connection each came on."""

    started: list[DataStarted] = field(default_factory=list)
    arrived_on: list[tuple[int, str]] = field(default_factory=list)  # (connection, Message-ID) as accepted
    connections: dict[Session, int] = field(default_factory=dict)

    def start(self) -> SlowSink:
        super().start()
        assert self._controller is not None
        # aiosmtpd makes one server per connection from the controller's handler: every connection from now on.
        self._controller.handler = _SlowHandler(self)
        return self

    def connection_of(self, session: Session) -> int:
        with self.changed:
            return self.connections.setdefault(session, len(self.connections) + 1)


class _SlowHandler(_Handler):
    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        sink = self.sink
        assert isinstance(sink, SlowSink)
        connection = sink.connection_of(session)
        headers = BytesParser(policy=policy.default).parsebytes(envelope.original_content or b"", headersonly=True)
        message_id = str(headers["Message-ID"])
        with sink.changed:
            sink.started.append(DataStarted(time.monotonic(), connection, message_id))
        # A connection closed meanwhile (the worker killed) cancels this: the message is then never accepted.
        await asyncio.sleep(ANSWER_AFTER_S)
        answer = await super().handle_DATA(server, session, envelope)
        with sink.changed:
            sink.arrived_on.append((connection, message_id))
        return answer


class Worker:
    """`consortium worker` in a process of its own (the Python process itself: a kill reaches no wrapper)."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("ab") as out:
            self.process = subprocess.Popen([CONSORTIUM, "worker"], env=env, stdout=out, stderr=subprocess.STDOUT)

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)


async def poll(check: Callable[[], Awaitable[bool]], what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.05)


async def states() -> Counter[str]:
    return Counter(str(row["state"]) for row in await OutboxMessage.select(OutboxMessage.state))


def content(received: Received) -> tuple[object, ...]:
    """What the recipient reads: everything but the MIME boundary, which is new each time the message is built."""
    message = received.message
    headers = tuple(str(message[name]) for name in ("From", "To", "Reply-To", "Subject", "Date", "Message-ID"))
    return received.rcpt_tos, headers, body(message, "plain"), body(message, "html")


async def test_a_worker_killed_mid_batch_leaves_every_message_delivered_once(
    db: None, settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sink = SlowSink().start()
    mail_settings = settings.with_changes(smtp_url=sink.url, mail_from=MAIL_FROM)
    env = server_env(settings.database_url, 0) | {
        "CONSORTIUM_SMTP_URL": sink.url,
        "CONSORTIUM_MAIL_FROM": MAIL_FROM,
        "CONSORTIUM_MAIL_CLAIM_SECONDS": str(CLAIM_SECONDS),
        "CONSORTIUM_JOBS_IN_WEB": "no",
    }
    workers: list[Worker] = []
    try:
        ids = [
            await queue(
                mail_settings,
                f"member{n:02d}@organisation{n:02d}.example",
                to_name=f"Member {n:02d}",
                subject=f"Your invitation to the Community Match Fund bid ({n:02d})",
            )
            for n in range(1, MESSAGES + 1)
        ]
        rows = {row.message_id: row for row in await OutboxMessage.objects()}
        assert len(rows) == MESSAGES

        await deliver_soon(ids)  # as a service does once its transaction committed
        assert "Could not queue" not in caplog.text
        first = Worker(env, tmp_path / "worker-1.log")
        workers.append(first)
        await asyncio.to_thread(sink.wait_for, KILL_AFTER, 60)
        first.kill()
        killed_at = time.monotonic()
        assert first.process.returncode == -signal.SIGKILL, first.text()
        arrived_before_kill = len(sink.received)
        at_kill = await states()
        assert KILL_AFTER <= arrived_before_kill < MESSAGES, "killed in the middle of the batch"
        assert at_kill["sent"] < MESSAGES and at_kill["failed"] == 0, at_kill

        second = Worker(env, tmp_path / "worker-2.log")
        workers.append(second)

        async def claims_lapsed() -> bool:
            held = OutboxMessage.count().where(
                (OutboxMessage.state == "sending") & (OutboxMessage.claimed_until >= utc_now())
            )
            return await held == 0

        # The killed worker's delivery job is retried once the queue sees its worker is gone; queuing the same
        # delivery again does what that retry does, without waiting the queue's lease or heartbeat out.
        await poll(claims_lapsed, "the killed worker's claims to run out", timeout=CLAIM_SECONDS + 30)
        await deliver_soon(ids)
        assert "Could not queue" not in caplog.text

        async def all_sent() -> bool:
            return (await states())["sent"] == MESSAGES

        await poll(all_sent, "every message to be sent", timeout=60)
        assert second.stop() == 0, second.text()
        assert "Worker stopped." in second.text()
        # Each worker sent by the delivery job queued for it, not by waiting for the minute's sweep.
        assert DELIVERING in first.text() and DELIVERING in second.text()
    finally:
        await close_queue()
        for worker in workers:
            if worker.process.poll() is None:
                worker.kill()
        sink.stop()

    assert await states() == Counter({"sent": MESSAGES})
    received = sink.wait_for(MESSAGES, timeout=0)
    by_message_id: dict[str, list[Received]] = {}
    for one in received:
        by_message_id.setdefault(str(one.message["Message-ID"]), []).append(one)
    assert set(by_message_id) == set(rows), "every message arrived, and nothing else did"
    for message_id, copies in by_message_id.items():
        row = rows[message_id]
        assert copies[0].rcpt_tos == (row.to_address,)
        assert copies[0].message["Subject"] == row.subject
        assert {content(copy) for copy in copies} == {content(copies[0])}, f"{message_id} arrived with two contents"

    # Twice only for a message in flight at the kill: the last one a connection of the killed worker carried.
    killed_connections = {started.connection for started in sink.started if started.at < killed_at}
    last_on_killed_connection = {
        connection: [started.message_id for started in sink.started if started.connection == connection][-1]
        for connection in killed_connections
    }
    twice = {message_id for message_id, copies in by_message_id.items() if len(copies) > 1}
    assert all(len(copies) <= 2 for copies in by_message_id.values())
    assert twice <= set(last_on_killed_connection.values()), (twice, last_on_killed_connection)
    for message_id in twice:
        connections = [connection for connection, arrived in sink.arrived_on if arrived == message_id]
        assert connections[0] in killed_connections and connections[1] not in killed_connections
