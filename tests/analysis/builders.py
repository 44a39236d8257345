"""Small builders for BidFrames in the analysis tests: rows read like the bid they describe."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import polars as pl

from consortium.analysis.frames import BidFrames

# Real districts (ONS 2023 codes) used throughout the tests.
LEEDS = "E08000035"  # Yorkshire and The Humber
BRADFORD = "E08000032"  # Yorkshire and The Humber
MANCHESTER = "E08000003"  # North West
LIVERPOOL = "E08000012"  # North West
CAMDEN = "E09000007"  # London
CARDIFF = "W06000015"  # Wales
GLASGOW = "S12000049"  # Scotland
BELFAST = "N09000003"  # Northern Ireland

YORKSHIRE = "E12000003"
NORTH_WEST = "E12000002"
LONDON = "E12000007"
WALES = "W92000004"
SCOTLAND = "S92000003"
NORTHERN_IRELAND = "N92000002"
ENGLAND = "E92000001"


def pounds(amount: int) -> int:
    """Whole pounds as pence, so tests read in pounds."""
    return amount * 100


def member(
    organisation_id: int,
    name: str | None = None,
    *,
    org_type: str | None = "housing_association",
    identifier: str | None = "GB-SHPE-L0001",
    homes: int | None = None,
    status: str = "joined",
) -> dict[str, object]:
    return {
        "organisation_id": organisation_id,
        "name": name or f"Member {organisation_id}",
        "org_type": org_type,
        "identifier": identifier,
        "homes": homes,
        "member_status": status,
    }


def pledge(
    pledge_id: int,
    organisation_id: int,
    amount_pence: int,
    *,
    approved: bool = True,
    status: str = "submitted",
    themes: Sequence[str] | None = (),
) -> dict[str, object]:
    return {
        "pledge_id": pledge_id,
        "organisation_id": organisation_id,
        "amount_pence": amount_pence,
        "board_approved": approved,
        "status": status,
        "themes": None if themes is None else list(themes),
    }


def area(pledge_id: int, district_code: str, amount_pence: int | None = None) -> dict[str, object]:
    return {"pledge_id": pledge_id, "district_code": district_code, "amount_pence": amount_pence}


def covers(organisation_id: int, district_code: str, homes: int | None = None) -> dict[str, object]:
    return {"organisation_id": organisation_id, "district_code": district_code, "homes": homes}


def bid(
    members: Iterable[dict[str, object]],
    pledges: Iterable[dict[str, object]] = (),
    areas: Iterable[dict[str, object]] = (),
    coverage: Iterable[dict[str, object]] = (),
) -> BidFrames:
    return BidFrames.from_rows(list(members), list(pledges), list(areas), list(coverage))


def parts_by_pledge(allocation: pl.DataFrame) -> dict[int, dict[str | None, int]]:
    """{pledge_id: {district_code or None: amount}} from an allocation frame, for readable assertions."""
    parts: dict[int, dict[str | None, int]] = {}
    for pledge_id, district, amount in allocation.select("pledge_id", "district_code", "amount_pence").iter_rows():
        parts.setdefault(pledge_id, {})[district] = parts.get(pledge_id, {}).get(district, 0) + amount
    return parts
