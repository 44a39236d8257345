"""The July 2020 scenario, through the API only: 39 housing organisations, 1.1 million homes, £6.25M pledged."""

from __future__ import annotations

from consortium.reference.districts import districts
from tests.factories import Client, convenor, join, open_bid, organisation, pledge

MEMBERS = 39
HOMES = 1_100_000
PLEDGED = 625_000_000  # £6.25M in pence


def _plan() -> list[dict[str, object]]:
    english = [d.code for d in districts().values() if d.code.startswith("E")]
    welsh = [d.code for d in districts().values() if d.code.startswith("W")]
    homes = [HOMES // MEMBERS] * MEMBERS
    homes[0] += HOMES - sum(homes)
    amounts = [(10_000_00 + i * 733_17) for i in range(MEMBERS - 1)]
    amounts.append(PLEDGED - sum(amounts))
    plan = []
    for i in range(MEMBERS):
        codes = [welsh[0], welsh[1]] if i == 5 else [english[(i * 7 + k * 13) % len(english)] for k in range(3)]
        plan.append(
            {
                "name": f"Member Housing {i:02d}",
                "homes": homes[i],
                "amount": amounts[i],
                "districts": codes,
                "board_approved": i != 7,
            }
        )
    return plan


async def test_thirty_nine_member_consortium(client: Client) -> None:
    network_id, headers = await convenor()
    rules = [
        {"key": "min_total", "amount_pence": 100_000_000},
        {"key": "allowed_areas", "area_codes": ["E92000001"]},
        {"key": "board_approval_required"},
        {"key": "min_pledge", "amount_pence": 1_000_000},
        {"key": "max_member_share", "percent": 25},
        {"key": "min_members", "count": 10},
    ]
    bid = await open_bid(client, headers, network_id, rules=rules)
    plan = _plan()
    orgs: list[tuple[int, dict[str, str]]] = []
    for member in plan:
        org_id, member_headers = await join(
            client, headers, bid["id"], organisation(str(member["name"]), homes=member["homes"])
        )
        coverage = [{"district_code": c, "homes": None} for c in member["districts"]]  # type: ignore[attr-defined]
        put = await client.put(
            f"/api/v1/organisations/{org_id}/coverage", json={"districts": coverage}, headers=member_headers
        )
        assert put.status_code == 200, put.text
        await pledge(
            client,
            member_headers,
            bid["id"],
            int(member["amount"]),  # type: ignore[call-overload]
            board_approved=member["board_approved"],
        )
        orgs.append((org_id, member_headers))

    totals = (await client.get(f"/api/v1/bids/{bid['id']}/totals", headers=headers)).json()
    welsh_amount, unapproved_amount = int(plan[5]["amount"]), int(plan[7]["amount"])  # type: ignore[call-overload]
    assert totals["pledged_pence"] == PLEDGED
    assert totals["homes_covered"] == HOMES
    assert totals["members_by_status"]["joined"] == MEMBERS
    assert totals["eligible_pence"] == PLEDGED - welsh_amount - unapproved_amount
    assert totals["match_requested_pence"] == totals["eligible_pence"]
    assert sum(r["amount_pence"] for r in totals["by_region"]) == PLEDGED
    assert sum(r["amount_pence"] for r in totals["by_district"]) == PLEDGED
    assert sum(r["amount_pence"] for r in totals["by_org_type"]) == PLEDGED

    verdict = (await client.get(f"/api/v1/bids/{bid['id']}/eligibility", headers=headers)).json()
    by_key = {r["key"]: r for r in verdict["rules"]}
    assert by_key["min_total"]["passed"] and by_key["min_members"]["passed"]
    assert not by_key["allowed_areas"]["passed"] and by_key["allowed_areas"]["failing_organisation_ids"] == [orgs[5][0]]
    assert by_key["board_approval_required"]["failing_organisation_ids"] == [orgs[7][0]]
    largest_share = max(int(m["amount"]) for m in plan) / (PLEDGED - welsh_amount - unapproved_amount)  # type: ignore[call-overload]
    assert by_key["max_member_share"]["passed"] is (largest_share <= 0.25)
    assert verdict["eligible"] is False

    # What if the largest member withdrew? The eligible total drops by exactly its pledge.
    largest = max(range(MEMBERS), key=lambda i: int(plan[i]["amount"]))  # type: ignore[call-overload]
    what_if = await client.get(
        f"/api/v1/bids/{bid['id']}/eligibility", params={"without": orgs[largest][0]}, headers=headers
    )
    assert what_if.status_code == 200
    assert what_if.json()["without_organisation_id"] == orgs[largest][0]
    min_total_without = next(r for r in what_if.json()["rules"] if r["key"] == "min_total")
    assert min_total_without["actual"] == totals["eligible_pence"] - int(plan[largest]["amount"])  # type: ignore[call-overload]

    # One member can never read another's pledge, even knowing its number.
    theirs = (await client.get(f"/api/v1/bids/{bid['id']}/pledges", headers=orgs[1][1])).json()[0]
    assert (await client.get(f"/api/v1/pledges/{theirs['id']}", headers=orgs[0][1])).status_code == 404
