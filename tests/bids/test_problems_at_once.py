"""A bid's terms and rules are checked in one place (the services) and every problem is answered at once: by the
API as one 422 listing them by field, by the forms at each field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from consortium.bids.tables import Bid
from tests.factories import Client, convenor, open_bid


async def test_creating_a_bid_answers_every_problem_with_its_terms_and_rules(client: Client) -> None:
    network_id, headers = await convenor()
    body = {
        "network_id": network_id,
        "title": "   ",
        "funder_name": "Energy Trust",
        "funder_org_id": "GB-CHC-12",
        "deadline": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
        "rules": [{"key": "max_member_share", "percent": 140}, {"key": "min_members", "count": -2}],
    }
    refused = await client.post("/api/v1/bids", json=body, headers=headers)
    assert refused.status_code == 422, refused.text
    answer = refused.json()
    assert list(answer["fields"]) == ["title", "funder_org_id", "deadline", "rules"]
    assert answer["fields"]["title"] == ["Enter the bid's title."]
    assert answer["fields"]["deadline"] == ["The deadline is in the past. Choose a date and time still to come."]
    assert answer["fields"]["rules"] == [
        "Largest member share: the share limit must be a whole percent from 1 to 100.",
        "Minimum members: the number of members can't be negative.",
    ]
    assert len(answer["errors"]) == 5 and await Bid.count() == 0


async def test_changing_a_bid_or_its_rules_answers_every_problem_and_saves_nothing(client: Client) -> None:
    network_id, headers = await convenor()
    bid = await open_bid(client, headers, network_id)
    changed = await client.patch(
        f"/api/v1/bids/{bid['id']}",
        json={"funder_name": " ", "match_cap_pence": 5, "deadline": "2020-01-01T12:00:00Z", "match_funder_part": 2},
        headers=headers,
    )
    assert changed.status_code == 422 and list(changed.json()["fields"]) == ["funder_name", "deadline"]
    rules = await client.put(
        f"/api/v1/bids/{bid['id']}/rules",
        json={"rules": [{"key": "min_pledge", "amount_pence": 5_000_00}, {"key": "max_pledge", "amount_pence": 100}]},
        headers=headers,
    )
    assert rules.status_code == 422 and rules.json()["field"] == "rules"
    assert "The minimum pledge (£5,000) is above the maximum pledge (£1)" in rules.json()["message"]
    read = (await client.get(f"/api/v1/bids/{bid['id']}", headers=headers)).json()
    assert (read["funder_name"], read["match_funder_part"], read["rules"], read["version"]) == (
        bid["funder_name"],
        bid["match_funder_part"],
        [],
        bid["version"],
    )
