"""Delivering the outbox to a real SMTP server on loopback: what arrives, what is recorded, and the faults (server
down, an address refused, two deliverers at once, a worker that died after the server accepted)."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

import pytest

from consortium.mail import delivery
from consortium.mail.delivery import CLAIM_FOR, deliver_due, deliver_messages, deliver_soon, next_attempt
from consortium.mail.tables import OutboxMessage
from consortium.settings import Settings
from consortium.timeutil import as_utc, utc_now
from tests.mail.rows import CONVENOR, queue
from tests.smtp import SmtpSink, body


async def row(message_id: int) -> OutboxMessage:
    found = await OutboxMessage.objects().where(OutboxMessage.id == message_id).first()
    assert found is not None
    return found


async def make_due(*message_ids: int) -> None:
    """What the clock does for a retry: its time comes."""
    await OutboxMessage.update({OutboxMessage.next_attempt_at: utc_now() - timedelta(seconds=1)}).where(
        OutboxMessage.id.is_in(list(message_ids))
    )


async def test_a_message_reaches_the_server_with_its_envelope_headers_and_both_bodies(
    db: None, smtp_settings: Settings, smtp_sink: SmtpSink
) -> None:
    message_id = await queue(
        smtp_settings,
        "ana@ashbrook.example",
        to_name="Ana Ashbrook",
        kind="reminder",
        subject="3 days left: Community Match Fund",
        unsubscribe_url="https://consortium.example/reminders/stop/tok123",
    )
    counts = await deliver_messages([message_id], settings=smtp_settings)

    assert counts == {"sent": 1, "retrying": 0, "failed": 0}
    [received] = smtp_sink.wait_for(1)
    assert received.mail_from == "bids@consortium.example"
    assert received.rcpt_tos == ("ana@ashbrook.example",)
    message = received.message
    stored = await row(message_id)
    assert message["To"] == "Ana Ashbrook <ana@ashbrook.example>"
    assert message["From"] == "Consortium <bids@consortium.example>"
    assert message["Reply-To"] == CONVENOR
    assert message["Subject"] == "3 days left: Community Match Fund"
    assert message["Message-ID"] == stored.message_id
    assert message["Date"].datetime == as_utc(stored.created_at).replace(microsecond=0)
    assert message["Date"].datetime.utcoffset() == timedelta(0)
    assert message["List-Unsubscribe"] == "<https://consortium.example/reminders/stop/tok123>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_content_type() == "multipart/alternative"
    assert body(message, "plain") == "Hello,\n\nPlease join the bid.\n"
    assert "join the bid</a>" in body(message, "html")
    assert stored.state == "sent"
    assert stored.sent_at is not None
    assert stored.attempts == 0
    assert stored.claimed_until is None


async def test_no_list_unsubscribe_on_a_message_nobody_can_stop(
    db: None, smtp_settings: Settings, smtp_sink: SmtpSink
) -> None:
    await deliver_messages([await queue(smtp_settings, "ana@ashbrook.example")], settings=smtp_settings)
    [received] = smtp_sink.wait_for(1)
    assert received.message["List-Unsubscribe"] is None
    assert received.message["List-Unsubscribe-Post"] is None


async def test_a_batch_goes_over_one_connection(db: None, smtp_settings: Settings, smtp_sink: SmtpSink) -> None:
    ids = [await queue(smtp_settings, f"member{n}@example.org") for n in range(30)]  # more than one claim batch
    connections = 0
    original = delivery.SmtpTransport._connected

    async def counting(self: Any) -> Any:
        nonlocal connections
        if self._client is None:
            connections += 1
        return await original(self)

    delivery.SmtpTransport._connected = counting  # type: ignore[method-assign]
    try:
        counts = await deliver_messages(ids, settings=smtp_settings)
    finally:
        delivery.SmtpTransport._connected = original  # type: ignore[method-assign]
    assert counts["sent"] == 30
    assert connections == 1
    assert sorted(r.rcpt_tos[0] for r in smtp_sink.wait_for(30)) == sorted(f"member{n}@example.org" for n in range(30))


async def test_smtp_down_keeps_every_message_queued_with_the_reason_then_sends_each_once_when_it_is_back(
    db: None, smtp_settings: Settings, smtp_sink: SmtpSink
) -> None:
    ids = [await queue(smtp_settings, f"member{n}@example.org") for n in range(5)]
    smtp_sink.stop()

    before = utc_now()
    counts = await deliver_messages(ids, settings=smtp_settings)

    assert counts == {"sent": 0, "retrying": 5, "failed": 0}
    for message_id in ids:
        waiting = await row(message_id)
        assert waiting.state == "queued"
        assert waiting.attempts == 1
        assert f"Could not connect to the mail server at smtp://127.0.0.1:{smtp_sink.port}" in waiting.last_error
        assert before + timedelta(minutes=1) <= as_utc(waiting.next_attempt_at) <= utc_now() + timedelta(minutes=1)
    assert await deliver_due(settings=smtp_settings) == {"sent": 0, "retrying": 0, "failed": 0}  # not due yet

    smtp_sink.start()
    await make_due(*ids)
    assert (await deliver_due(settings=smtp_settings))["sent"] == 5
    assert await deliver_due(settings=smtp_settings) == {"sent": 0, "retrying": 0, "failed": 0}

    received = smtp_sink.wait_for(5)
    assert sorted(r.rcpt_tos[0] for r in received) == sorted(f"member{n}@example.org" for n in range(5))
    assert len(smtp_sink.received) == 5
    for message_id in ids:
        sent = await row(message_id)
        assert (sent.state, sent.last_error, sent.attempts) == ("sent", "", 1)


async def test_an_address_refused_for_good_fails_with_the_servers_reason_and_the_others_go(
    db: None, smtp_settings: Settings, smtp_sink: SmtpSink
) -> None:
    smtp_sink.refuse("gone@example.org", "550 5.1.1 <gone@example.org>: Recipient address rejected")
    first = await queue(smtp_settings, "ana@example.org")
    refused = await queue(smtp_settings, "gone@example.org")
    last = await queue(smtp_settings, "ben@example.org")

    counts = await deliver_messages([first, refused, last], settings=smtp_settings)

    assert counts == {"sent": 2, "retrying": 0, "failed": 1}
    failed = await row(refused)
    assert failed.state == "failed"
    assert failed.last_error == (
        "The mail server refused the address: 550 5.1.1 <gone@example.org>: Recipient address rejected"
    )
    assert failed.sent_at is None
    assert [(await row(i)).state for i in (first, last)] == ["sent", "sent"]
    assert sorted(r.rcpt_tos[0] for r in smtp_sink.wait_for(2)) == ["ana@example.org", "ben@example.org"]
    assert smtp_sink.to("gone@example.org") == []
    await make_due(refused)
    assert await deliver_due(settings=smtp_settings) == {"sent": 0, "retrying": 0, "failed": 0}  # never retried


async def test_an_address_refused_for_now_is_retried_later_and_then_goes(
    db: None, smtp_settings: Settings, smtp_sink: SmtpSink
) -> None:
    smtp_sink.refuse("busy@example.org", "451 4.7.1 Greylisted, please try again later")
    message_id = await queue(smtp_settings, "busy@example.org")

    assert (await deliver_messages([message_id], settings=smtp_settings))["retrying"] == 1
    waiting = await row(message_id)
    assert (waiting.state, waiting.attempts) == ("queued", 1)
    assert waiting.last_error == "The mail server refused the address: 451 4.7.1 Greylisted, please try again later"

    smtp_sink.refusals.clear()
    await make_due(message_id)
    assert (await deliver_due(settings=smtp_settings))["sent"] == 1
    assert smtp_sink.wait_for(1)[0].message["Message-ID"] == waiting.message_id


async def test_a_message_the_server_took_before_a_worker_died_goes_again_as_the_same_message(
    db: None, smtp_settings: Settings, smtp_sink: SmtpSink
) -> None:
    """Between the server's 250 and our 'sent' mark a worker can die: the message is sent again once its claim runs
    out, byte for byte the same under the same Message-ID, so the receiving side shows it once."""
    message_id = await queue(smtp_settings, "ana@example.org", to_name="Ana Ashbrook")
    await deliver_messages([message_id], settings=smtp_settings)
    await OutboxMessage.update(  # as the dead worker left it: still 'sending', its claim now run out
        {OutboxMessage.state: "sending", OutboxMessage.claimed_until: utc_now() - timedelta(seconds=1)}
    ).where(OutboxMessage.id == message_id)

    assert (await deliver_due(settings=smtp_settings))["sent"] == 1

    first, second = smtp_sink.wait_for(2)
    assert first.message["Message-ID"] == second.message["Message-ID"] == (await row(message_id)).message_id
    assert first.message["Date"] == second.message["Date"]
    assert first.data == second.data


async def test_a_message_another_worker_is_sending_is_left_alone_until_its_claim_runs_out(
    db: None, smtp_settings: Settings, smtp_sink: SmtpSink
) -> None:
    message_id = await queue(smtp_settings, "ana@example.org")
    assert [r.id for r in await delivery.claim([message_id])] == [message_id]
    claimed = await row(message_id)
    assert claimed.state == "sending"
    assert utc_now() + CLAIM_FOR - timedelta(seconds=30) < as_utc(claimed.claimed_until) <= utc_now() + CLAIM_FOR

    assert await deliver_messages([message_id], settings=smtp_settings) == {"sent": 0, "retrying": 0, "failed": 0}
    assert await deliver_due(settings=smtp_settings) == {"sent": 0, "retrying": 0, "failed": 0}
    assert smtp_sink.received == []


async def test_two_deliverers_on_the_same_messages_never_send_one_twice(
    db: None, smtp_settings: Settings, smtp_sink: SmtpSink
) -> None:
    ids = [await queue(smtp_settings, f"member{n}@example.org") for n in range(40)]

    results = await asyncio.gather(
        deliver_messages(ids, settings=smtp_settings), deliver_messages(list(reversed(ids)), settings=smtp_settings)
    )

    assert sum(result["sent"] for result in results) == 40
    received = smtp_sink.wait_for(40)
    assert sorted(r.rcpt_tos[0] for r in received) == sorted(f"member{n}@example.org" for n in range(40))
    assert len({r.message["Message-ID"] for r in received}) == 40
    states = await OutboxMessage.select(OutboxMessage.state).where(OutboxMessage.id.is_in(ids))
    assert {s["state"] for s in states} == {"sent"}


async def test_after_a_day_of_failures_a_message_is_given_up_with_the_last_answer(
    db: None, smtp_settings: Settings, smtp_sink: SmtpSink
) -> None:
    message_id = await queue(smtp_settings, "ana@example.org")
    await OutboxMessage.update(
        {OutboxMessage.created_at: utc_now() - timedelta(hours=25), OutboxMessage.attempts: 30}
    ).where(OutboxMessage.id == message_id)
    smtp_sink.stop()

    assert (await deliver_messages([message_id], settings=smtp_settings))["failed"] == 1

    given_up = await row(message_id)
    assert given_up.state == "failed"
    assert given_up.attempts == 31
    assert given_up.last_error.startswith("We stopped trying after 31 attempts over a day. The last answer: Could not")


def test_retries_wait_longer_each_time_up_to_an_hour() -> None:
    now = utc_now()
    message = OutboxMessage(created_at=now - timedelta(minutes=5))
    waits = []
    for attempts in range(1, 7):
        message.attempts = attempts
        retry_at = next_attempt(message, now)
        assert retry_at is not None
        waits.append(retry_at - now)
    assert waits == [timedelta(minutes=m) for m in (1, 5, 15, 60, 60, 60)]
    message.created_at = now - timedelta(hours=24)
    assert next_attempt(message, now) is None


async def test_deliver_soon_hands_the_ids_to_the_job_queue(monkeypatch: pytest.MonkeyPatch) -> None:
    queued: list[tuple[str, dict[str, Any]]] = []

    async def enqueue(name: str, **kwargs: Any) -> None:
        queued.append((name, kwargs))

    monkeypatch.setattr(delivery, "enqueue", enqueue)
    await deliver_soon([3, None, 5])
    await deliver_soon([])
    assert queued == [("mail.deliver", {"message_ids": [3, 5]})]


async def test_deliver_soon_never_fails_the_caller(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(name: str, **kwargs: Any) -> None:
        raise ConnectionError("queue database unreachable")

    monkeypatch.setattr(delivery, "enqueue", broken)
    with caplog.at_level(logging.ERROR, logger="consortium.mail"):
        await deliver_soon([7])
    assert "Could not queue delivery of messages [7]" in caplog.text


def test_the_mail_tasks_are_registered() -> None:
    from consortium.jobs.registry import CRONS, TASKS
    from consortium.mail import tasks

    assert TASKS["mail.deliver"].function is tasks.deliver
    assert CRONS["mail.sweep"].function is tasks.sweep
    assert CRONS["mail.sweep"].schedule == "* * * * *"
