"""What if: a member withdrew, or its submitted pledges added up to another amount, on totals and on eligibility.

The strongest check of a "what if" is to make the change for real and compare: for a pledge naming no district
(its money spread over the member's districts by homes, split exactly here) the figures must be the same."""

from __future__ import annotations

from typing import Any

import pytest

from consortium.analysis import eligibility as analysis
from tests.factories import Client, convenor, join, open_bid, organisation, pledge

RULES = [
    {"key": "min_pledge", "amount_pence": 20_000_00},
    {"key": "min_total", "amount_pence": 100_000_00},
    {"key": "max_member_share", "percent": 70},
]
MANCHESTER, LEEDS, BRADFORD = "E08000003", "E08000035", "E08000032"


async def _scene(client: Client) -> dict[str, Any]:
    """Ashbrook pledges £40,000 over its two districts (homes 100 and 300, so £10,000 and £30,000 exactly); Calder
    £30,000 in Bradford; Dene has districts but no pledge yet."""
    network_id, conv = await convenor()
    bid = await open_bid(client, conv, network_id, rules=RULES)
    scene: dict[str, Any] = {"bid_id": bid["id"], "conv": conv}
    for name, districts in (
        ("Ashbrook Homes", [(MANCHESTER, 100), (LEEDS, 300)]),
        ("Calder Homes", [(BRADFORD, 500)]),
        ("Dene Housing", [(LEEDS, 50), (BRADFORD, 150)]),
    ):
        org, headers = await join(client, conv, bid["id"], organisation(name))
        rows = [{"district_code": code, "homes": homes} for code, homes in districts]
        covered = await client.put(f"/api/v1/organisations/{org}/coverage", json={"districts": rows}, headers=headers)
        assert covered.status_code == 200, covered.text
        scene[name.split()[0].lower()] = (org, headers)
    scene["ash_pledge"] = await pledge(client, scene["ashbrook"][1], bid["id"], 40_000_00)
    await pledge(client, scene["calder"][1], bid["id"], 30_000_00, areas=[{"district_code": BRADFORD}])
    return scene


async def _get(client: Client, scene: dict[str, Any], what: str, query: str = "", headers: Any = None) -> Any:
    answer = await client.get(f"/api/v1/bids/{scene['bid_id']}/{what}{query}", headers=headers or scene["conv"])
    assert answer.status_code == 200, answer.text
    return answer.json()


def _as_is(figures: dict[str, Any]) -> dict[str, Any]:
    """The figures without the note of which "what if" they answer."""
    return {k: v for k, v in figures.items() if k not in {"what_if", "without_organisation_id"}}


