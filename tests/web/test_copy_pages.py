"""The convenor's "Start a new bid from this one" page (/bids/{id}/copy), driven as a browser would."""

from __future__ import annotations

from datetime import timedelta

from consortium.bids.tables import Bid, Invitation
from consortium.mail.tables import OutboxMessage
from consortium.pledges.tables import Pledge
from consortium.timeutil import UK, utc_now
from tests.factories import Client, convenor, join, open_bid, organisation, pledge
from tests.web.helpers import error_links, post_form, sign_in, text_of

RULES = [{"key": "min_total", "amount_pence": 100_000_00}, {"key": "min_pledge", "amount_pence": 1_000_00}]


async def _submitted_bid(client: Client) -> int:
    network_id, headers = await convenor(email="copy-convenor@example.org")
    bid = await open_bid(client, headers, network_id, rules=RULES, match_funder_part=2, themes=["Warm homes"])
    _, a = await join(client, headers, bid["id"], organisation("Ashbrook Homes"), "copy-ashbrook@example.org")
    await join(client, headers, bid["id"], organisation("Beacon Housing"), "copy-beacon@example.org")
    await client.post(f"/api/v1/bids/{bid['id']}/invitations", json={"emails": ["unused@example.org"]}, headers=headers)
    await pledge(client, a, bid["id"], 60_000_00)
    for action in ("lock", "submit"):
        assert (await client.post(f"/api/v1/bids/{bid['id']}/{action}", headers=headers)).status_code == 200
    return int(bid["id"])


def _uk_date(days: int) -> str:
    return f"{(utc_now() + timedelta(days=days)).astimezone(UK):%d/%m/%Y}"


async def test_the_page_shows_what_is_copied_and_a_new_draft_comes_from_it_with_its_members_invited(
    client: Client,
) -> None:
    bid_id = await _submitted_bid(client)
    await sign_in(client, "copy-convenor@example.org")
    dashboard = await client.get(f"/bids/{bid_id}")
    assert f'href="/bids/{bid_id}/copy"' in dashboard.text and "Start a new bid from this one" in dashboard.text
    page = await client.get(f"/bids/{bid_id}/copy")
    assert page.status_code == 200
    words = text_of(page.text)
    for expected in (
        "Department for Communities",
        "£2 for every £1 pledged",
        "Warm homes",
        "2 rules",
        "2 member organisations had joined this bid",
        "Ashbrook Homes",
        "Beacon Housing",
        "Pledges are never copied",
        "The 1 invitation to this bid that was never used is not copied",
        "Invite the same members",
    ):
        assert expected in words, expected

    answer = await post_form(
        client,
        f"/bids/{bid_id}/copy",
        {
            "title": "Community Match Fund 2027",
            "deadline_date": _uk_date(90),
            "deadline_time": "17:00",
            "members": "yes",
        },
    )
    assert answer.status_code == 303, answer.text[:2000]
    new_id = int(answer.headers["location"].rsplit("/", 1)[-1])
    new = await client.get(f"/bids/{new_id}")
    assert new.status_code == 200
    words = text_of(new.text)
    assert "Community Match Fund 2027" in words and "2 member organisations invited by email" in words
    row = await Bid.select(Bid.status, Bid.deadline, Bid.match_funder_part).where(Bid.id == new_id).first()
    assert row is not None and row["status"] == "draft" and row["match_funder_part"] == 2
    local = row["deadline"].astimezone(UK)
    assert (f"{local:%d/%m/%Y}", f"{local:%H:%M}") == (_uk_date(90), "17:00")  # read as UK time
    mailed = await OutboxMessage.select(OutboxMessage.to_address).where(OutboxMessage.bid == new_id)
    assert sorted(m["to_address"] for m in mailed) == ["copy-ashbrook@example.org", "copy-beacon@example.org"]
    assert await Pledge.count().where(Pledge.bid == new_id) == 0


async def test_bad_title_and_deadline_are_shown_at_their_fields_and_nothing_is_made(client: Client) -> None:
    bid_id = await _submitted_bid(client)
    await sign_in(client, "copy-convenor@example.org")
    before = (await Bid.count(), await Invitation.count(), await OutboxMessage.count())
    unreadable = await post_form(
        client, f"/bids/{bid_id}/copy", {"title": " ", "deadline_date": "31/02/2027", "deadline_time": "17:00"}
    )
    assert unreadable.status_code == 422
    assert error_links(unreadable.text) == ["title", "deadline_date"]
    past = await post_form(
        client,
        f"/bids/{bid_id}/copy",
        {"title": "Next year", "deadline_date": _uk_date(-3), "deadline_time": "17:00", "members": "yes"},
    )
    assert past.status_code == 422
    assert error_links(past.text) == ["deadline_date"]
    assert "in the past" in text_of(past.text)
    assert 'value="Next year"' in past.text and "checked" in past.text  # what was typed is kept
    assert (await Bid.count(), await Invitation.count(), await OutboxMessage.count()) == before


async def test_a_member_is_refused_and_a_stranger_finds_nothing(client: Client) -> None:
    bid_id = await _submitted_bid(client)
    await sign_in(client, "copy-ashbrook@example.org")
    assert (await client.get(f"/bids/{bid_id}/copy")).status_code == 403
    await convenor(name="Elsewhere Network", email="copy-elsewhere@example.org")
    await sign_in(client, "copy-elsewhere@example.org")
    assert (await client.get(f"/bids/{bid_id}/copy")).status_code == 404
    before = await Bid.count()
    await sign_in(client, "copy-ashbrook@example.org")
    refused = await post_form(
        client,
        f"/bids/{bid_id}/copy",
        {"title": "Mine", "deadline_date": _uk_date(30), "deadline_time": "17:00"},
        page="/bids",
    )
    assert refused.status_code == 403
    assert await Bid.count() == before
