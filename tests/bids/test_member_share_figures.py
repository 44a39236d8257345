"""A member cannot work out another member's pledge from the largest-member-share rule.

With the eligible total (a headline figure every member reads), the largest member's share is that member's pledge;
so members read the rule's verdict and limit, never its measured share or a gap that names or measures another
member. The convenor still reads everything."""

from __future__ import annotations

from typing import Any

from consortium.bids.figures import FIGURE_NOT_SHOWN
from tests.factories import Client, convenor, join, open_bid, organisation, pledge
from tests.pledges.drafts_scene import leaks, money_forms
from tests.web.helpers import sign_in, text_of

ANA_EMAIL = "share-ana@example.org"
ASHBROOK_PENCE = 11_111_11
BRIGHTWATER_PENCE = 33_333_33  # half of the eligible total: the largest member
CALDER_PENCE = 22_222_22
# What must not reach Ashbrook: the others' amounts, the largest share in any wording, and the others' names.
OTHERS = (
    *money_forms(BRIGHTWATER_PENCE),
    *money_forms(CALDER_PENCE),
    "50%",
    "50.0%",
    "Brightwater",
    "Calder",
)


async def _bid(client: Client, percent: int, amounts: tuple[int, int, int]) -> dict[str, Any]:
    network_id, conv = await convenor()
    rules = [{"key": "max_member_share", "percent": percent}, {"key": "min_members", "count": 2}]
    # Exact figures shown to members (the convenor's choice): even then, never the largest share.
    bid = await open_bid(client, conv, network_id, rules=rules, member_figures="figures")
    headers = {}
    for (name, email), amount in zip(
        (("Ashbrook Homes", ANA_EMAIL), ("Brightwater Housing", None), ("Calder Homes", None)), amounts, strict=True
    ):
        _, headers[name] = await join(client, conv, bid["id"], organisation(name), email=email)
        await pledge(client, headers[name], bid["id"], amount)
    client.cookies.clear()
    return {"bid_id": bid["id"], "convenor": conv, "ana": headers["Ashbrook Homes"], "calder": headers["Calder Homes"]}


def _share_rule(eligibility: dict[str, Any]) -> dict[str, Any]:
    return next(r for r in eligibility["rules"] if r["key"] == "max_member_share")


async def test_a_member_reads_the_share_rules_verdict_but_not_the_largest_share(client: Client) -> None:
    scene = await _bid(client, 40, (ASHBROOK_PENCE, BRIGHTWATER_PENCE, CALDER_PENCE))
    bid_id = scene["bid_id"]
    full = (await client.get(f"/api/v1/bids/{bid_id}/eligibility", headers=scene["convenor"])).json()
    assert _share_rule(full)["actual_text"] == "50%" and _share_rule(full)["actual"] == 5000
    assert "Brightwater Housing holds 50%" in _share_rule(full)["gap"]

    answers = [
        await client.get(f"/api/v1/bids/{bid_id}/eligibility", headers=scene["ana"]),
        await client.get(
            f"/api/v1/bids/{bid_id}/eligibility?without={_own(full, 'Ashbrook Homes')}", headers=scene["ana"]
        ),
    ]
    for answer in answers:
        assert answer.status_code == 200, answer.text
        assert leaks(answer.text, OTHERS) == []
        rule = _share_rule(answer.json())
        assert rule["passed"] is False and rule["required"] == 4000 and rule["required_text"] == "at most 40% each"
        assert rule["actual"] is None and rule["actual_text"] == FIGURE_NOT_SHOWN
        assert rule["gap"] == "1 other member does not meet this yet" and rule["failing_organisation_ids"] == []
    totals = await client.get(f"/api/v1/bids/{bid_id}/totals", headers=scene["ana"])
    assert totals.json()["eligible_pence"] == ASHBROOK_PENCE + BRIGHTWATER_PENCE + CALDER_PENCE
    assert leaks(totals.text, OTHERS) == []
    # Another member reads the same: nothing of Brightwater's share.
    other = await client.get(f"/api/v1/bids/{bid_id}/eligibility", headers=scene["calder"])
    assert _share_rule(other.json())["actual"] is None and "50%" not in other.text

    await sign_in(client, ANA_EMAIL)
    page = await client.get(f"/bids/{bid_id}")
    assert page.status_code == 200
    assert leaks(page.text, OTHERS) == []
    assert "No member holds more than 40% of the eligible total" in text_of(page.text)


def _own(eligibility: dict[str, Any], name: str) -> int:
    return next(m["organisation_id"] for m in eligibility["members"] if m["name"] == name)


async def test_a_met_share_rule_hides_the_largest_share_too(client: Client) -> None:
    """Met, the rule's figure is still the largest member's share (and so its pledge): members do not read it."""
    scene = await _bid(client, 60, (ASHBROOK_PENCE, BRIGHTWATER_PENCE, CALDER_PENCE))
    full = (await client.get(f"/api/v1/bids/{scene['bid_id']}/eligibility", headers=scene["convenor"])).json()
    assert _share_rule(full)["passed"] and _share_rule(full)["actual_text"] == "50%"
    answer = await client.get(f"/api/v1/bids/{scene['bid_id']}/eligibility", headers=scene["ana"])
    rule = _share_rule(answer.json())
    assert rule["passed"] is True and rule["gap"] is None and rule["actual"] is None
    assert leaks(answer.text, OTHERS) == []


async def test_a_member_over_the_limit_reads_its_own_share_only(client: Client) -> None:
    scene = await _bid(client, 50, (4_000_000_00, 1_000_000_00, 1_000_000_00))  # Ashbrook holds 66%
    answer = await client.get(f"/api/v1/bids/{scene['bid_id']}/eligibility", headers=scene["ana"])
    rule = _share_rule(answer.json())
    assert rule["passed"] is False and rule["actual"] is None
    assert rule["gap"] == "Ashbrook Homes holds 66% of the eligible total; the limit is 50%"
    assert rule["failing_organisation_ids"] == [_own(answer.json(), "Ashbrook Homes")]
    assert "Brightwater" not in answer.text and "Calder" not in answer.text
    # Another member learns only that one other member is over the limit.
    other = _share_rule(
        (await client.get(f"/api/v1/bids/{scene['bid_id']}/eligibility", headers=scene["calder"])).json()
    )
    assert other["gap"] == "1 other member does not meet this yet" and other["actual"] is None
