"""The demo network as plain data: fictional organisations, their coverage, one bid, its members and pledges.

"Community Homes Network (demo)" is 41 made-up housing organisations: four large housing associations (40,000 to
60,000 homes), many of 2,000 to 15,000 homes, small co-operatives, charities and a community interest company, two
councils, across England's nine regions, and three Welsh members. Names, people, identifiers and websites are
invented (every address is on example.org); districts are real ONS codes, each organisation's near one another in
its region, with its homes split across them.

The bid, "Community Match Fund 2026", is pound-for-pound match funding with rules a first-time user can see at
work. Against them the demo shows these gaps:

* the three Welsh members pledge outside England (the bid is England only);
* two submitted pledges have no board approval yet (Wharfedale Housing Trust, Solent Shore Homes);
* Quantock Community Homes CIC pledges less than the £10,000 minimum;
* draft, withdrawn and missing pledges (members who joined but have not submitted);
* Capital Commons Housing holds just over 25% of the eligible total (the share limit is 25%); once the two board
  approvals come in, the total grows and the share rule passes;

while the minimum total, members and regions are met. Four organisations are still invited.

Two people convene the network (Jo Ellison and a co-convenor she invited), and Ashbrook Homes is three colleagues,
one in each role: its first person (a signatory, who can also confirm board approval), an editor (who keeps the
pledge and the profile up to date) and a viewer (who reads them), so the team pages have people to show.

Nothing here touches the database or uses randomness: ``build_demo_network(now)`` gives the same network for the
same ``now`` (only times depend on it). No passwords: the loader sets the published demo password.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any, NamedTuple

from consortium.reference.districts import District, districts
from consortium.timeutil import UK, as_utc

__all__ = [
    "BID_THEMES",
    "COLLEAGUES",
    "CONVENOR_EMAIL",
    "CO_CONVENOR_EMAIL",
    "NETWORK_NAME",
    "TEAM_ORGANISATION",
    "DemoBid",
    "DemoCoverage",
    "DemoMember",
    "DemoNetwork",
    "DemoOrganisation",
    "DemoPledge",
    "DemoUser",
    "build_demo_network",
]

NETWORK_NAME = "Community Homes Network (demo)"
CONVENOR_EMAIL = "convenor@example.org"
CONVENOR_NAME = "Jo Ellison"
CO_CONVENOR_EMAIL = "co-convenor@example.org"
CO_CONVENOR_NAME = "Sam Okafor"
# The organisation with a colleague in every role; its first person (<slug>@example.org) is its signatory.
TEAM_ORGANISATION = "ashbrook"
COLLEAGUES: tuple[tuple[str, str, str], ...] = (  # (email, name, role) of its other people
    ("ashbrook-editor@example.org", "Amara Osei", "editor"),
    ("ashbrook-viewer@example.org", "Tom Briggs", "viewer"),
)

BID_THEMES: tuple[str, ...] = (
    "Tackling loneliness",
    "Financial inclusion",
    "Digital inclusion",
    "Food security",
    "Mental health and wellbeing",
    "Employment and skills",
    "Green spaces and climate",
)

ENGLAND = "E92000001"


# --- the data handed to the loader ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoCoverage:
    district_code: str
    homes: int


@dataclass(frozen=True)
class DemoOrganisation:
    slug: str  # a short unique name: its website is https://<slug>.example.org, its member user <slug>@example.org
    name: str
    org_type: str  # housing_association | local_authority | charity | community_interest_company | cooperative
    org_id: str  # org-id.guide identifier, canonical
    homes: int
    website: str
    contact_name: str
    contact_email: str
    description: str
    coverage: tuple[DemoCoverage, ...]  # homes add up to ``homes``; the first district is its home base

    @property
    def region_code(self) -> str:
        return districts()[self.coverage[0].district_code].region_code


@dataclass(frozen=True)
class DemoPledge:
    organisation: DemoOrganisation
    amount_pence: int
    purpose: str
    themes: tuple[str, ...]  # from ``BID_THEMES``
    areas: tuple[tuple[str, int | None], ...]  # (district_code, explicit amount in pence or None); empty: everywhere
    board_approved: bool
    conditions: str
    status: str  # draft | submitted | withdrawn
    submitted_at: datetime | None  # UTC; set for submitted pledges and withdrawn ones (submitted before)


@dataclass(frozen=True)
class DemoMember:
    organisation: DemoOrganisation
    member_status: str  # invited | joined
    user_email: str | None  # the member user who joined for it; None while invited
    invited_email: str  # who the invitation went to (the organisation's contact)
    joined_at: datetime | None  # UTC


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    organisation_slug: str | None  # None for the convenors
    role: str | None = None  # in the organisation (consortium.teams.roles): its first person is a signatory


@dataclass(frozen=True)
class DemoBid:
    title: str
    funder_name: str
    funder_org_id: str
    programme: str
    deadline: datetime  # UTC
    status: str
    match_funder_part: int
    match_consortium_part: int
    match_cap_pence: int | None
    themes: tuple[str, ...]
    rules: tuple[dict[str, Any], ...]  # as stored: {"key": "min_total", "amount_pence": ...}
    members: tuple[DemoMember, ...]
    pledges: tuple[DemoPledge, ...]  # at most one per organisation


@dataclass(frozen=True)
class DemoNetwork:
    name: str
    convenor: DemoUser  # the first convenor, who started the network and invited the others
    convenors: tuple[DemoUser, ...]  # every convenor, the first one first
    # The convenors, then one member user per joined organisation (its signatory), then the colleagues in other roles
    users: tuple[DemoUser, ...]
    organisations: tuple[DemoOrganisation, ...]
    bid: DemoBid

    def organisation(self, slug: str) -> DemoOrganisation:
        for organisation in self.organisations:
            if organisation.slug == slug:
                return organisation
        raise KeyError(slug)


# --- the hand-written tables -------------------------------------------------------------------------------------


class _Org(NamedTuple):
    slug: str
    name: str
    org_type: str
    org_id: str
    homes: int
    base: str  # ONS code of the district it is based in; its coverage is the nearest districts in that region
    districts: int
    contact: str
    focus: str  # completes "<name> ..."


_HA, _LA, _CHARITY, _CIC, _COOP = (
    "housing_association",
    "local_authority",
    "charity",
    "community_interest_company",
    "cooperative",
)

_ORGANISATIONS: tuple[_Org, ...] = (
    # North East
    _Org("wearmouth", "Wearmouth Homes", _HA, "GB-SHPE-L4417", 11_600, "E08000024", 6, "Aisha Bello",
         "provides affordable homes for rent and shared ownership on both banks of the Wear"),
    _Org("tees-bridge", "Tees Bridge Housing", _HA, "GB-SHPE-4736", 6_400, "E06000004", 5, "Tom Whitfield",
         "is a community-based housing association with a strong record on tenant involvement"),
    _Org("cheviot-rural", "Cheviot Rural Housing", _HA, "GB-MPR-29814R", 2_300, "E06000057", 3, "Isla McKenzie",
         "builds and manages homes in market towns and villages where local people are priced out"),
    # North West
    _Org("ashbrook", "Ashbrook Homes", _HA, "GB-SHPE-L4102", 52_400, "E08000003", 20, "Priya Raman",
         "is one of the North West's largest landlords, with neighbourhood teams in every borough it works in"),
    _Org("mersey-heights", "Mersey Heights Housing", _HA, "GB-SHPE-L4583", 14_200, "E08000012", 7, "Sean Gallagher",
         "manages homes across Merseyside, from high-rise blocks to new-build family homes"),
    _Org("lune-wyre", "Lune and Wyre Housing", _HA, "GB-COH-07364219", 4_800, "E07000121", 5, "Hannah Brook",
         "works along the Lancashire coast and up into the Bowland fells"),
    _Org("irwell-coop", "Irwell Community Housing Co-operative", _COOP, "GB-MPR-31207R", 310, "E08000006", 3,
         "Daniel Osei", "is a tenant-run co-operative: every tenant is a member and the board meets on the estate"),
    _Org("safe-harbour", "Safe Harbour Housing", _CHARITY, "GB-CHC-1147382", 720, "E08000015", 4, "Ruth Fielding",
         "provides supported housing for young people leaving care and adults recovering from homelessness"),
    # Yorkshire and The Humber
    _Org("wharfedale", "Wharfedale Housing Trust", _HA, "GB-SHPE-L4290", 11_800, "E08000035", 6, "Ben Ashworth",
         "has housed families in West Yorkshire since the 1960s"),
    _Org("pennine-edge", "Pennine Edge Housing", _HA, "GB-SHPE-4815", 14_800, "E08000033", 8, "Zara Malik",
         "manages homes in the mill towns and valleys of the South Pennines"),
    _Org("calder-valley", "Calder Valley Housing", _HA, "GB-MPR-28436R", 9_200, "E08000034", 6, "Owen Price",
         "is a registered society owned by its tenants and the communities it serves"),
    _Org("dearne-don", "Dearne and Don Housing", _HA, "GB-SHPE-L4651", 2_700, "E08000018", 4, "Kwame Asante",
         "runs homes and community centres in former coalfield communities"),
    _Org("humber-bank", "Humber Bank Homes", _HA, "GB-SHPE-L4378", 7_700, "E06000010", 5, "Ellie Marsh",
         "works on both sides of the estuary, with a focus on warm, affordable homes"),
    # East Midlands
    _Org("trent-meadows", "Trent Meadows Housing", _HA, "GB-SHPE-L4524", 12_300, "E06000018", 9, "Nadia Begum",
         "manages homes across the city and the towns along the Trent"),
    _Org("soar-valley", "Soar Valley Homes", _HA, "GB-COH-08145273", 6_800, "E06000016", 5, "Yusuf Patel",
         "provides homes for rent, older people's housing and supported living"),
    _Org("peak-fringe", "Peak Fringe Housing Co-operative", _COOP, "GB-MPR-30541R", 180, "E07000037", 3,
         "Laura Jenkins", "is a small co-operative of terraced homes and flats on the edge of the Peak District"),
    _Org("harrowden", "Harrowden Borough Council", _LA, "GB-LAE-ZHB", 6_900, "E06000061", 3, "Marcus Reid",
         "is the stock-holding council for the area, with estates in two neighbouring districts"),
    # West Midlands
    _Org("foxwood", "Foxwood Housing Group", _HA, "GB-SHPE-L4069", 47_900, "E08000025", 18, "Fatima Hussain",
         "is a large group of landlord, care and support businesses across the West Midlands"),
    _Org("three-spires", "Three Spires Housing", _HA, "GB-SHPE-L4712", 8_700, "E08000026", 5, "Adam Kowalski",
         "manages homes in Coventry and Warwickshire, and builds around 150 new homes a year"),
    _Org("black-country-coop", "Black Country Tenants' Co-operative", _COOP, "GB-MPR-27093R", 420, "E08000028", 3,
         "Imran Qureshi", "is a tenant management co-operative running its own repairs and lettings"),
    _Org("teme-valley", "Teme Valley Homes", _HA, "GB-SHPE-4562", 3_100, "E06000019", 4, "Harriet Cole",
         "provides rural homes in the Marches, many in villages with no other affordable housing"),
    # East of England
    _Org("ouse-nene", "Ouse and Nene Housing", _HA, "GB-SHPE-L4458", 9_900, "E06000031", 7, "Callum Fraser",
         "works across the Fens, from the city to small market towns"),
    _Org("wensum", "Wensum Homes", _HA, "GB-COH-06928451", 5_200, "E07000148", 5, "Mei Lin Chen",
         "provides homes and independent living schemes in and around Norwich"),
    _Org("stour-estuary", "Stour Estuary Homes", _HA, "GB-SHPE-L4630", 7_300, "E07000071", 6, "Jack Holloway",
         "manages homes in north Essex and south Suffolk"),
    _Org("rye-meads", "Rye Meads Housing", _HA, "GB-SHPE-4927", 4_100, "E07000095", 5, "Olivia Grant",
         "provides homes for key workers and families in the Lea Valley commuter towns"),
    # London
    _Org("capital-commons", "Capital Commons Housing", _HA, "GB-SHPE-L4011", 58_200, "E09000028", 25,
         "Chloe Adeyemi", "is one of London's largest housing associations, with homes in most boroughs"),
    _Org("lea-bridge-coop", "Lea Bridge Housing Co-operative", _COOP, "GB-MPR-26658R", 260, "E09000012", 3,
         "Rosa Martinez", "is a fully mutual co-operative of converted Victorian houses"),
    _Org("northfields", "Northfields Community Homes", _HA, "GB-COH-09217634", 3_800, "E09000009", 4,
         "Samir Haddad", "provides homes for rent and low-cost ownership in west London"),
    _Org("bridgeway", "Bridgeway Supported Housing", _CHARITY, "GB-CHC-1089264", 640, "E09000022", 4,
         "Grace Mensah", "runs hostels and move-on flats for people leaving rough sleeping"),
    # South East
    _Org("weald-downs", "Weald and Downs Housing Group", _HA, "GB-SHPE-L4188", 41_800, "E06000043", 16,
         "Peter Nwosu", "manages homes from the coast to the Weald, with a large programme of new affordable homes"),
    _Org("solent-shore", "Solent Shore Homes", _HA, "GB-SHPE-L4346", 10_400, "E06000045", 7, "Sophie Lang",
         "works in the Solent cities and the towns around them"),
    _Org("kennet-loddon", "Kennet and Loddon Housing", _HA, "GB-COH-07781346", 5_900, "E06000038", 5,
         "Noah Sinclair", "provides homes in the Thames Valley, where rents are among the highest outside London"),
    _Org("hoo-coop", "Hoo Peninsula Housing Co-operative", _COOP, "GB-MPR-32075R", 150, "E06000035", 3,
         "Amara Obi", "is a small co-operative run by and for its tenants"),
    # South West
    _Org("avon-gorge", "Avon Gorge Housing", _HA, "GB-SHPE-L4407", 13_100, "E06000023", 6, "Liam Carter",
         "manages homes across the city and the surrounding towns"),
    _Org("tamar-valley", "Tamar Valley Homes", _HA, "GB-SHPE-L4539", 8_200, "E06000026", 4, "Siobhan Kelly",
         "works on both sides of the Tamar, in the city and in rural Cornwall and Devon"),
    _Org("exe-estuary", "Exe Estuary Housing", _HA, "GB-SHPE-4681", 3_600, "E07000041", 5, "Joseph Okoro",
         "provides homes for rent and shared ownership around Exeter and the estuary towns"),
    _Org("quantock-cic", "Quantock Community Homes CIC", _CIC, "GB-COH-12874530", 85, "E06000066", 3,
         "Ffion Williams", "is a community interest company bringing empty homes back into use"),
    _Org("wyvern-vale", "Wyvern Vale Council", _LA, "GB-LAE-ZWV", 5_600, "E06000066", 3, "Kate Ashdown",
         "is a stock-holding council working with its neighbours on rural homelessness"),
    # Wales
    _Org("glannau", "Cartrefi Glannau", _HA, "GB-MPR-30219R", 6_100, "W06000011", 4, "Rhys Morgan",
         "(Shoreline Homes) provides homes in Swansea Bay and the western valleys"),
    _Org("bro-teifi", "Tai Bro Teifi", _HA, "GB-COH-04826137", 1_900, "W06000008", 3, "Bethan Rees",
         "(Teifi Valley Homes) provides bilingual housing services in west Wales"),
    _Org("valleys-hillside", "Valleys Hillside Homes", _HA, "GB-MPR-29176R", 8_300, "W06000016", 5, "Megan Hughes",
         "manages homes in the South Wales valleys, many on hillside estates built in the 1950s"),
)  # fmt: skip

INVITED = frozenset({"lune-wyre", "stour-estuary", "hoo-coop", "wyvern-vale"})


class _Pledge(NamedTuple):
    status: str  # draft | submitted | withdrawn
    pounds: int
    themes: tuple[int, ...]  # positions in BID_THEMES; the first sets the purpose
    board_approved: bool = True
    named: int = 0  # how many of its districts (nearest first) the pledge names; 0: all of them, implicitly
    explicit: tuple[int, ...] = ()  # pounds for the first named districts; the rest share the remainder
    days_ago: int = 3  # when it was submitted
    conditions: str = ""


_SUBMITTED, _DRAFT, _WITHDRAWN = "submitted", "draft", "withdrawn"
_ON_AWARD = "Released only if the bid is awarded."
_BOARD_PENDING = "Subject to board approval at the next board meeting."

_PLEDGES: dict[str, _Pledge] = {
    "capital-commons": _Pledge(_SUBMITTED, 600_000, (4, 0, 2), named=8, explicit=(150_000, 100_000, 100_000),
                               days_ago=12, conditions=_ON_AWARD),
    "ashbrook": _Pledge(_SUBMITTED, 300_000, (5, 1), named=10, days_ago=9),
    "foxwood": _Pledge(_SUBMITTED, 250_000, (1, 3, 5), days_ago=15),
    "weald-downs": _Pledge(_SUBMITTED, 200_000, (6, 0), named=6, explicit=(60_000, 40_000), days_ago=7),
    "mersey-heights": _Pledge(_SUBMITTED, 100_000, (3, 1), named=4, days_ago=6),
    "pennine-edge": _Pledge(_SUBMITTED, 90_000, (0, 4), days_ago=11),
    "trent-meadows": _Pledge(_SUBMITTED, 85_000, (2, 5), named=5, days_ago=4),
    "avon-gorge": _Pledge(_SUBMITTED, 80_000, (6, 4), named=3, explicit=(50_000, 20_000, 10_000), days_ago=8),
    "wearmouth": _Pledge(_SUBMITTED, 75_000, (5,), days_ago=5),
    "calder-valley": _Pledge(_SUBMITTED, 60_000, (3, 0), named=3, days_ago=10),
    "ouse-nene": _Pledge(_SUBMITTED, 60_000, (1,), days_ago=2),
    "humber-bank": _Pledge(_SUBMITTED, 55_000, (6, 1), days_ago=6),
    "harrowden": _Pledge(_SUBMITTED, 50_000, (2, 0), named=1, days_ago=3, conditions=_ON_AWARD),
    "tamar-valley": _Pledge(_SUBMITTED, 50_000, (4,), named=2, explicit=(30_000,), days_ago=4),
    "soar-valley": _Pledge(_SUBMITTED, 45_000, (0, 2), days_ago=9),
    "tees-bridge": _Pledge(_SUBMITTED, 40_000, (5, 1), days_ago=13),
    "wensum": _Pledge(_SUBMITTED, 35_000, (3,), named=2, days_ago=1),
    "rye-meads": _Pledge(_SUBMITTED, 25_000, (1, 4), days_ago=5),
    "cheviot-rural": _Pledge(_SUBMITTED, 20_000, (0,), days_ago=7),
    "safe-harbour": _Pledge(_SUBMITTED, 20_000, (4, 5), named=2, days_ago=2),
    "teme-valley": _Pledge(_SUBMITTED, 20_000, (6,), days_ago=3),
    "bridgeway": _Pledge(_SUBMITTED, 15_000, (4, 3), named=1, explicit=(15_000,), days_ago=6),
    "lea-bridge-coop": _Pledge(_SUBMITTED, 12_500, (6,), days_ago=1),
    "black-country-coop": _Pledge(_SUBMITTED, 10_000, (3, 2), days_ago=4),
    # Gaps the demo shows: no board approval yet, under the minimum, outside England.
    "wharfedale": _Pledge(_SUBMITTED, 60_000, (0, 2), board_approved=False, named=3, days_ago=2,
                          conditions=_BOARD_PENDING),
    "solent-shore": _Pledge(_SUBMITTED, 70_000, (5, 2), board_approved=False, days_ago=1,
                            conditions=_BOARD_PENDING),
    "quantock-cic": _Pledge(_SUBMITTED, 7_500, (6,), days_ago=3),
    "glannau": _Pledge(_SUBMITTED, 60_000, (1, 4), named=2, days_ago=5),
    "bro-teifi": _Pledge(_SUBMITTED, 15_000, (0,), days_ago=8),
    "valleys-hillside": _Pledge(_SUBMITTED, 80_000, (5, 3), named=3, explicit=(40_000,), days_ago=6),
    # Not submitted yet, or withdrawn.
    "three-spires": _Pledge(_DRAFT, 40_000, (2,)),
    "exe-estuary": _Pledge(_DRAFT, 25_000, (3, 0), named=2),
    "kennet-loddon": _Pledge(_DRAFT, 45_000, (1, 5), board_approved=False, conditions=_BOARD_PENDING),
    "peak-fringe": _Pledge(_DRAFT, 10_000, (6,)),
    "northfields": _Pledge(_WITHDRAWN, 30_000, (5,), days_ago=14),
    "dearne-don": _Pledge(_WITHDRAWN, 35_000, (0, 3), days_ago=10),
    # irwell-coop has joined but not started a pledge; invited members have none.
}  # fmt: skip

_PURPOSES: dict[str, str] = {
    "Tackling loneliness": "Community connectors and weekly lunch clubs for older tenants living alone in {places}",
    "Financial inclusion": "Money advice, debt support and help with energy bills for tenants in {places}",
    "Digital inclusion": "Devices, data and digital skills sessions for tenants who are offline in {places}",
    "Food security": "Community pantries and cook-and-eat sessions on estates in {places}",
    "Mental health and wellbeing": "Wellbeing coaches and peer support groups for tenants in {places}",
    "Employment and skills": "Paid placements, apprenticeships and job coaching for tenants in {places}",
    "Green spaces and climate": "Community gardens, tree planting and energy-saving advice in {places}",
}


def _rules() -> tuple[dict[str, Any], ...]:
    return (
        {"key": "min_total", "amount_pence": 100_000_000},
        {"key": "allowed_areas", "area_codes": [ENGLAND]},
        {"key": "board_approval_required"},
        {"key": "min_pledge", "amount_pence": 1_000_000},
        {"key": "max_member_share", "percent": 25},
        {"key": "min_members", "count": 10},
        {"key": "min_regions", "count": 3},
    )


# --- building ---------------------------------------------------------------------------------------------------------


def _cube(district: District) -> tuple[int, int, int]:
    """Cube coordinates of an odd-r hex, so distances can be counted."""
    x = district.q - (district.r - (district.r & 1)) // 2
    z = district.r
    return x, -x - z, z


def _hex_distance(a: District, b: District) -> int:
    return max(abs(i - j) for i, j in zip(_cube(a), _cube(b), strict=True))


def _nearest(base_code: str, count: int) -> list[tuple[District, int]]:
    """The ``count`` districts of the base's region nearest to it (the base first), with their distance."""
    all_districts = districts()
    base = all_districts[base_code]
    same_region = [d for d in all_districts.values() if d.region_code == base.region_code]
    ranked = sorted(((d, _hex_distance(base, d)) for d in same_region), key=lambda item: (item[1], item[0].code))
    if len(ranked) < count:
        raise ValueError(f"{base.region_name} has only {len(ranked)} districts; {count} were asked for")
    return ranked[:count]


