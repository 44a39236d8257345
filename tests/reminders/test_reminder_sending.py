"""Due reminders: what each member must still do, to whom, once, and never about anyone else."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest

from consortium.analysis.rules import RULE_KINDS, MinPledge
from consortium.bids.tables import Bid, BidMember
from consortium.mail.tables import ReminderSubscription
from consortium.reminders import services, tasks
from consortium.reminders.missing import NO_PLEDGE
from consortium.reminders.schedule import send_time
from consortium.settings import Settings
from consortium.timeutil import UK
from tests.factories import Client, join, organisation, pledge
from tests.reminders.conftest import ANA, BEN, CAT, DAN, EVE, Scene, deadline_in, make_scene, reminders_sent
from tests.web.helpers import sign_in, text_of

FAY = "fay@example.org"


def by_address(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["to_address"]: row for row in rows}


def missing_lines(text: str) -> list[str]:
    return [line[2:] for line in text.splitlines() if line.startswith("- ")]


async def test_each_member_is_told_exactly_what_it_must_still_do(settings: Settings, scene: Scene) -> None:
    now = send_time(scene.deadline, 7) + timedelta(minutes=2)
    await services.due_reminders(settings, now)
    sent = by_address(await reminders_sent(scene.bid_id))
    assert set(sent) == {BEN, CAT, DAN, EVE}  # Ashbrook (ana@) has nothing left to do
    assert missing_lines(sent[BEN]["text_body"]) == ["No pledge submitted yet."]
    assert missing_lines(sent[CAT]["text_body"]) == ["1 draft pledge not submitted yet."]
    assert missing_lines(sent[DAN]["text_body"]) == [
        "Pledge is £500; the minimum is £1,000 (£500 short).",
        "1 submitted pledge has no board approval yet.",
    ]
    assert missing_lines(sent[EVE]["text_body"]) == ["Has not joined the bid yet."]
    # Each with how to put it right.
    assert "Raise your pledge to at least the minimum" in sent[DAN]["text_body"]
    assert "The rule: Each member pledges at least £1,000." in sent[DAN]["text_body"]
    assert "Join from the link in your invitation email" in sent[EVE]["text_body"]
    assert "Open it on the bid's page and submit it" in sent[CAT]["text_body"]
    for row in sent.values():
        assert row["subject"].startswith("Reminder: Community Match Fund 2026 closes on ")
        assert row["reply_to"] == "jo@example.org"
        assert row["dedupe_key"] == f"reminder:{scene.bid_id}:{row['to_address']}:7"
        assert f"/bids/{scene.bid_id}" in row["text_body"]


async def test_the_reminder_says_what_the_dashboard_says(client: Client, settings: Settings, scene: Scene) -> None:
    await services.due_reminders(settings, send_time(scene.deadline, 7))
    sent = by_address(await reminders_sent(scene.bid_id))
    await sign_in(client, "jo@example.org")
    dashboard = text_of((await client.get(f"/bids/{scene.bid_id}")).text)
    for line in missing_lines(sent[DAN]["text_body"]):
        assert line.removesuffix(".") in dashboard
    assert "Chase these 4 members" in dashboard


def test_no_pledge_is_the_minimum_pledge_rules_own_words() -> None:
    failure = RULE_KINDS["min_pledge"].failure
    assert failure is not None
    assert failure(MinPledge(amount_pence=1), {"submitted_pledges": 0}) == NO_PLEDGE


async def test_a_reminder_never_names_another_member_or_its_amounts(settings: Settings, scene: Scene) -> None:
    await services.due_reminders(settings, send_time(scene.deadline, 7))
    sent = by_address(await reminders_sent(scene.bid_id))
    others = {
        BEN: ["Ashbrook", "Calder", "Dales", "eve@", "£2,500", "£3,000", "£500"],
        CAT: ["Ashbrook", "Pennine", "Dales", "eve@", "£2,500", "£500"],
        DAN: ["Ashbrook", "Pennine", "Calder", "eve@", "£2,500", "£3,000"],
        EVE: ["Ashbrook", "Pennine", "Calder", "Dales", "£"],
    }
    for address, words in others.items():
        for body in (sent[address]["text_body"], sent[address]["html_body"], sent[address]["subject"]):
            for word in words:
                assert word not in body, (address, word)


async def test_the_task_run_twice_writes_each_reminder_once(
    settings: Settings, scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    handed_on: list[list[int]] = []

    async def record(ids: list[int]) -> None:
        handed_on.append(list(ids))

    monkeypatch.setattr("consortium.reminders.tasks.deliver_soon", record)
    now = send_time(scene.deadline, 7) + timedelta(minutes=1)
    first = await tasks.send_due(settings, now)
    second = await tasks.send_due(settings, now + timedelta(minutes=5))
    assert len(first) == 4 and second == []
    assert handed_on == [first, []]
    assert len(await reminders_sent(scene.bid_id)) == 4


async def test_two_sweeps_at_once_write_each_reminder_once(settings: Settings, scene: Scene) -> None:
    import asyncio

    now = send_time(scene.deadline, 7) + timedelta(minutes=1)
    both = await asyncio.gather(services.due_reminders(settings, now), services.due_reminders(settings, now))
    assert sorted(len(ids) for ids in both) == [0, 4]
    rows = await reminders_sent(scene.bid_id)
    assert len(rows) == 4
    # Every message to an address carries the link its subscription's hash is of.
    for row in rows:
        assert await services.stop_info(row["unsubscribe_url"].rsplit("/", 1)[1])


async def test_nothing_before_its_time_and_nothing_after_the_deadline(settings: Settings, scene: Scene) -> None:
    assert await services.due_reminders(settings, send_time(scene.deadline, 7) - timedelta(minutes=1)) == []
    assert await services.due_reminders(settings, scene.deadline + timedelta(minutes=1)) == []
    assert await reminders_sent(scene.bid_id) == []


async def test_each_reminder_day_is_sent_in_turn(settings: Settings, scene: Scene) -> None:
    for days in (7, 3, 1):
        await services.due_reminders(settings, send_time(scene.deadline, days))
    keys = sorted(row["dedupe_key"].rsplit(":", 1)[1] for row in await reminders_sent(scene.bid_id))
    assert keys == sorted(["7", "3", "1"] * 4)


async def test_a_missed_reminder_is_sent_late_only_until_the_next_comes_due(settings: Settings, scene: Scene) -> None:
    # Down from before the 7-day reminder until after the 3-day one: only the 3-day one goes.
    await services.due_reminders(settings, send_time(scene.deadline, 3) + timedelta(hours=6))
    days = {row["dedupe_key"].rsplit(":", 1)[1] for row in await reminders_sent(scene.bid_id)}
    assert days == {"3"}


async def test_a_member_with_nothing_left_to_do_gets_nothing(client: Client, settings: Settings, scene: Scene) -> None:
    # Pennine pledges; the others put theirs right.
    await pledge(client, scene.headers[BEN], scene.bid_id, 120_000)
    await services.due_reminders(settings, send_time(scene.deadline, 7))
    assert BEN not in by_address(await reminders_sent(scene.bid_id))
    assert ANA not in by_address(await reminders_sent(scene.bid_id))


async def test_a_member_who_joined_after_the_reminder_came_due_waits_for_the_next(
    client: Client, settings: Settings, scene: Scene
) -> None:
    due_at = send_time(scene.deadline, 7)
    esk, _ = await join(client, scene.convenor_headers, scene.bid_id, organisation("Esk Homes"), email=FAY)
    # Esk Homes joined an hour after the 7-day reminder came due (the sweep had not run yet).
    await BidMember.update({BidMember.joined_at: due_at + timedelta(hours=1)}).where(BidMember.organisation == esk)
    await services.due_reminders(settings, due_at + timedelta(hours=2))
    assert FAY not in by_address(await reminders_sent(scene.bid_id))
    assert BEN in by_address(await reminders_sent(scene.bid_id))
    await services.due_reminders(settings, send_time(scene.deadline, 3))
    assert by_address(await reminders_sent(scene.bid_id))[FAY]["dedupe_key"].endswith(":3")


async def test_stopped_addresses_get_no_more_reminders(settings: Settings, scene: Scene) -> None:
    await services.due_reminders(settings, send_time(scene.deadline, 7))
    ben = by_address(await reminders_sent(scene.bid_id))[BEN]
    token = ben["unsubscribe_url"].rsplit("/", 1)[1]
    stopped = await services.stop_reminders(token, send_time(scene.deadline, 5))
    assert stopped.email == BEN and stopped.stopped
    await services.due_reminders(settings, send_time(scene.deadline, 3))
    three_days = [r for r in await reminders_sent(scene.bid_id) if r["dedupe_key"].endswith(":3")]
    assert {r["to_address"] for r in three_days} == {CAT, DAN, EVE}


async def test_every_message_to_an_address_carries_the_same_working_stop_link(settings: Settings, scene: Scene) -> None:
    await services.due_reminders(settings, send_time(scene.deadline, 7))
    await services.due_reminders(settings, send_time(scene.deadline, 3))
    links = {r["unsubscribe_url"] for r in await reminders_sent(scene.bid_id) if r["to_address"] == DAN}
    assert len(links) == 1
    (link,) = links
    assert re.fullmatch(r"http://testserver\.local/reminders/stop/[\w-]{43}", link)
    row = await ReminderSubscription.select().where(ReminderSubscription.email == DAN).first()
    assert row is not None and link.rsplit("/", 1)[1] not in row["token_hash"]  # only its hash is kept
    for message in await reminders_sent(scene.bid_id):
        if message["to_address"] == DAN:
            assert link in message["text_body"] and f'href="{link}"' in message["html_body"]


async def test_names_are_escaped_in_the_html(client: Client, settings: Settings) -> None:
    scene = await make_scene(client, deadline_in(10), invite_eve=False)
    await Bid.update({Bid.title: "<b>Fund</b> & more"}).where(Bid.id == scene.bid_id)
    await services.due_reminders(settings, send_time(scene.deadline, 7))
    row = by_address(await reminders_sent(scene.bid_id))[BEN]
    assert "&lt;b&gt;Fund&lt;/b&gt; &amp; more" in row["html_body"] and "<b>Fund</b>" not in row["html_body"]
    assert "<b>Fund</b> & more" in row["text_body"]


async def test_reminders_across_the_spring_clock_change(client: Client, settings: Settings) -> None:
    deadline = datetime(2027, 4, 2, 12, 0, tzinfo=UK)
    scene = await make_scene(client, deadline, invite_eve=False)
    assert await services.due_reminders(settings, datetime(2027, 3, 26, 8, 59, tzinfo=UK)) == []
    assert len(await services.due_reminders(settings, datetime(2027, 3, 26, 9, 0, tzinfo=UK))) == 3  # GMT
    assert await services.due_reminders(settings, datetime(2027, 3, 30, 8, 59, tzinfo=UK)) == []
    assert len(await services.due_reminders(settings, datetime(2027, 3, 30, 9, 0, tzinfo=UK))) == 3  # BST
    rows = await reminders_sent(scene.bid_id)
    assert {r["created_at"] is not None for r in rows} == {True}
    assert "Friday 2 April 2027 at 12:00 BST" in rows[0]["text_body"]
