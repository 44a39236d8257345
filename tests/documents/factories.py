"""Realistic bid snapshots for the document tests and the render benchmark.

``make_snapshot(39)`` is a network of 39 housing organisations across the UK pooling match funding for one bid.
The data are random but seeded, so the same arguments always give the same snapshot (and the same PDF).

Totals and eligibility are computed for real by the analysis engine (``consortium.analysis``).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from consortium.analysis.eligibility import evaluate
from consortium.analysis.frames import BidFrames, MatchTerms
from consortium.analysis.results import Eligibility, Totals
from consortium.analysis.rules import RULE_KINDS, parse_rules
from consortium.analysis.totals import compute_totals
from consortium.documents.snapshot import (
    Snapshot,
    SnapshotArea,
    SnapshotBid,
    SnapshotCoverage,
    SnapshotMember,
    SnapshotPledge,
    SnapshotRule,
)
from consortium.reference.districts import REGIONS, District, districts

GENERATED_AT = datetime(2026, 6, 26, 15, 30, tzinfo=UTC)
DEADLINE = datetime(2026, 7, 3, 11, 0, tzinfo=UTC)  # 12:00 noon BST

THEMES = [
    "Warm homes retrofit",
    "Tackling homelessness",
    "Community energy",
    "Digital inclusion",
    "Tenant health and wellbeing",
]

# (name, org_type, home region) for the first 39 members: a plausible, fictional network.
BASE_MEMBERS: list[tuple[str, str, str]] = [
    ("Pennine Vale Housing", "housing_association", "E12000003"),
    ("Tyne and Wear Homes Partnership", "housing_association", "E12000001"),
    ("Severn Estuary Housing Trust", "housing_association", "E12000009"),
    ("Tai Cymunedol Gŵyr", "housing_association", "W92000004"),
    ("Clydeside Community Housing Association", "housing_association", "S92000003"),
    ("Lagan Valley Housing Association", "housing_association", "N92000002"),
    ("Mersey Heritage Homes", "housing_association", "E12000002"),
    ("Humber Coast Housing Group", "housing_association", "E12000003"),
    ("Peak District Rural Housing Association", "housing_association", "E12000004"),
    ("Fenland Community Homes", "community_interest_company", "E12000006"),
    ("Thames Gateway Housing Co-operative", "cooperative", "E12000007"),
    ("Cotswold Almshouse Charity", "charity", "E12000009"),
    ("Bristol Harbourside Homes", "housing_association", "E12000009"),
    ("Wensleydale District Council", "local_authority", "E12000003"),
    ("Black Country Housing Trust", "housing_association", "E12000005"),
    ("Solent Shore Housing", "housing_association", "E12000008"),
    ("Kentish Weald Homes", "housing_association", "E12000008"),
    ("Cartrefi Dyffryn Teifi", "housing_association", "W92000004"),
    ("Highland Crofting Homes", "housing_association", "S92000003"),
    ("Lothian Tenants' Co-operative", "cooperative", "S92000003"),
    ("Northumbria Coast and Country Homes", "housing_association", "E12000001"),
    ("Lancashire Mill Towns Housing", "housing_association", "E12000002"),
    ("Cumbria Fells Housing Association", "housing_association", "E12000002"),
    ("Trent and Soar Homes", "housing_association", "E12000004"),
    ("Lincolnshire Wolds Housing", "housing_association", "E12000004"),
    ("Arden Forest Housing", "housing_association", "E12000005"),
    ("Marches Borderland Homes", "charity", "E12000005"),
    ("Norfolk Broads Housing Society", "housing_association", "E12000006"),
    ("Chiltern Hills Community Housing", "community_interest_company", "E12000008"),
    ("Camden Square Housing Trust", "charity", "E12000007"),
    ("Lewisham Riverside Homes", "housing_association", "E12000007"),
    ("Dartmoor and Tamar Housing", "housing_association", "E12000009"),
    ("Essex Estuary Homes", "housing_association", "E12000006"),
    ("Mourne Mountains Housing Co-operative", "cooperative", "N92000002"),
    ("Cymoedd Valleys Housing", "housing_association", "W92000004"),
    ("Grampian Homes Trust", "charity", "S92000003"),
    ("Teesside Urban Renewal CIC", "community_interest_company", "E12000001"),
    ("Sussex Downs Housing", "housing_association", "E12000008"),
    ("Salford Quays Council Homes", "local_authority", "E12000002"),
]

PLACES = [
    "Aire",
    "Calder",
    "Wharfe",
    "Ouse",
    "Swale",
    "Tees",
    "Wear",
    "Tyne",
    "Eden",
    "Lune",
    "Ribble",
    "Mersey",
    "Dee",
    "Severn",
    "Wye",
    "Usk",
    "Avon",
    "Exe",
    "Tamar",
    "Fal",
    "Test",
    "Itchen",
    "Medway",
    "Stour",
    "Orwell",
    "Waveney",
    "Yare",
    "Nene",
    "Welland",
    "Witham",
    "Trent",
    "Soar",
    "Derwent",
    "Dove",
    "Tame",
    "Clyde",
    "Forth",
    "Tay",
    "Spey",
    "Lagan",
    "Bann",
    "Foyle",
    "Teifi",
    "Tywi",
    "Conwy",
    "Taff",
    "Kennet",
]
SUFFIXES = [
    "Housing",
    "Homes",
    "Housing Trust",
    "Housing Association",
    "Community Homes",
    "Housing Co-operative",
    "Housing Group",
    "Homes Partnership",
    "Almshouses",
    "Tenants' Society",
]
ORG_TYPES_BY_SUFFIX = {
    "Housing Co-operative": "cooperative",
    "Almshouses": "charity",
    "Tenants' Society": "cooperative",
}
REGION_CODES = sorted(REGIONS)


def _member_roster(count: int, rng: random.Random) -> list[tuple[str, str, str]]:
    roster = list(BASE_MEMBERS[:count])
    seen = {name for name, _, _ in roster}
    n = 0
    while len(roster) < count:
        place = PLACES[n % len(PLACES)]
        suffix = SUFFIXES[(n // len(PLACES)) % len(SUFFIXES)]
        lap = n // (len(PLACES) * len(SUFFIXES))
        name = f"{place} {suffix}" + (f" {lap + 1}" if lap else "")
        n += 1
        if name in seen:
            continue
        seen.add(name)
        roster.append((name, ORG_TYPES_BY_SUFFIX.get(suffix, "housing_association"), rng.choice(REGION_CODES)))
    return roster


def _identifier(org_type: str, index: int, rng: random.Random) -> str | None:
    if rng.random() < 0.08:
        return None
    if org_type == "housing_association":
        return f"GB-SHPE-L{4000 + index:04d}"
    if org_type == "local_authority":
        return f"GB-LAE-{'ABCDEFGHJK'[index % 10]}{'LMNPQRSTUV'[index // 10 % 10]}{'WXYZ'[index % 4]}"
    if org_type == "charity":
        return f"GB-CHC-{1100000 + index * 37:07d}"
    return f"GB-COH-{9000000 + index * 113:08d}"


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")[:40]


def make_members(
    count: int = 39,
    *,
    seed: int = 7,
    overrides: Mapping[int, Mapping[str, Any]] | None = None,
    clean: bool = False,
) -> list[SnapshotMember]:
    """``count`` members with coverage and pledges. ``overrides[i]`` replaces fields of member ``i`` (any
    ``SnapshotMember`` field, plus ``pledge_purpose`` and ``pledge_conditions`` for its pledges).

    Some members fail a membership rule (a pledge below £10,000, or without board approval) unless ``clean``."""
    rng = random.Random(seed)
    by_region: dict[str, list[District]] = defaultdict(list)
    for district in districts().values():
        by_region[district.region_code].append(district)
    overrides = overrides or {}
    members: list[SnapshotMember] = []
    pledge_id = 5000
    for index, (name, org_type, region) in enumerate(_member_roster(count, rng)):
        organisation_id = 100 + index
        # Status: a few invited or withdrawn, the rest joined.
        roll = rng.random()
        member_status = "joined"
        if index >= 3 and roll < 0.06:
            member_status = "invited"
        elif index >= 3 and roll < 0.10:
            member_status = "withdrawn"
        homes_total: int | None = rng.choice([350, 800, 1200, 2500, 4200, 6800, 9500, 14000, 22000, 31000])
        homes_total = homes_total + rng.randrange(0, 300) if homes_total else None
        if org_type in ("charity", "community_interest_company") and rng.random() < 0.3:
            homes_total = None
        home_districts = rng.sample(by_region[region], min(len(by_region[region]), rng.randint(2, 9)))
        neighbours = [d for d in districts().values() if d.region_code != region]
        extra = sorted(rng.sample(neighbours, rng.choice([0, 0, 0, 1, 2])), key=lambda d: d.code)
        covered = sorted({*home_districts, *extra}, key=lambda d: d.code)
        weights = [rng.randint(1, 10) for _ in covered]
        coverage = []
        for district, weight in zip(covered, weights, strict=True):
            homes = None if homes_total is None else max(1, homes_total * weight // sum(weights))
            coverage.append(
                SnapshotCoverage(
                    district_code=district.code,
                    district_name=district.name,
                    region_code=district.region_code,
                    region_name=district.region_name,
                    homes=homes,
                )
            )
        member_overrides = dict(overrides.get(index, {}))
        purpose = member_overrides.pop("pledge_purpose", None)
        conditions = member_overrides.pop("pledge_conditions", None)
        pledges = []
        for n in range(1 if rng.random() < 0.8 else 2):
            pledge_id += 1
            amount = rng.choice([25, 40, 50, 60, 75, 100, 120, 150, 200, 250, 300, 400, 500]) * 100_000
            if index % 13 == 5 and not clean:
                amount = 750_000  # £7,500: below the minimum pledge
            if rng.random() < 0.1:
                amount += rng.randrange(1, 99_999)
            status = "submitted"
            if rng.random() < 0.07 and not (clean and n == 0):
                status = "draft"
            elif n == 1 and rng.random() < 0.3:
                status = "withdrawn"
            themes = sorted(rng.sample(THEMES, rng.randint(1, 3)), key=THEMES.index)
            style = rng.random()
            areas: list[SnapshotArea] = []
            if style < 0.3:
                areas = [
                    SnapshotArea(district_code=c.district_code, district_name=c.district_name, amount_pence=None)
                    for c in rng.sample(coverage, min(len(coverage), rng.randint(1, 3)))
                ]
            elif style < 0.5:
                chosen = rng.sample(coverage, min(len(coverage), 2))
                areas = [
                    SnapshotArea(
                        district_code=chosen[0].district_code,
                        district_name=chosen[0].district_name,
                        amount_pence=amount // 2,
                    )
                ] + [
                    SnapshotArea(district_code=c.district_code, district_name=c.district_name, amount_pence=None)
                    for c in chosen[1:]
                ]
            areas.sort(key=lambda a: a.district_code)
            board_approved = clean or index % 11 != 7
            pledges.append(
                SnapshotPledge(
                    id=pledge_id,
                    amount_pence=amount,
                    purpose=purpose
                    or f"Match funding for {themes[0].lower()} work across our homes in {coverage[0].region_name}.",
                    themes=themes,
                    areas=areas,
                    board_approved=board_approved,
                    conditions=conditions
                    if conditions is not None
                    else ("" if board_approved else "Subject to board approval at the July meeting."),
                    status=status,
                    version=rng.randint(1, 4),
                    updated_at=GENERATED_AT - timedelta(days=rng.randint(1, 40), minutes=rng.randint(0, 600)),
                )
            )
        fields: dict[str, Any] = {
            "organisation_id": organisation_id,
            "name": name,
            "org_type": org_type,
            "identifier": _identifier(org_type, index, rng),
            "homes": homes_total,
            "website": f"https://www.{_slug(name)}.org.uk" if rng.random() < 0.85 else None,
            "contact_name": rng.choice(
                ["Aisha Patel", "Gareth Williams", "Siobhan Kelly", "Hamish MacLeod", "Priya Shah", "Tom Briggs"]
            ),
            "contact_email": f"bids@{_slug(name)}.org.uk",
            "description": (
                f"{name} provides affordable homes and support services in {coverage[0].region_name}. "
                "We work with tenants, local councils and community groups to keep homes warm, safe and "
                "affordable, and to help residents into training and work."
            ),
            "member_status": member_status,
            "coverage": coverage,
            "pledges": pledges,
        }
        fields.update(member_overrides)
        members.append(SnapshotMember(**fields))
    return members


def default_rules() -> list[dict[str, Any]]:
    """The bid's rules as stored (a key and its parameters)."""
    return [
        {"key": "min_pledge", "amount_pence": 1_000_000},
        {"key": "board_approval_required"},
        {"key": "min_total", "amount_pence": 100_000_000},
        {"key": "min_regions", "count": 3},
        {"key": "max_member_share", "percent": 25},
        {"key": "min_members", "count": 5},
    ]


