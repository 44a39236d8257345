from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from consortium.schemas import MAX_DISTRICT_ENTRIES, DistrictCode, LongText, Pence, PositivePence, Themes

PledgeStatus = Literal["draft", "submitted", "withdrawn"]


class PledgeArea(msgspec.Struct, forbid_unknown_fields=True):
    district_code: DistrictCode
    amount_pence: Pence | None = None


PledgeAreas = Annotated[list[PledgeArea], msgspec.Meta(max_length=MAX_DISTRICT_ENTRIES)]


class PledgeCreate(msgspec.Struct, forbid_unknown_fields=True):
    amount_pence: PositivePence
    purpose: LongText = ""
    themes: Themes = msgspec.field(default_factory=list)
    areas: PledgeAreas = msgspec.field(default_factory=list)
    board_approved: bool = False
    conditions: LongText = ""
    organisation_id: int | None = None  # needed only if you act for more than one organisation in this bid
    submit: bool = False  # submit straight away instead of saving a draft


class PledgeUpdate(msgspec.Struct, forbid_unknown_fields=True):
    amount_pence: PositivePence | msgspec.UnsetType = msgspec.UNSET
    purpose: LongText | msgspec.UnsetType = msgspec.UNSET
    themes: Themes | msgspec.UnsetType = msgspec.UNSET
    areas: PledgeAreas | msgspec.UnsetType = msgspec.UNSET
    board_approved: bool | msgspec.UnsetType = msgspec.UNSET
    conditions: LongText | msgspec.UnsetType = msgspec.UNSET


class PledgeAreaOut(msgspec.Struct):
    district_code: str
    district_name: str
    amount_pence: int | None


class Pledge(msgspec.Struct):
    id: int
    bid_id: int
    organisation_id: int
    organisation_name: str
    amount_pence: int
    purpose: str
    themes: list[str]
    areas: list[PledgeAreaOut]
    board_approved: bool
    conditions: str
    status: PledgeStatus
    version: int
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None


class PledgeEvent(msgspec.Struct):
    id: int
    at: datetime
    by: str  # who made the change, as a person reads it: "Ana Lopez (editor)"
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    # The person's name, and their role in the pledge's organisation when they made the change (None for a change
    # recorded before roles existed, or made by no one in a role)
    by_name: str = ""
    by_role: str | None = None
