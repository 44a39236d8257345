from __future__ import annotations

from tests.factories import Client


async def test_district_search_and_regions(client: Client) -> None:
    found = (await client.get("/api/v1/reference/districts", params={"q": "manchester"})).json()
    assert found[0]["code"] == "E08000003" and found[0]["region_name"] == "North West"
    regions = (await client.get("/api/v1/reference/regions")).json()
    assert len(regions) == 12 and sum(r["district_count"] for r in regions) == 361
    assert (await client.get("/api/v1/reference/districts/W06000015")).json()["nation_name"] == "Wales"
    assert (await client.get("/api/v1/reference/districts/X99")).status_code == 404