def frames_of(members: list[SnapshotMember]) -> BidFrames:
    return BidFrames.from_rows(
        [
            {
                "organisation_id": m.organisation_id,
                "name": m.name,
                "org_type": m.org_type,
                "identifier": m.identifier,
                "homes": m.homes,
                "member_status": m.member_status,
            }
            for m in members
        ],
        [
            {
                "pledge_id": p.id,
                "organisation_id": m.organisation_id,
                "amount_pence": p.amount_pence,
                "board_approved": p.board_approved,
                "status": p.status,
                "themes": p.themes,
            }
            for m in members
            for p in m.pledges
        ],
        [
            {"pledge_id": p.id, "district_code": a.district_code, "amount_pence": a.amount_pence}
            for m in members
            for p in m.pledges
            for a in p.areas
        ],
        [
            {"organisation_id": m.organisation_id, "district_code": c.district_code, "homes": c.homes}
            for m in members
            for c in m.coverage
        ],
    )


def analyse(
    members: list[SnapshotMember], raw_rules: list[dict[str, Any]], terms: MatchTerms
) -> tuple[list[SnapshotRule], Totals, Eligibility]:
    """Rules as the snapshot stores them, totals and eligibility, from the real analysis engine."""
    frames = frames_of(members)
    parsed = parse_rules(raw_rules)
    snapshot_rules = []
    for rule in parsed:
        params = msgspec.to_builtins(rule)
        key = params.pop("key")
        kind = RULE_KINDS[key]
        snapshot_rules.append(SnapshotRule(key=key, scope=kind.scope, description=kind.describe(rule), params=params))
    return snapshot_rules, compute_totals(frames, parsed, terms), evaluate(frames, parsed, terms)


