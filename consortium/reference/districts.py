"""The 361 UK local authority districts (2023) with their region or nation, loaded once from shipped data."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

import polars as pl

REGIONS: dict[str, str] = {
    "E12000001": "North East",
    "E12000002": "North West",
    "E12000003": "Yorkshire and The Humber",
    "E12000004": "East Midlands",
    "E12000005": "West Midlands",
    "E12000006": "East of England",
    "E12000007": "London",
    "E12000008": "South East",
    "E12000009": "South West",
    "W92000004": "Wales",
    "S92000003": "Scotland",
    "N92000002": "Northern Ireland",
}

NATIONS: dict[str, str] = {
    "E92000001": "England",
    "W92000004": "Wales",
    "S92000003": "Scotland",
    "N92000002": "Northern Ireland",
}


def nation_of_region(region_code: str) -> str:
    """The nation code for a region code: English regions belong to England; the others are nations."""
    return "E92000001" if region_code.startswith("E12") else region_code


@dataclass(frozen=True)
class District:
    code: str
    name: str
    welsh_name: str | None
    region_code: str
    q: int  # hex column (odd-r layout)
    r: int  # hex row

    @property
    def region_name(self) -> str:
        return REGIONS[self.region_code]

    @property
    def nation_code(self) -> str:
        return nation_of_region(self.region_code)

    @property
    def nation_name(self) -> str:
        return NATIONS[self.nation_code]


@cache
def districts() -> dict[str, District]:
    """Every district keyed by its ONS code, in code order."""
    raw = resources.files("consortium.reference").joinpath("data/uk-local-authority-districts-2023.hexjson")
    hexes = json.loads(raw.read_text(encoding="utf-8"))["hexes"]
    return {
        code: District(
            code=code,
            name=cell["n"],
            welsh_name=cell.get("lad19nmw"),
            region_code=cell["region"],
            q=int(cell["q"]),
            r=int(cell["r"]),
        )
        for code, cell in sorted(hexes.items())
    }


@cache
def districts_frame() -> pl.DataFrame:
    """The districts as a frame for joins: district_code, district_name, region_code, region_name, nation_code,
    nation_name."""
    rows = list(districts().values())
    return pl.DataFrame(
        {
            "district_code": [d.code for d in rows],
            "district_name": [d.name for d in rows],
            "region_code": [d.region_code for d in rows],
            "region_name": [d.region_name for d in rows],
            "nation_code": [d.nation_code for d in rows],
            "nation_name": [d.nation_name for d in rows],
        }
    )


def area_name(code: str) -> str:
    """The name of a region or nation code (used by rules such as "England only")."""
    return REGIONS.get(code) or NATIONS[code]


def district_name(code: str) -> str:
    """A district's name for people, or the code itself if it is not one we know."""
    district = districts().get(code)
    return district.name if district else code