async def test_a_changed_pledge_gives_the_figures_the_change_itself_gives(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    scene = await _scene(client)
    ash, ash_headers = scene["ashbrook"]
    allocations = []
    real_placement = analysis.place_submitted_pledges

    def counted(frames: Any) -> Any:
        allocations.append(frames.pledges.height)
        return real_placement(frames)

    monkeypatch.setattr(analysis, "place_submitted_pledges", counted)
    query = f"?organisation={ash}&pledged_pence={80_000_00}"
    totals, eligibility = await _get(client, scene, "totals", query), await _get(client, scene, "eligibility", query)
    assert len(allocations) == 2  # one allocation of the bid for each answer: the change is scaled from it
    assert (
        totals["what_if"]
        == eligibility["what_if"]
        == {
            "without_organisation_id": None,
            "organisation_id": ash,
            "pledged_pence": 80_000_00,
        }
    )
    assert totals["pledged_pence"] == 110_000_00 and eligibility["eligible_pence"] == 110_000_00
    assert {r["key"]: r["amount_pence"] for r in totals["by_district"]} == {
        MANCHESTER: 20_000_00,
        LEEDS: 60_000_00,
        BRADFORD: 30_000_00,
    }
    # Today's figures are untouched by the question.
    assert (await _get(client, scene, "totals"))["pledged_pence"] == 70_000_00

    changed = await client.patch(
        f"/api/v1/pledges/{scene['ash_pledge']['id']}",
        json={"amount_pence": 80_000_00},
        headers=ash_headers | {"If-Match": '"1"'},
    )
    assert changed.status_code == 200, changed.text
    assert _as_is(totals) == _as_is(await _get(client, scene, "totals"))
    assert _as_is(eligibility) == _as_is(await _get(client, scene, "eligibility"))

    # A member with no submitted pledge: modelled as one board-approved pledge over its districts.
    dene, dene_headers = scene["dene"]
    query = f"?organisation={dene}&pledged_pence={20_000_00}"
    totals, eligibility = await _get(client, scene, "totals", query), await _get(client, scene, "eligibility", query)
    assert eligibility["eligible"] is True and "Dene" not in eligibility["verdict"]
    await pledge(client, dene_headers, scene["bid_id"], 20_000_00)
    assert _as_is(totals) == _as_is(await _get(client, scene, "totals"))
    assert _as_is(eligibility) == _as_is(await _get(client, scene, "eligibility"))


async def test_what_if_a_member_withdrew_works_on_totals_too(client: Client) -> None:
    scene = await _scene(client)
    calder, _ = scene["calder"]
    ash, _ = scene["ashbrook"]
    totals = await _get(client, scene, "totals", f"?without={calder}")
    eligibility = await _get(client, scene, "eligibility", f"?without={calder}")
    assert totals["pledged_pence"] == eligibility["eligible_pence"] == 40_000_00
    assert totals["members_by_status"]["withdrawn"] == 1 and totals["what_if"]["without_organisation_id"] == calder
    assert eligibility["without_organisation_id"] == calder
    # Both at once, for two members: Calder gone and Ashbrook at £20,000, so Ashbrook holds all the money.
    both = await _get(client, scene, "eligibility", f"?without={calder}&organisation={ash}&pledged_pence=2000000")
    share = next(r for r in both["rules"] if r["key"] == "max_member_share")
    assert both["eligible_pence"] == 20_000_00 and share["passed"] is False and share["actual"] == 10_000
    # A drop to nothing: Ashbrook fails the minimum pledge and its money leaves the eligible total.
    nothing = await _get(client, scene, "eligibility", f"?organisation={ash}&pledged_pence=0")
    minimum = next(r for r in nothing["rules"] if r["key"] == "min_pledge")
    assert nothing["eligible_pence"] == 30_000_00 and ash in minimum["failing_organisation_ids"]


async def test_members_ask_only_what_if_they_withdrew_and_bad_questions_are_explained(client: Client) -> None:
    scene = await _scene(client)
    base = f"/api/v1/bids/{scene['bid_id']}"
    (ash, ash_headers), (calder, _) = scene["ashbrook"], scene["calder"]

    own = await _get(client, scene, "totals", f"?without={ash}", headers=ash_headers)
    # The bid keeps the default: members read ranges, and the "what if" is the range less their own pledge.
    assert own["pledged_pence"] is None and own["pledged_band"] and own["figures"] == "bands"
    assert "members" not in own and "by_district" not in own
    assert own["what_if"]["without_organisation_id"] == ash
    other = await client.get(f"{base}/totals?without={calder}", headers=ash_headers)
    assert other.status_code == 404
    for what in ("totals", "eligibility"):
        asked = await client.get(f"{base}/{what}?organisation={ash}&pledged_pence=1", headers=ash_headers)
        assert asked.status_code == 403 and "Only the bid's convenors" in asked.json()["message"], asked.text

    refusals = [
        (f"?organisation={ash}", 422, "give both"),
        (f"?pledged_pence={100}", 422, "give both"),
        (f"?organisation={ash}&pledged_pence=-5", 400, "pledged_pence"),
        ("?organisation=999999&pledged_pence=5", 422, "no organisation with that number"),
        (f"?without={ash}&organisation={ash}&pledged_pence=5", 422, "not both"),
    ]
    for query, status, words in refusals:
        for what in ("totals", "eligibility"):
            answer = await client.get(f"{base}/{what}{query}", headers=scene["conv"])
            assert answer.status_code == status, (what, query, answer.text)
            assert words in answer.json()["message"], (what, query, answer.json())