def make_snapshot(
    member_count: int = 39,
    *,
    seed: int = 7,
    overrides: Mapping[int, Mapping[str, Any]] | None = None,
    title: str = "Warm, Safe Homes: a UK housing partnership bid",
    network_name: str = "Northern Lights Housing Network",
    cap_pence: int | None = 500_000_000,
    rules: list[dict[str, Any]] | None = None,
    generated_at: datetime = GENERATED_AT,
    clean: bool = False,
    status: str = "locked",
) -> Snapshot:
    """A whole snapshot: ``member_count`` members, the default rules, £1 for £1 up to the cap."""
    members = make_members(member_count, seed=seed, overrides=overrides, clean=clean)
    terms = MatchTerms(funder_part=1, consortium_part=1, cap_pence=cap_pence)
    snapshot_rules, totals, eligibility = analyse(members, default_rules() if rules is None else rules, terms)
    return Snapshot(
        generated_at=generated_at,
        generated_by="Morag Fraser (convenor)",
        document_version=3,
        bid=SnapshotBid(
            id=42,
            title=title,
            network_name=network_name,
            funder_name="Ministry of Housing, Communities and Local Government",
            funder_org_id="GB-GOR-D1234",
            programme="Community Housing Match Fund 2026",
            deadline=DEADLINE,
            status=status,
            match_funder_part=terms.funder_part,
            match_consortium_part=terms.consortium_part,
            match_cap_pence=cap_pence,
            themes=list(THEMES),
        ),
        rules=snapshot_rules,
        members=members,
        totals=totals,
        eligibility=eligibility,
    )
