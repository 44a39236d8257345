"""What a bid reads of its member organisations: their profile and the districts they cover.

While a bid is open it reads them live. When it locks (by the convenor, or at its deadline) each membership keeps a
copy (``BidMember.frozen_profile``), and from then on the bid (its totals, eligibility, dashboard and document)
reads only the copy: a member that changes its type, homes, identifier or districts afterwards changes them for
later bids, never for a locked or submitted one. Unlocking drops the copies, so a re-opened bid reads live again.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from consortium.bids.tables import BidMember
from consortium.organisations.tables import Coverage, Organisation
from consortium.timeutil import utc_now

# The statuses in which a bid reads its members' frozen copies rather than their live profiles.
FROZEN_STATUSES = frozenset({"locked", "submitted"})


class CoveredDistrict(msgspec.Struct, frozen=True):
    district_code: str
    homes: int | None


class OrganisationDetails(msgspec.Struct, frozen=True, kw_only=True):
    """What a bid reads of an organisation, and what a membership stores when the bid locks."""

    name: str
    org_type: str
    org_id: str | None
    homes: int | None
    website: str | None
    contact_name: str | None
    contact_email: str | None
    description: str
    coverage: list[CoveredDistrict]


class MemberProfile(OrganisationDetails, frozen=True, kw_only=True):
    """An organisation as a bid sees it: live while the bid is open, as it stood at the lock afterwards."""

    organisation_id: int
    member_status: str = "joined"  # the membership's status in this bid: invited | joined | withdrawn
    frozen_at: datetime | None = None  # when the copy was taken; None for a live profile


_PROFILE_COLUMNS = ("name", "org_type", "org_id", "homes", "website", "contact_name", "contact_email", "description")


async def _live_profiles(organisation_ids: list[int]) -> dict[int, MemberProfile]:
    if not organisation_ids:
        return {}
    organisations = await Organisation.select(
        Organisation.id, *(getattr(Organisation, column) for column in _PROFILE_COLUMNS)
    ).where(Organisation.id.is_in(organisation_ids))
    coverage: dict[int, list[CoveredDistrict]] = {}
    rows = (
        await Coverage.select(Coverage.organisation, Coverage.district_code, Coverage.homes)
        .where(Coverage.organisation.is_in(organisation_ids))
        .order_by(Coverage.district_code)
    )
    for row in rows:
        coverage.setdefault(int(row["organisation"]), []).append(CoveredDistrict(row["district_code"], row["homes"]))
    return {
        int(org["id"]): MemberProfile(
            organisation_id=int(org["id"]),
            **{column: org[column] for column in _PROFILE_COLUMNS},
            coverage=coverage.get(int(org["id"]), []),
        )
        for org in organisations
    }


async def member_profiles(bid_id: int) -> dict[int, MemberProfile]:
    """Every member organisation of the bid (invited, joined or withdrawn) as the bid sees it: the frozen copy where
    the membership has one, the live profile otherwise. A pending membership (joined through a link sent to another
    address, waiting for the convenor's approval) is not part of the bid yet: its figures, eligibility and document
    leave it out, and only the invitations page shows it."""
    memberships = await BidMember.select(
        BidMember.organisation, BidMember.status, BidMember.frozen_profile, BidMember.frozen_at
    ).where((BidMember.bid == bid_id) & (BidMember.status != "pending"))
    profiles: dict[int, MemberProfile] = {}
    live_status: dict[int, str] = {}
    for row in memberships:
        organisation_id = int(row["organisation"])
        stored = row["frozen_profile"]
        if stored is None:
            live_status[organisation_id] = row["status"]
            continue
        frozen = msgspec.json.decode(stored, type=OrganisationDetails)  # the JSON column, read as its text
        profiles[organisation_id] = MemberProfile(
            organisation_id=organisation_id,
            **{field: getattr(frozen, field) for field in OrganisationDetails.__struct_fields__},
            member_status=row["status"],
            frozen_at=row["frozen_at"],
        )
    for organisation_id, profile in (await _live_profiles(list(live_status))).items():
        profiles[organisation_id] = msgspec.structs.replace(profile, member_status=live_status[organisation_id])
    return profiles


async def freeze_profiles(bid_ids: list[int]) -> None:
    """Copy each member's live profile and coverage onto its membership of these bids, where no copy exists yet.
    Call inside the write transaction that locks the bids, so the copy is the profile at the moment of the lock."""
    if not bid_ids:
        return
    memberships = await BidMember.select(BidMember.id, BidMember.organisation).where(
        BidMember.bid.is_in(bid_ids) & BidMember.frozen_profile.is_null()
    )
    live = await _live_profiles(sorted({int(row["organisation"]) for row in memberships}))
    now = utc_now()
    for row in memberships:
        profile = live.get(int(row["organisation"]))
        if profile is None:
            continue
        details = {field: getattr(profile, field) for field in OrganisationDetails.__struct_fields__}
        frozen = OrganisationDetails(**details)
        await BidMember.update(
            {BidMember.frozen_profile: msgspec.json.encode(frozen).decode(), BidMember.frozen_at: now}
        ).where(BidMember.id == row["id"])


async def thaw_profiles(bid_id: int) -> None:
    """Drop the bid's copies (it is open again, so it reads its members live). Inside the unlocking transaction."""
    await BidMember.update({BidMember.frozen_profile: None, BidMember.frozen_at: None}).where(BidMember.bid == bid_id)


class KeptDetails(msgspec.Struct, frozen=True):
    """A locked or submitted bid that keeps the organisation's details as they were when it locked."""

    bid_title: str
    kept_since: datetime


async def bids_keeping_earlier_details(organisation_id: int) -> list[KeptDetails]:
    """The organisation's locked and submitted bids, oldest copy first: what its profile and districts pages tell a
    member, so a change made now is known to reach only bids still open."""
    rows = (
        await BidMember.select(BidMember.bid.title.as_alias("title"), BidMember.frozen_at)
        .where((BidMember.organisation == organisation_id) & BidMember.frozen_at.is_not_null())
        .order_by(BidMember.frozen_at)
    )
    return [KeptDetails(row["title"], row["frozen_at"]) for row in rows]


Row = dict[str, object]


async def analysis_rows(bid_id: int) -> tuple[list[Row], list[Row]]:
    """The same members and districts as ``member_profiles``, as the plain rows the analysis frames are built from
    (members: organisation_id, name, org_type, identifier, homes, member_status; coverage: organisation_id,
    district_code, homes). Read on every figures request, so the live part goes straight from two queries into rows
    without building a profile per member (which cost 40 ms at 400 members)."""
    memberships = await BidMember.select(BidMember.organisation, BidMember.status, BidMember.frozen_profile).where(
        (BidMember.bid == bid_id) & (BidMember.status != "pending")
    )
    members: list[Row] = []
    coverage: list[Row] = []
    live_status: dict[int, str] = {}
    for row in memberships:
        organisation_id = int(row["organisation"])
        if row["frozen_profile"] is None:
            live_status[organisation_id] = row["status"]
            continue
        frozen = msgspec.json.decode(row["frozen_profile"], type=OrganisationDetails)
        members.append(
            {
                "organisation_id": organisation_id,
                "name": frozen.name,
                "org_type": frozen.org_type,
                "identifier": frozen.org_id,
                "homes": frozen.homes,
                "member_status": row["status"],
            }
        )
        coverage += [
            {"organisation_id": organisation_id, "district_code": d.district_code, "homes": d.homes}
            for d in frozen.coverage
        ]
    if live_status:
        live = list(live_status)
        organisations = await Organisation.select(
            Organisation.id.as_alias("organisation_id"),
            Organisation.name,
            Organisation.org_type,
            Organisation.org_id.as_alias("identifier"),
            Organisation.homes,
        ).where(Organisation.id.is_in(live))
        for organisation in organisations:
            organisation["member_status"] = live_status[int(organisation["organisation_id"])]
        members += organisations
        coverage += await Coverage.select(
            Coverage.organisation.as_alias("organisation_id"), Coverage.district_code, Coverage.homes
        ).where(Coverage.organisation.is_in(live))
    return members, coverage
