"""The stop link (its page, its button and a mail program's one-click POST) and the convenor's chase pages."""

from __future__ import annotations

from datetime import timedelta

from consortium.mail.tables import OutboxMessage, ReminderSubscription
from consortium.reminders import services
from consortium.reminders.schedule import send_time, uk_date_of
from consortium.settings import Settings
from consortium.timeutil import utc_now
from tests.factories import Client, convenor
from tests.reminders.conftest import BEN, CAT, DAN, EVE, Scene, reminders_sent
from tests.web.helpers import form_token, post_form, sign_in, text_of


async def stop_link_of(settings: Settings, scene: Scene, address: str) -> str:
    await services.due_reminders(settings, send_time(scene.deadline, 7))
    (row,) = [r for r in await reminders_sent(scene.bid_id) if r["to_address"] == address]
    link = str(row["unsubscribe_url"])
    assert link.startswith("http://testserver.local/reminders/stop/")
    return link.removeprefix("http://testserver.local")


async def stopped(address: str) -> bool:
    row = await ReminderSubscription.select().where(ReminderSubscription.email == address).first()
    assert row is not None
    return row["stopped_at"] is not None


async def test_the_stop_link_asks_then_stops(client: Client, settings: Settings, scene: Scene) -> None:
    path = await stop_link_of(settings, scene, BEN)
    page = await client.get(path)
    assert page.status_code == 200
    assert "Stop reminders for ‘Community Match Fund 2026’?" in text_of(page.text)
    assert not await stopped(BEN)  # opening the link changes nothing: a mail scanner may open it
    done = await post_form(client, path, {})
    assert done.status_code == 200
    assert "Reminders stopped" in text_of(done.text)
    assert await stopped(BEN)
    assert "Reminders stopped" in text_of((await client.get(path)).text)
    again = await client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert again.status_code == 200 and await stopped(BEN)


async def test_a_mail_programs_one_click_stop_needs_no_form_token(
    client: Client, settings: Settings, scene: Scene
) -> None:
    path = await stop_link_of(settings, scene, DAN)
    answer = await client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200, answer.text[:300]
    assert await stopped(DAN)


async def test_any_other_post_to_the_stop_link_needs_the_form_token(
    client: Client, settings: Settings, scene: Scene
) -> None:
    path = await stop_link_of(settings, scene, CAT)
    for body in ({}, {"List-Unsubscribe": "Yes"}, {"stop": "One-Click"}):
        answer = await client.post(path, data=body)
        assert answer.status_code == 403, body
    assert not await stopped(CAT)


async def test_the_one_click_body_opens_no_other_form(client: Client, scene: Scene) -> None:
    await sign_in(client, "jo@example.org")
    for path in (f"/bids/{scene.bid_id}/chase", f"/bids/{scene.bid_id}/status/lock", "/sign-out"):
        answer = await client.post(path, data={"List-Unsubscribe": "One-Click"}, follow_redirects=False)
        assert answer.status_code == 403, path
    assert await reminders_sent(scene.bid_id) == []