def _split(total: int, weights: list[int]) -> list[int]:
    """``total`` in whole parts proportional to ``weights`` (largest remainder, ties to the earlier part)."""
    whole = sum(weights)
    parts = [total * w // whole for w in weights]
    order = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _coverage(spec: _Org) -> tuple[DemoCoverage, ...]:
    nearest = _nearest(spec.base, spec.districts)
    # The base district holds most homes; further districts fewer, with some variety between neighbours.
    weights = [24 if distance == 0 else max(2, 12 // distance) + (index % 3) * 2 for index, (_, distance) in
               enumerate(nearest)]  # fmt: skip
    homes = _split(spec.homes, weights)
    return tuple(DemoCoverage(d.code, h) for (d, _), h in zip(nearest, homes, strict=True))


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _places(codes: list[str]) -> str:
    names = [districts()[code].name for code in codes]
    if len(names) > 4:
        return f"{', '.join(names[:3])} and {len(names) - 3} more districts"
    return _listed(names)


def _email_name(person: str) -> str:
    return ".".join(re.sub(r"[^a-z]", "", part) for part in person.lower().split())


def _organisation(spec: _Org) -> DemoOrganisation:
    coverage = _coverage(spec)
    places = _places([c.district_code for c in coverage])
    return DemoOrganisation(
        slug=spec.slug,
        name=spec.name,
        org_type=spec.org_type,
        org_id=spec.org_id,
        homes=spec.homes,
        website=f"https://{spec.slug}.example.org",
        contact_name=spec.contact,
        contact_email=f"{_email_name(spec.contact)}@example.org",
        description=f"{spec.name} {spec.focus}. It manages {spec.homes:,} homes in {places}.",
        coverage=coverage,
    )


def _pledge(organisation: DemoOrganisation, spec: _Pledge, now: datetime, index: int) -> DemoPledge:
    codes = [c.district_code for c in organisation.coverage]
    named = codes[: spec.named]
    explicit = [pounds * 100 for pounds in spec.explicit] + [None] * (len(named) - len(spec.explicit))
    themes = tuple(BID_THEMES[i] for i in spec.themes)
    submitted = spec.status != _DRAFT
    return DemoPledge(
        organisation=organisation,
        amount_pence=spec.pounds * 100,
        purpose=_PURPOSES[themes[0]].format(places=_places(named or codes)) + ".",
        themes=themes,
        areas=tuple(zip(named, explicit, strict=True)),
        board_approved=spec.board_approved,
        conditions=spec.conditions,
        status=spec.status,
        submitted_at=now - timedelta(days=spec.days_ago, hours=index % 7, minutes=(index * 17) % 60)
        if submitted
        else None,
    )


def build_demo_network(now: datetime) -> DemoNetwork:
    """The demo network, its bid closing ten days after ``now`` at 12:00 UK time; other times are before ``now``."""
    now = as_utc(now)
    organisations = tuple(_organisation(spec) for spec in _ORGANISATIONS)
    members: list[DemoMember] = []
    pledges: list[DemoPledge] = []
    convenors = (DemoUser(CONVENOR_EMAIL, CONVENOR_NAME, None), DemoUser(CO_CONVENOR_EMAIL, CO_CONVENOR_NAME, None))
    users = list(convenors)
    for index, organisation in enumerate(organisations):
        if organisation.slug in INVITED:
            members.append(DemoMember(organisation, "invited", None, organisation.contact_email, None))
            continue
        email = f"{organisation.slug}@example.org"
        joined_at = now - timedelta(days=20 - index % 10, hours=index % 5)
        members.append(DemoMember(organisation, "joined", email, organisation.contact_email, joined_at))
        users.append(DemoUser(email, organisation.contact_name, organisation.slug, "signatory"))
        spec = _PLEDGES.get(organisation.slug)
        if spec is not None:
            pledges.append(_pledge(organisation, spec, now, index))
    users.extend(DemoUser(email, name, TEAM_ORGANISATION, role) for email, name, role in COLLEAGUES)
    closing_day = (now.astimezone(UK) + timedelta(days=10)).date()
    bid = DemoBid(
        title="Community Match Fund 2026",
        funder_name="Department for Communities (demo)",
        funder_org_id="GB-GOR-PB999",
        programme="Community Match Challenge",
        deadline=datetime.combine(closing_day, time(12, 0), tzinfo=UK).astimezone(UTC),
        status="open",
        match_funder_part=1,
        match_consortium_part=1,
        match_cap_pence=250_000_000,
        themes=BID_THEMES,
        rules=_rules(),
        members=tuple(members),
        pledges=tuple(pledges),
    )
    return DemoNetwork(
        name=NETWORK_NAME,
        convenor=convenors[0],
        convenors=convenors,
        users=tuple(users),
        organisations=organisations,
        bid=bid,
    )
