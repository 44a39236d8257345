from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, get
from litestar.params import FromPath, QueryParameter

from consortium.errors import NotFound
from consortium.reference.districts import District, districts
from consortium.reference.search import regions, search_districts


class DistrictOut(msgspec.Struct):
    code: FromPath[str]
    name: str
    welsh_name: str | None
    region_code: str
    region_name: str
    nation_code: str
    nation_name: str


class RegionOut(msgspec.Struct):
    code: FromPath[str]
    name: str
    nation_code: str
    nation_name: str
    district_count: int


def district_out(d: District) -> DistrictOut:
    return DistrictOut(
        code=d.code,
        name=d.name,
        welsh_name=d.welsh_name,
        region_code=d.region_code,
        region_name=d.region_name,
        nation_code=d.nation_code,
        nation_name=d.nation_name,
    )


class ReferenceController(Controller):
    path = "/api/v1/reference"
    tags = ["Reference data"]

    @get("/districts", summary="UK local authority districts, searchable by name or code")
    async def list_districts(
        self,
        q: Annotated[str | None, QueryParameter(name="q", max_length=100, description="Part of a name or code")] = None,
        limit: Annotated[int, QueryParameter(name="limit", ge=1, le=400)] = 20,
    ) -> list[DistrictOut]:
        if q and q.strip():
            return [district_out(d) for d in search_districts(q, limit=limit)]
        return [district_out(d) for d in list(districts().values())[:limit]]

    @get("/districts/{code:str}", summary="One district by its ONS code")
    async def read_district(self, code: FromPath[str]) -> DistrictOut:
        district = districts().get(code.strip().upper())
        if district is None:
            raise NotFound(f"There is no district with the code {code[:20]!r}. Search by name instead.")
        return district_out(district)

    @get("/regions", summary="English regions and the other UK nations")
    async def list_regions(self) -> list[RegionOut]:
        return [RegionOut(**r) for r in regions()]
