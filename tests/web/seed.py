"""A large bid for page timings and screenshots: a network, its convenor, and N member organisations with coverage
and submitted pledges, written with bulk inserts (making 400 people through the services would take minutes of
password hashing, and the pages only read these rows)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from consortium.accounts.security import token_digest
from consortium.bids.tables import Bid, BidMember, Invitation
from consortium.networks.services import create_network
from consortium.organisations.tables import Coverage, Organisation
from consortium.pledges.tables import Pledge
from consortium.reference.districts import districts

THEMES = ["Tackling loneliness", "Financial inclusion", "Digital inclusion", "Food security"]
RULES = [
    {"key": "min_pledge", "amount_pence": 1_000_000},
    {"key": "board_approval_required"},
    {"key": "allowed_areas", "area_codes": ["E92000001"]},
    {"key": "min_members", "count": 10},
    {"key": "min_total", "amount_pence": 100_000_000},
    {"key": "min_regions", "count": 5},
    {"key": "max_member_share", "percent": 25},
]
WORDS = ["Ash", "Beech", "Cedar", "Dale", "Elm", "Fern", "Glen", "Holly", "Ivy", "Juniper", "Kestrel", "Larch"]
KINDS = ["Homes", "Housing", "Housing Association", "Community Homes", "Living", "Housing Trust"]


async def seed_large_bid(members: int, *, password: str, seed: int = 7) -> tuple[int, int, str]:
    """(network id, bid id, convenor email) of an open bid with ``members`` joined members, most of them pledged."""
    rng = random.Random(seed)
    email = f"big-convenor-{members}-{seed}@example.org"
    network_id, _ = await create_network(f"Big Network {members} {seed}", email, "Casey Convenor", password)
    now = datetime.now(UTC)
    rows = await Bid.insert(
        Bid(
            network=network_id,
            title="Community Match Fund 2026",
            funder_name="Department for Communities",
            programme="Community Match Challenge",
            deadline=now + timedelta(days=9, hours=5),
            status="open",
            match_funder_part=1,
            match_consortium_part=1,
            match_cap_pence=500_000_000_00,
            themes=THEMES,
            rules=RULES,
        )
    ).returning(Bid.id)
    bid_id = int(rows[0]["id"])
    codes = list(districts())
    organisations = [
        Organisation(
            name=f"{rng.choice(WORDS)}{rng.choice(WORDS).lower()} {rng.choice(KINDS)} {n}",
            org_type="housing_association" if n % 9 else "charity",
            org_id=f"GB-CHC-{1_000_000 + seed * 10_000 + n}",
            homes=rng.randint(500, 20_000),
        )
        for n in range(members)
    ]
    inserted = await Organisation.insert(*organisations).returning(Organisation.id)
    organisation_ids = [int(r["id"]) for r in inserted]
    await BidMember.insert(
        *[BidMember(bid=bid_id, organisation=o, status="joined", joined_at=now) for o in organisation_ids]
    )
    await Invitation.insert(
        *[
            Invitation(
                bid=bid_id,
                email=f"member{n}-{seed}@example.org",
                token_hash=token_digest(f"seed-{seed}-{members}-{n}"),
                expires_at=now + timedelta(days=14),
                accepted_at=now,
                organisation=o,
            )
            for n, o in enumerate(organisation_ids)
        ]
    )
    coverage = []
    pledges = []
    for n, organisation_id in enumerate(organisation_ids):
        start = rng.randrange(len(codes) - 4)
        for code in codes[start : start + rng.randint(1, 4)]:
            coverage.append(Coverage(organisation=organisation_id, district_code=code, homes=rng.randint(100, 5000)))
        if n % 10 == 9:
            continue  # some members have not pledged yet
        pledges.append(
            Pledge(
                bid=bid_id,
                organisation=organisation_id,
                amount_pence=rng.randint(5, 200) * 100_000,
                themes=rng.sample(THEMES, 2),
                areas=[],
                board_approved=n % 13 != 0,
                status="submitted" if n % 7 else "draft",
                submitted_at=now if n % 7 else None,
            )
        )
    await Coverage.insert(*coverage)
    await Pledge.insert(*pledges)
    return network_id, bid_id, email
