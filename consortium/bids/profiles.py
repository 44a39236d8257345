"""What a bid reads of its member organisations: their profile and the districts they cover.

While a bid is open it reads them live. When it locks (by the convenor, or at its deadline) each membership keeps a
copy (``BidMember.frozen_profile``), and from then on the bid (its totals, eligibility, dashboard and document)
reads only the copy: a member that changes its type, homes, identifier or districts afterwards changes them for
later bids, never for a locked or submitted one. Unlocking drops the copies, so a re-opened bid reads live again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from consortium.bids.tables import BidMember
from consortium.db import share_locked
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
# What the figures read of each member: a subset, so the live part needs no profile object per member (building
# one cost 40 ms at 400 members on every figures request).
ANALYSIS_COLUMNS = ("name", "org_type", "org_id", "homes")

Row = dict[str, Any]  # a database row, as Piccolo gives it


async def _live_rows(organisation_ids: list[int], columns: tuple[str, ...]) -> tuple[list[Row], list[Row]]:
    """Organisations' current details (organisation_id and ``columns``) and their districts, by district code."""
    if not organisation_ids:
        return [], []
    organisations = await Organisation.select(
        Organisation.id.as_alias("organisation_id"), *(getattr(Organisation, column) for column in columns)
    ).where(Organisation.id.is_in(organisation_ids))
    coverage = (
        await Coverage.select(Coverage.organisation.as_alias("organisation_id"), Coverage.district_code, Coverage.homes)
        .where(Coverage.organisation.is_in(organisation_ids))
        .order_by(Coverage.district_code)
    )
    return organisations, coverage


async def member_rows(bid_id: int, columns: tuple[str, ...] = ANALYSIS_COLUMNS) -> tuple[list[Row], list[Row]]:
    """THE definition of who a bid's members are and which of their details it reads: every membership but a pending
    one (joined through a link sent to another address, waiting for the convenor's approval, it is not part of the
    bid yet), read from the membership's frozen copy where it has one and live otherwise.

    Rows: members (organisation_id, ``columns``, member_status, frozen_at) and coverage (organisation_id,
    district_code, homes). ``member_profiles`` and the figures both read through here, so they cannot disagree."""
    memberships = await BidMember.select(
        BidMember.organisation, BidMember.status, BidMember.frozen_profile, BidMember.frozen_at
    ).where((BidMember.bid == bid_id) & (BidMember.status != "pending"))
    members: list[Row] = []
    coverage: list[Row] = []
    live: dict[int, str] = {}
    for row in memberships:
        organisation_id = int(row["organisation"])
        if row["frozen_profile"] is None:
            live[organisation_id] = row["status"]
            continue
        frozen = msgspec.json.decode(row["frozen_profile"], type=OrganisationDetails)  # the JSON column's text
        members.append(
            {
                "organisation_id": organisation_id,
                **{column: getattr(frozen, column) for column in columns},
                "member_status": row["status"],
                "frozen_at": row["frozen_at"],
            }
        )
        coverage += [
            {"organisation_id": organisation_id, "district_code": d.district_code, "homes": d.homes}
            for d in frozen.coverage
        ]
    live_members, live_coverage = await _live_rows(list(live), columns)
    for member in live_members:
        member["member_status"] = live[int(member["organisation_id"])]
        member["frozen_at"] = None
    return members + live_members, coverage + live_coverage


async def member_profiles(bid_id: int) -> dict[int, MemberProfile]:
    """Every member organisation of the bid (invited, joined or withdrawn; see ``member_rows``) as the bid sees it:
    the frozen copy where the membership has one, the live profile otherwise."""
    members, coverage = await member_rows(bid_id, _PROFILE_COLUMNS)
    districts: dict[int, list[CoveredDistrict]] = {}
    for row in coverage:
        districts.setdefault(int(row["organisation_id"]), []).append(
            CoveredDistrict(row["district_code"], row["homes"])
        )
    return {
        int(member["organisation_id"]): MemberProfile(
            **member,
            coverage=sorted(districts.get(int(member["organisation_id"]), []), key=lambda d: d.district_code),
        )
        for member in members
    }


async def freeze_profiles(bid_ids: list[int]) -> None:
    """Copy each member's live profile and coverage onto its membership of these bids, where no copy exists yet.
    Call inside the write transaction that locks the bids, so the copy is the profile at the moment of the lock."""
    if not bid_ids:
        return
    memberships = await BidMember.select(BidMember.id, BidMember.organisation).where(
        BidMember.bid.is_in(bid_ids) & BidMember.frozen_profile.is_null()
    )
    organisation_ids = sorted({int(row["organisation"]) for row in memberships})
    if not organisation_ids:
        return
    # The members' rows held (FOR SHARE, PostgreSQL) before reading them: a change to a member's districts that is
    # under way finishes first and is copied, and one that starts now waits for the lock to commit. So the copy, and
    # the order of the audit trail, agree on which changes came before the lock.
    await share_locked(
        Organisation.select(Organisation.id).where(Organisation.id.is_in(organisation_ids)).order_by(Organisation.id)
    )
    organisations, coverage = await _live_rows(organisation_ids, _PROFILE_COLUMNS)
    districts: dict[int, list[CoveredDistrict]] = {}
    for district in coverage:
        districts.setdefault(int(district["organisation_id"]), []).append(
            CoveredDistrict(district["district_code"], district["homes"])
        )
    live = {
        int(org["organisation_id"]): OrganisationDetails(
            **{column: org[column] for column in _PROFILE_COLUMNS},
            coverage=districts.get(int(org["organisation_id"]), []),
        )
        for org in organisations
    }
    now = utc_now()
    for row in memberships:
        frozen = live.get(int(row["organisation"]))
        if frozen is None:
            continue
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
