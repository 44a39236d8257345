"""Freeze everything a bid document uses into a Snapshot, from the database and the analysis engine."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from consortium.analysis.eligibility import evaluate, prepare_bid
from consortium.analysis.totals import compute_totals
from consortium.bids.figures import load_frames, terms_of
from consortium.bids.services import effective_status, rule_out, rules_from_stored
from consortium.bids.tables import Bid, BidMember
from consortium.documents.snapshot import (
    Snapshot,
    SnapshotArea,
    SnapshotBid,
    SnapshotCoverage,
    SnapshotMember,
    SnapshotPledge,
    SnapshotRule,
)
from consortium.organisations.tables import Coverage, Organisation
from consortium.pledges.tables import Pledge
from consortium.reference.districts import REGIONS, district_name, districts
from consortium.timeutil import as_utc


async def build_snapshot(bid_id: int, *, version: int, generated_by: str, generated_at: datetime) -> Snapshot:
    bid = (
        await Bid.select(*Bid.all_columns(), Bid.network.name.as_alias("network_name"))
        .where(Bid.id == bid_id)
        .first()
        .output(load_json=True)
    )
    assert bid is not None
    rules = rules_from_stored(bid["rules"] or [])
    frames = await load_frames(bid_id)
    prepared = prepare_bid(frames)  # allocate once for both totals and eligibility
    members = await _members(bid_id)
    return Snapshot(
        generated_at=as_utc(generated_at),
        generated_by=generated_by,
        document_version=version,
        bid=SnapshotBid(
            id=bid["id"],
            title=bid["title"],
            network_name=bid["network_name"],
            funder_name=bid["funder_name"],
            funder_org_id=bid["funder_org_id"],
            programme=bid["programme"],
            deadline=as_utc(bid["deadline"]),
            status=effective_status(bid),
            match_funder_part=bid["match_funder_part"],
            match_consortium_part=bid["match_consortium_part"],
            match_cap_pence=bid["match_cap_pence"],
            themes=list(bid["themes"] or []),
        ),
        rules=[
            SnapshotRule(key=out.key, scope=out.scope, description=out.description, params=out.params)
            for out in (rule_out(r) for r in rules)
        ],
        members=members,
        totals=compute_totals(frames, rules, terms_of(bid), prepared=prepared),
        eligibility=evaluate(frames, rules, terms_of(bid), prepared=prepared),
    )


async def _members(bid_id: int) -> list[SnapshotMember]:
    reference = districts()
    member_rows = await BidMember.select(BidMember.organisation, BidMember.status).where(BidMember.bid == bid_id)
    status = {int(r["organisation"]): r["status"] for r in member_rows}
    if not status:
        return []
    organisations = await Organisation.select().where(Organisation.id.is_in(list(status)))
    coverage: dict[int, list[SnapshotCoverage]] = {}
    for row in (
        await Coverage.select().where(Coverage.organisation.is_in(list(status))).order_by(Coverage.district_code)
    ):
        district = reference.get(row["district_code"])
        if district is None:
            continue
        coverage.setdefault(int(row["organisation"]), []).append(
            SnapshotCoverage(
                district_code=district.code,
                district_name=district.name,
                region_code=district.region_code,
                region_name=REGIONS[district.region_code],
                homes=row["homes"],
            )
        )
    pledges: dict[int, list[SnapshotPledge]] = {}
    rows = await Pledge.select().where(Pledge.bid == bid_id).order_by(Pledge.id).output(load_json=True)
    for row in rows:
        pledges.setdefault(int(row["organisation"]), []).append(_pledge(row))
    return [
        SnapshotMember(
            organisation_id=org["id"],
            name=org["name"],
            org_type=org["org_type"],
            identifier=org["org_id"],
            homes=org["homes"],
            website=org["website"],
            contact_name=org["contact_name"],
            contact_email=org["contact_email"],
            description=org["description"],
            member_status=status[int(org["id"])],
            coverage=coverage.get(int(org["id"]), []),
            pledges=pledges.get(int(org["id"]), []),
        )
        for org in sorted(organisations, key=lambda o: (o["name"].casefold(), o["id"]))
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
