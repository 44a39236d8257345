"""Freeze everything a bid document uses into a Snapshot, from the database and the analysis engine."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

import polars as pl

from consortium.analysis.eligibility import evaluate, prepare_bid
from consortium.analysis.frames import BidFrames
from consortium.analysis.totals import compute_totals
from consortium.bids.access import read_bid_row
from consortium.bids.figures import load_frames, terms_of
from consortium.bids.profiles import member_profiles
from consortium.bids.services import effective_status, rule_out, rules_from_stored
from consortium.documents.snapshot import (
    Snapshot,
    SnapshotArea,
    SnapshotBid,
    SnapshotCoverage,
    SnapshotMember,
    SnapshotPledge,
    SnapshotRule,
)
from consortium.pledges.tables import Pledge
from consortium.reference.districts import REGIONS, district_name, districts
from consortium.timeutil import as_utc


async def build_snapshot(bid_id: int, *, version: int, generated_by: str, generated_at: datetime) -> Snapshot:
    bid = await read_bid_row(bid_id)
    assert bid is not None
    rules = rules_from_stored(bid.rules)
    frames = submitted_only(await load_frames(bid_id))
    prepared = prepare_bid(frames)  # allocate once for both totals and eligibility
    members = await _members(bid_id)
    return Snapshot(
        generated_at=as_utc(generated_at),
        generated_by=generated_by,
        document_version=version,
        bid=SnapshotBid(
            id=bid.id,
            title=bid.title,
            network_name=bid.network_name,
            funder_name=bid.funder_name,
            funder_org_id=bid.funder_org_id,
            programme=bid.programme,
            deadline=as_utc(bid.deadline),
            status=effective_status(bid),
            match_funder_part=bid.match_funder_part,
            match_consortium_part=bid.match_consortium_part,
            match_cap_pence=bid.match_cap_pence,
            themes=list(bid.themes),
        ),
        rules=[
            SnapshotRule(key=out.key, scope=out.scope, description=out.description, params=out.params)
            for out in (rule_out(r) for r in rules)
        ],
        members=members,
        totals=compute_totals(frames, rules, terms_of(bid), prepared=prepared),
        eligibility=evaluate(frames, rules, terms_of(bid), prepared=prepared),
    )


def submitted_only(frames: BidFrames) -> BidFrames:
    """The bid's data without its draft and withdrawn pledges. The figures come out the same (the analysis counts
    only submitted money), but the snapshot's counts of pledges by status then say nothing of anyone's drafts."""
    pledges = frames.pledges.filter(pl.col("status") == "submitted")
    areas = frames.pledge_areas.filter(pl.col("pledge_id").is_in(pledges["pledge_id"].implode()))
    return dataclasses.replace(frames, pledges=pledges, pledge_areas=areas)


async def _members(bid_id: int) -> list[SnapshotMember]:
    reference = districts()
    # Live while the bid is open; the copy frozen at the lock once it is locked or submitted.
    profiles = await member_profiles(bid_id)
    if not profiles:
        return []
    coverage: dict[int, list[SnapshotCoverage]] = {}
    for organisation_id, profile in profiles.items():
        for covered in profile.coverage:
            district = reference.get(covered.district_code)
            if district is None:
                continue
            coverage.setdefault(organisation_id, []).append(
                SnapshotCoverage(
                    district_code=district.code,
                    district_name=district.name,
                    region_code=district.region_code,
                    region_name=REGIONS[district.region_code],
                    homes=covered.homes,
                )
            )
    pledges: dict[int, list[SnapshotPledge]] = {}
    # A document holds only submitted pledges: a draft is its member's alone, and a withdrawn pledge is not part
    # of the bid (see ``submitted_only``).
    rows = (
        await Pledge.select()
        .where((Pledge.bid == bid_id) & (Pledge.status == "submitted"))
        .order_by(Pledge.id)
        .output(load_json=True)
    )
    for row in rows:
        pledges.setdefault(int(row["organisation"]), []).append(_pledge(row))
    return [
        SnapshotMember(
            organisation_id=org.organisation_id,
            name=org.name,
            org_type=org.org_type,
            identifier=org.org_id,
            homes=org.homes,
            website=org.website,
            contact_name=org.contact_name,
            contact_email=org.contact_email,
            description=org.description,
            member_status=org.member_status,
            coverage=coverage.get(org.organisation_id, []),
            pledges=pledges.get(org.organisation_id, []),
        )
        for org in sorted(profiles.values(), key=lambda o: (o.name.casefold(), o.organisation_id))
    ]


def _pledge(row: dict[str, Any]) -> SnapshotPledge:
    return SnapshotPledge(
        id=row["id"],
        amount_pence=row["amount_pence"],
        purpose=row["purpose"],
        themes=list(row["themes"] or []),
        areas=[
            SnapshotArea(
                district_code=a["district_code"],
                district_name=district_name(a["district_code"]),
                amount_pence=a.get("amount_pence"),
            )
            for a in row["areas"] or []
        ],
        board_approved=row["board_approved"],
        conditions=row["conditions"],
        status=row["status"],
        version=row["version"],
        updated_at=as_utc(row["updated_at"]),
    )
