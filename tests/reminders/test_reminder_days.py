"""A bid's reminder days: set through the API and the bid form, checked the same way on both."""

from __future__ import annotations

import re
from typing import Any

import pytest

from consortium.bids.tables import Bid
from tests.factories import Client, convenor, future, open_bid
from tests.web.helpers import post_form, sign_in, text_of

CONVENOR = "jo@example.org"


async def stored_days(bid_id: int) -> list[int]:
    row = await Bid.select(Bid.reminder_days).where(Bid.id == bid_id).output(load_json=True).first()
    assert row is not None
    return list(row["reminder_days"])


def new_bid(network_id: int, **changes: Any) -> dict[str, Any]:
    return {"network_id": network_id, "title": "Fund", "funder_name": "Funder", "deadline": future(), **changes}


async def test_a_new_bid_reminds_7_3_and_1_days_before(client: Client) -> None:
    network_id, headers = await convenor(email=CONVENOR)
    bid = await open_bid(client, headers, network_id)
    assert await stored_days(bid["id"]) == [7, 3, 1]


async def test_the_days_are_kept_latest_first(client: Client) -> None:
    network_id, headers = await convenor(email=CONVENOR)
    made = await client.post("/api/v1/bids", json=new_bid(network_id, reminder_days=[1, 14, 2]), headers=headers)
    assert made.status_code == 201, made.text
    assert await stored_days(made.json()["id"]) == [14, 2, 1]
    assert made.json()["reminder_days"] == [14, 2, 1]  # the answer says what was kept
    changed = await client.patch(f"/api/v1/bids/{made.json()['id']}", json={"reminder_days": []}, headers=headers)
    assert changed.status_code == 200, changed.text
    assert await stored_days(made.json()["id"]) == []
    assert changed.json()["reminder_days"] == []
    read = await client.get(f"/api/v1/bids/{made.json()['id']}", headers=headers)
    assert read.json()["reminder_days"] == []


@pytest.mark.parametrize(
    ("days", "status", "message"),
    [
        # The API's decoder refuses a value of the wrong shape before any service runs (400, as for every field) ...
        ([0], 400, "reminder_days[0] must be a whole number of at least 1."),
        ([61], 400, "reminder_days[0] must be a whole number of at most 60."),
        (list(range(1, 12)), 400, "reminder_days may list at most 10 items."),
        (["seven"], 400, "reminder_days[0] must be a whole number."),
        # ... and the service the rest (422).
        ([7, 3, 7], 422, "The reminder days list 7 more than once. Give each day once."),
    ],
)
async def test_days_out_of_bounds_are_refused_with_a_reason(
    client: Client, days: list[Any], status: int, message: str
) -> None:
    network_id, headers = await convenor(email=CONVENOR)
    made = await client.post("/api/v1/bids", json=new_bid(network_id, reminder_days=days), headers=headers)
    assert made.status_code == status, made.text
    assert made.json()["message"].endswith(message)
    bid = await open_bid(client, headers, network_id)
    changed = await client.patch(f"/api/v1/bids/{bid['id']}", json={"reminder_days": days}, headers=headers)
    assert changed.status_code == status, changed.text
    assert changed.json()["message"].endswith(message)
    assert await stored_days(bid["id"]) == [7, 3, 1]


@pytest.mark.parametrize(
    ("days", "message"),
    [
        ([0], "Each reminder day must be at least 1."),
        ([61], "Each reminder day must be at most 60."),
        (list(range(1, 12)), "The reminder days may list at most 10 items; it has 11. Remove some and send again."),
        ([2, 2], "The reminder days list 2 more than once. Give each day once."),
    ],
)
def test_the_service_names_the_problem_whichever_way_the_days_came(days: list[int], message: str) -> None:
    from consortium.bids import schemas
    from consortium.bids.services import check_terms
    from consortium.validation import Invalid

    with pytest.raises(Invalid) as refused:
        check_terms(schemas.BidUpdate(reminder_days=days), future_deadline=True)
    assert refused.value.problems == [("reminder_days", message)]


async def edit_form(client: Client, bid_id: int, reminder_days: str) -> Any:
    page = await client.get(f"/bids/{bid_id}/edit")
    assert page.status_code == 200
    fields = {
        "title": "Community Match Fund 2026",
        "funder_name": "Department for Communities",
        "programme": "",
        "funder_org_id": "",
        "deadline_date": "",
        "deadline_time": "12:00",
        "match_consortium_part": "1",
        "match_funder_part": "1",
        "match_cap": "",
        "themes": "",
        "reminder_days": reminder_days,
    }
    shown = re.search(r'id="deadline_date"[^>]*value="([^"]*)"', page.text)
    assert shown is not None
    fields["deadline_date"] = shown[1]
    return await post_form(client, f"/bids/{bid_id}/edit", fields)


async def test_the_form_sets_the_days_as_typed(client: Client) -> None:
    network_id, headers = await convenor(email=CONVENOR)
    bid = await open_bid(client, headers, network_id)
    await sign_in(client, CONVENOR)
    page = await client.get(f"/bids/{bid['id']}/edit")
    assert 'name="reminder_days" type="text" value="7, 3, 1"' in page.text
    saved = await edit_form(client, bid["id"], "14, 2 1")
    assert saved.status_code == 303, text_of(saved.text)[:500]
    assert await stored_days(bid["id"]) == [14, 2, 1]
    page = await client.get(f"/bids/{bid['id']}/edit")
    assert 'value="14, 2, 1"' in page.text


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("7, three", "Enter the reminder days as whole numbers of days before the deadline, separated by commas"),
        ("7, 90", "Each reminder day must be at most 60."),
        ("3, 3", "The reminder days list 3 more than once. Give each day once."),
    ],
)
async def test_the_form_says_what_is_wrong(client: Client, typed: str, message: str) -> None:
    network_id, headers = await convenor(email=CONVENOR)
    bid = await open_bid(client, headers, network_id)
    await sign_in(client, CONVENOR)
    refused = await edit_form(client, bid["id"], typed)
    assert refused.status_code == 422
    assert message in text_of(refused.text)
    assert 'href="#reminder_days"' in refused.text
    assert await stored_days(bid["id"]) == [7, 3, 1]
