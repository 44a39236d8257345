"""A locked or submitted bid keeps its members as they stood at the lock: a member that changes its type,
identifier, homes or districts afterwards changes them for later bids only, on every way in (API, pages, the
deadline passing with nobody pressing "lock"), and the bid's figures, eligibility and document do not move."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from consortium.bids.services import lock_expired_bids
from consortium.bids.tables import Bid, BidMember
from consortium.documents.services import wait_for_renders
from consortium.timeutil import utc_now
from tests.factories import Client, convenor, join, open_bid, organisation, pledge
from tests.web.helpers import post_form, sign_in, text_of

LEEDS = "E08000035"
GATESHEAD = "E08000037"
CARDIFF = "W06000015"
RULES = [
    {"key": "allowed_org_types", "org_types": ["housing_association"]},
    {"key": "identifier_required"},
    {"key": "allowed_areas", "area_codes": ["E92000001"]},
]
# Every change that would make Ashbrook fail the rules above, or move the bid's homes and districts.
CHANGES: list[dict[str, Any]] = [{"org_type": "charity"}, {"org_id": None}, {"homes": 5}]


async def _bid_with_one_member(client: Client) -> tuple[int, dict[str, str], int, dict[str, str]]:
    network_id, conv = await convenor()
    bid = await open_bid(client, conv, network_id, rules=RULES)
    org_id, member = await join(
        client, conv, bid["id"], organisation("Ashbrook Homes", org_id="GB-CHC-1234567", homes=800)
    )
    put = await client.put(
        f"/api/v1/organisations/{org_id}/coverage",
        json={"districts": [{"district_code": LEEDS, "homes": 500}, {"district_code": GATESHEAD, "homes": 300}]},
        headers=member,
    )
    assert put.status_code == 200, put.text
    await pledge(client, member, bid["id"], 10_000_00)
    return int(bid["id"]), conv, org_id, member


async def _figures(client: Client, bid_id: int, conv: dict[str, str]) -> tuple[Any, Any]:
    totals = await client.get(f"/api/v1/bids/{bid_id}/totals", headers=conv)
    eligibility = await client.get(f"/api/v1/bids/{bid_id}/eligibility", headers=conv)
    assert totals.status_code == eligibility.status_code == 200
    return totals.json(), eligibility.json()


async def _change_everything(client: Client, org_id: int, member: dict[str, str]) -> None:
    for change in CHANGES:
        answer = await client.patch(f"/api/v1/organisations/{org_id}", json=change, headers=member)
        assert answer.status_code == 200, answer.text  # the organisation may change, for later bids
    moved = await client.put(
        f"/api/v1/organisations/{org_id}/coverage",
        json={"districts": [{"district_code": CARDIFF, "homes": 5}]},
        headers=member,
    )
    assert moved.status_code == 200, moved.text


async def _snapshot_member(client: Client, bid_id: int, conv: dict[str, str]) -> dict[str, Any]:
    made = await client.post(f"/api/v1/bids/{bid_id}/documents", json={}, headers=conv)
    assert made.status_code == 202, made.text
    await wait_for_renders()
    snapshot = await client.get(made.json()["snapshot_url"], headers=conv)
    assert snapshot.status_code == 200, snapshot.text
    (member,) = snapshot.json()["members"]
    return dict(member)


async def test_a_locked_and_then_submitted_bid_keeps_its_members_as_they_were(client: Client) -> None:
    bid_id, conv, org_id, member = await _bid_with_one_member(client)
    assert (await client.post(f"/api/v1/bids/{bid_id}/lock", headers=conv)).status_code == 200
    at_lock = await _figures(client, bid_id, conv)
    assert at_lock[1]["eligible"] is True and at_lock[0]["homes_covered"] == 800

    await _change_everything(client, org_id, member)
    live = (await client.get(f"/api/v1/organisations/{org_id}", headers=member)).json()
    assert (live["org_type"], live["org_id"], live["homes"]) == ("charity", None, 5)
    assert await _figures(client, bid_id, conv) == at_lock  # the locked bid did not move
    frozen = await _snapshot_member(client, bid_id, conv)
    assert (frozen["org_type"], frozen["identifier"], frozen["homes"]) == ("housing_association", "GB-CHC-1234567", 800)
    assert [c["district_code"] for c in frozen["coverage"]] == [LEEDS, GATESHEAD]

    assert (await client.post(f"/api/v1/bids/{bid_id}/submit", headers=conv)).status_code == 200
    await client.patch(f"/api/v1/organisations/{org_id}", json={"homes": 7}, headers=member)
    assert await _figures(client, bid_id, conv) == at_lock  # nor does the submitted one


async def test_unlocking_reads_the_members_live_again(client: Client) -> None:
    bid_id, conv, org_id, member = await _bid_with_one_member(client)
    assert (await client.post(f"/api/v1/bids/{bid_id}/lock", headers=conv)).status_code == 200
    await _change_everything(client, org_id, member)
    assert (await client.post(f"/api/v1/bids/{bid_id}/unlock", headers=conv)).status_code == 200
    assert await BidMember.count().where(BidMember.frozen_profile.is_not_null()) == 0
    totals, eligibility = await _figures(client, bid_id, conv)
    assert eligibility["eligible"] is False and totals["homes_covered"] == 5
    failing = {rule["key"] for rule in eligibility["rules"] if not rule["passed"]}
    assert {"allowed_org_types", "identifier_required", "allowed_areas"} <= failing


async def test_a_bid_past_its_deadline_keeps_the_members_it_had_at_the_deadline(client: Client) -> None:
    """Nobody pressed "lock": the deadline passed while the bid was still recorded as open. The first change to a
    member's profile locks the bid and takes its copies before the change lands."""
    bid_id, conv, org_id, member = await _bid_with_one_member(client)
    at_deadline = await _figures(client, bid_id, conv)
    await Bid.update({Bid.deadline: utc_now() - timedelta(minutes=1)}).where(Bid.id == bid_id)
    await _change_everything(client, org_id, member)
    assert (await Bid.select(Bid.status).where(Bid.id == bid_id).first()) == {"status": "locked"}
    totals, eligibility = await _figures(client, bid_id, conv)
    assert eligibility == at_deadline[1]
    assert totals["homes_covered"] == at_deadline[0]["homes_covered"] == 800
    assert await lock_expired_bids() == 0  # already recorded; nothing more to lock


async def test_the_organisation_page_changes_only_later_bids(client: Client) -> None:
    """The HTML profile form goes through the same service: saved for the organisation, not for the locked bid."""
    bid_id, conv, org_id, member = await _bid_with_one_member(client)
    me = (await client.get("/api/v1/auth/me", headers=member)).json()
    assert (await client.post(f"/api/v1/bids/{bid_id}/lock", headers=conv)).status_code == 200
    at_lock = await _figures(client, bid_id, conv)
    await sign_in(client, me["email"])
    for page in (f"/organisations/{org_id}", f"/organisations/{org_id}/coverage"):
        words = text_of((await client.get(page)).text)
        assert "Changes here apply to bids that are still open." in words
        assert "Community Match Fund 2026 has been locked, so it keeps your details as they were on" in words
    saved = await post_form(
        client, f"/organisations/{org_id}", {"name": "Ashbrook Homes", "org_type": "charity", "homes": "5"}
    )
    assert saved.status_code == 303, saved.text[:2000]
    client.cookies.clear()
    assert (await client.get(f"/api/v1/organisations/{org_id}", headers=member)).json()["org_type"] == "charity"
    assert await _figures(client, bid_id, conv) == at_lock
