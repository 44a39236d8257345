from __future__ import annotations

from consortium.organisations.tables import Coverage
from tests.factories import Client, convenor, join, open_bid, organisation


async def test_member_edits_profile_and_replaces_coverage_by_code_or_name(client: Client) -> None:
    network_id, headers = await convenor()
    bid = await open_bid(client, headers, network_id)
    org_id, member = await join(client, headers, bid["id"], organisation("Ashbrook Homes"))
    url = f"/api/v1/organisations/{org_id}"
    updated = await client.patch(url, json={"org_id": "gb-shpe-l0042", "homes": 12_000}, headers=member)
    assert updated.status_code == 200, updated.text
    assert updated.json()["org_id"] == "GB-SHPE-L0042"
    coverage = await client.put(
        f"{url}/coverage",
        json={
            "districts": [{"district_code": "E08000003", "homes": 8000}, {"district_code": "Salford", "homes": 4000}]
        },
        headers=member,
    )
    assert coverage.status_code == 200, coverage.text
    body = coverage.json()
    assert {d["district_code"] for d in body["districts"]} == {"E08000003", "E08000006"}
    assert body["homes_total"] == 12_000 and body["regions"] == ["North West"]


async def test_unknown_district_rejects_the_whole_replacement_and_keeps_the_old_one(client: Client) -> None:
    network_id, headers = await convenor()
    bid = await open_bid(client, headers, network_id)
    org_id, member = await join(client, headers, bid["id"], organisation("Ashbrook Homes"))
    url = f"/api/v1/organisations/{org_id}/coverage"
    await client.put(url, json={"districts": [{"district_code": "E08000003", "homes": 10}]}, headers=member)
    bad = await client.put(
        url, json={"districts": [{"district_code": "E08000006"}, {"district_code": "Birmingam"}]}, headers=member
    )
    assert bad.status_code == 422
    assert "Birmingham" in bad.json()["message"]
    assert [r["district_code"] for r in await Coverage.select(Coverage.district_code)] == ["E08000003"]


async def test_convenor_reads_but_cannot_edit_a_members_organisation(client: Client) -> None:
    network_id, headers = await convenor()
    bid = await open_bid(client, headers, network_id)
    org_id, _ = await join(client, headers, bid["id"], organisation("Ashbrook Homes"))
    assert (await client.get(f"/api/v1/organisations/{org_id}", headers=headers)).status_code == 200
    assert (
        await client.patch(f"/api/v1/organisations/{org_id}", json={"homes": 1}, headers=headers)
    ).status_code == 403


async def test_every_problem_with_a_profile_change_is_answered_at_once_and_nothing_is_saved(client: Client) -> None:
    network_id, headers = await convenor()
    bid = await open_bid(client, headers, network_id)
    org_id, member = await join(client, headers, bid["id"], organisation("Ashbrook Homes"))
    url = f"/api/v1/organisations/{org_id}"
    before = (await client.get(url, headers=member)).json()
    sent = {
        "name": "   ",
        "org_id": "GB-XYZ-1",
        "website": "javascript:alert(1)",
        "contact_email": "not an address",
    }
    answer = await client.patch(url, json=sent, headers=member)
    assert answer.status_code == 422, answer.text
    fields = answer.json()["fields"]
    assert sorted(fields) == ["contact_email", "name", "org_id", "website"]
    assert fields["name"] == ["Enter the organisation's name."]
    assert "GB-XYZ" in fields["org_id"][0] and "web address" in fields["website"][0]
    assert len(answer.json()["errors"]) == 4
    assert (await client.get(url, headers=member)).json() == before
