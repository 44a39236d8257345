from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from consortium.schemas import MAX_DISTRICT_ENTRIES, DistrictCode, Homes, LongText, Name, ShortText
from consortium.words import OrgType


class OrganisationCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    org_type: OrgType
    org_id: ShortText | None = None
    homes: Homes | None = None
    website: ShortText | None = None
    contact_name: ShortText | None = None
    contact_email: ShortText | None = None
    description: LongText = ""


class OrganisationUpdate(msgspec.Struct, forbid_unknown_fields=True):
    name: Name | msgspec.UnsetType = msgspec.UNSET
    org_type: OrgType | msgspec.UnsetType = msgspec.UNSET
    org_id: ShortText | msgspec.UnsetType | None = msgspec.UNSET
    homes: Homes | msgspec.UnsetType | None = msgspec.UNSET
    website: ShortText | msgspec.UnsetType | None = msgspec.UNSET
    contact_name: ShortText | msgspec.UnsetType | None = msgspec.UNSET
    contact_email: ShortText | msgspec.UnsetType | None = msgspec.UNSET
    description: LongText | msgspec.UnsetType = msgspec.UNSET


class Organisation(msgspec.Struct):
    id: int
    name: str
    org_type: str
    org_type_name: str
    org_id: str | None
    homes: int | None
    website: str | None
    contact_name: str | None
    contact_email: str | None
    description: str
    created_at: datetime
    updated_at: datetime


class CoverageRowIn(msgspec.Struct, forbid_unknown_fields=True):
    district_code: DistrictCode  # an ONS code such as E08000003, or a district's exact name
    homes: Homes | None = None


class CoverageReplace(msgspec.Struct, forbid_unknown_fields=True):
    districts: Annotated[list[CoverageRowIn], msgspec.Meta(max_length=MAX_DISTRICT_ENTRIES)]


class CoverageRow(msgspec.Struct):
    district_code: str
    district_name: str
    region_code: str
    region_name: str
    homes: int | None


class Coverage(msgspec.Struct):
    organisation_id: int
    districts: list[CoverageRow]
    homes_total: int
    regions: list[str]