async def test_an_unknown_stop_link_is_not_found(client: Client, scene: Scene) -> None:
    assert (await client.get("/reminders/stop/not-a-real-token")).status_code == 404
    answer = await client.post("/reminders/stop/not-a-real-token", data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 404


async def test_the_chase_preview_is_what_is_queued(client: Client, scene: Scene) -> None:
    await sign_in(client, "jo@example.org")
    dashboard = await client.get(f"/bids/{scene.bid_id}")
    assert "Chase these 4 members" in text_of(dashboard.text)
    preview = await client.get(f"/bids/{scene.bid_id}/chase")
    assert preview.status_code == 200
    shown = text_of(preview.text)
    assert "Chase 4 members" in shown and "Send 4 messages" in shown
    sent = await post_form(client, f"/bids/{scene.bid_id}/chase", {}, page=f"/bids/{scene.bid_id}/chase")
    assert sent.status_code == 303
    rows = {r["to_address"]: r for r in await reminders_sent(scene.bid_id)}
    assert set(rows) == {BEN, CAT, DAN, EVE}
    for address, row in rows.items():
        # Each message, word for word, but for the recipient's own stop link (which the convenor does not see).
        assert f"Subject: {row['subject']}" in shown
        assert text_of(row["text_body"].replace(row["unsubscribe_url"], services.STOP_LINK_SHOWN)) in shown
        assert row["unsubscribe_url"].rsplit("/", 1)[1] not in preview.text
        assert row["dedupe_key"] == f"chase:{scene.bid_id}:{address}:{uk_date_of(utc_now())}"
    # Pressed again the same day: nobody is written to twice.
    again = await post_form(client, f"/bids/{scene.bid_id}/chase", {}, page=f"/bids/{scene.bid_id}/chase")
    assert again.status_code == 303
    assert len(await reminders_sent(scene.bid_id)) == 4


async def test_the_chase_leaves_out_stopped_addresses(client: Client, settings: Settings, scene: Scene) -> None:
    path = await stop_link_of(settings, scene, BEN)
    await client.post(path, data={"List-Unsubscribe": "One-Click"})
    await sign_in(client, "jo@example.org")
    preview = text_of((await client.get(f"/bids/{scene.bid_id}/chase")).text)
    assert "Send 3 messages" in preview
    assert f"they stopped this bid’s reminders: {BEN}" in preview
    await post_form(client, f"/bids/{scene.bid_id}/chase", {}, page=f"/bids/{scene.bid_id}/chase")
    chased = {r["to_address"] for r in await reminders_sent(scene.bid_id) if r["dedupe_key"].startswith("chase:")}
    assert chased == {CAT, DAN, EVE}


async def test_members_and_strangers_cannot_reach_the_chase(client: Client, scene: Scene) -> None:
    await sign_in(client, BEN)
    assert (await client.get(f"/bids/{scene.bid_id}/chase")).status_code == 403
    token = await form_token(client, "/account")
    answer = await client.post(f"/bids/{scene.bid_id}/chase", data={"csrf_token": token}, follow_redirects=False)
    assert answer.status_code == 403
    assert "Chase these" not in (await client.get(f"/bids/{scene.bid_id}")).text
    await convenor(email="stranger@example.org")
    await sign_in(client, "stranger@example.org")
    assert (await client.get(f"/bids/{scene.bid_id}/chase")).status_code == 404
    token = await form_token(client, "/account")
    answer = await client.post(f"/bids/{scene.bid_id}/chase", data={"csrf_token": token}, follow_redirects=False)
    assert answer.status_code == 404
    assert await OutboxMessage.count().where(OutboxMessage.kind == "reminder") == 0
    client.cookies.clear()
    assert (await client.get(f"/bids/{scene.bid_id}/chase", follow_redirects=False)).status_code in {303, 401}


async def test_a_bid_past_its_deadline_cannot_be_chased(client: Client, scene: Scene) -> None:
    from consortium.bids.tables import Bid

    await Bid.update({Bid.deadline: utc_now() - timedelta(minutes=1)}).where(Bid.id == scene.bid_id)
    await sign_in(client, "jo@example.org")
    assert "Chase these" not in text_of((await client.get(f"/bids/{scene.bid_id}")).text)
    assert (await client.get(f"/bids/{scene.bid_id}/chase")).status_code == 409


async def test_scripts_chase_through_the_api_as_the_page_does(client: Client, scene: Scene) -> None:
    url = f"/api/v1/bids/{scene.bid_id}/chase"
    preview = await client.get(url, headers=scene.convenor_headers)
    assert preview.status_code == 200, preview.text
    planned = preview.json()
    assert planned["members"] == 4 and {m["to_address"] for m in planned["messages"]} == {BEN, CAT, DAN, EVE}
    sent = await client.post(url, headers=scene.convenor_headers)
    assert sent.status_code == 200, sent.text
    assert sent.json()["queued"] == 4 and sent.json()["message"] == "4 messages queued to chase 4 members."
    rows = {r["to_address"]: r for r in await reminders_sent(scene.bid_id)}
    for message in planned["messages"]:  # what the preview said is what was written, but for each stop link
        row = rows[message["to_address"]]
        assert message["subject"] == row["subject"]
        assert message["text"].replace(services.STOP_LINK_SHOWN, row["unsubscribe_url"]) == row["text_body"]
        assert row["unsubscribe_url"].rsplit("/", 1)[1] not in preview.text
    again = await client.post(url, headers=scene.convenor_headers)
    assert again.json()["queued"] == 0 and "already been chased today" in again.json()["message"]
    assert len(await reminders_sent(scene.bid_id)) == 4
    # A member is told it is for convenors; past the deadline there is nothing to chase.
    assert (await client.get(url, headers=scene.headers[BEN])).status_code == 403
    assert (await client.post(url, headers=scene.headers[BEN])).status_code == 403
    from consortium.bids.tables import Bid

    await Bid.update({Bid.deadline: utc_now() - timedelta(minutes=1)}).where(Bid.id == scene.bid_id)
    assert (await client.post(url, headers=scene.convenor_headers)).status_code == 409
