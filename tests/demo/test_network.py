from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone

import pytest

from consortium.analysis.eligibility import evaluate
from consortium.analysis.frames import BidFrames, MatchTerms
from consortium.analysis.rules import parse_rules
from consortium.demo.network import BID_THEMES, DemoNetwork, build_demo_network
from consortium.organisations.identifiers import validate_org_id
from consortium.reference.districts import districts
from consortium.timeutil import UK

NOW = datetime(2026, 3, 20, 9, 30, tzinfo=UTC)
WALES = "W92000004"
ENGLAND = "E92000001"

# Names of real large providers the fictional ones must not be.
REAL_PROVIDERS = {
    "Clarion Housing",
    "L&Q",
    "Peabody",
    "Sanctuary Housing",
    "Places for People",
    "Notting Hill Genesis",
    "Riverside",
    "Home Group",
    "Orbit",
    "Sovereign",
    "Guinness",
    "Anchor",
    "Onward Homes",
    "Torus",
    "Karbon Homes",
    "Bromford",
    "Flagship",
    "Aster",
    "LiveWest",
    "Platform Housing",
    "Midland Heart",
    "Severn Vale Housing",
    "Aire Valley Homes",
    "Broadland Housing",
    "Pobl",
    "Wales & West",
}


@pytest.fixture(scope="module")
def network() -> DemoNetwork:
    return build_demo_network(NOW)


def test_about_forty_organisations_of_varied_size(network: DemoNetwork) -> None:
    organisations = network.organisations
    assert 38 <= len(organisations) <= 45
    assert len({o.slug for o in organisations}) == len(organisations)
    assert len({o.name for o in organisations}) == len(organisations)
    homes = [o.homes for o in organisations]
    assert 3 <= sum(40_000 <= h <= 60_000 for h in homes) <= 5
    assert sum(2_000 <= h <= 15_000 for h in homes) >= 20
    assert sum(h < 1_000 for h in homes) >= 5
    types = Counter(o.org_type for o in organisations)
    assert types["local_authority"] in (1, 2)
    assert {"housing_association", "charity", "cooperative", "community_interest_company"} <= set(types)


def test_names_are_fictional(network: DemoNetwork) -> None:
    for organisation in network.organisations:
        assert not any(real.casefold() in organisation.name.casefold() for real in REAL_PROVIDERS)


def test_identifiers_validate_and_are_unique(network: DemoNetwork) -> None:
    identifiers = [o.org_id for o in network.organisations]
    assert len(set(identifiers)) == len(identifiers)
    for identifier in identifiers:
        assert validate_org_id(identifier) == identifier
    prefixes = Counter(identifier.rsplit("-", 1)[0] for identifier in identifiers)
    assert prefixes.most_common(1)[0][0] == "GB-SHPE"
    assert {"GB-COH", "GB-MPR", "GB-CHC"} <= set(prefixes)
    assert validate_org_id(network.bid.funder_org_id) == network.bid.funder_org_id


def test_contact_details_are_on_example_org(network: DemoNetwork) -> None:
    for organisation in network.organisations:
        assert organisation.website == f"https://{organisation.slug}.example.org"
        assert re.fullmatch(r"[a-z]+(\.[a-z]+)+@example\.org", organisation.contact_email)
        assert organisation.contact_name
        assert organisation.name in organisation.description
        assert f"{organisation.homes:,} homes" in organisation.description
    emails = [o.contact_email for o in network.organisations]
    assert len(set(emails)) == len(emails)


def test_coverage_is_real_nearby_districts_adding_up_to_homes(network: DemoNetwork) -> None:
    all_districts = districts()
    for organisation in network.organisations:
        codes = [c.district_code for c in organisation.coverage]
        assert 3 <= len(codes) <= 25
        assert len(set(codes)) == len(codes)
        assert all(code in all_districts for code in codes)
        assert len({all_districts[code].region_code for code in codes}) == 1  # one region each
        assert sum(c.homes for c in organisation.coverage) == organisation.homes
        assert all(c.homes > 0 for c in organisation.coverage)
        assert organisation.coverage[0].homes == max(c.homes for c in organisation.coverage)  # the base
        assert organisation.region_code == all_districts[codes[0]].region_code


def test_every_english_region_and_some_of_wales(network: DemoNetwork) -> None:
    regions = Counter(o.region_code for o in network.organisations)
    assert {f"E1200000{i}" for i in range(1, 10)} <= set(regions)
    assert 2 <= regions[WALES] <= 4
    assert set(regions) <= {*(f"E1200000{i}" for i in range(1, 10)), WALES}


def test_members_and_users(network: DemoNetwork) -> None:
    bid = network.bid
    assert [m.organisation for m in bid.members] == list(network.organisations)
    statuses = Counter(m.member_status for m in bid.members)
    assert 3 <= statuses["invited"] <= 6
    assert statuses["joined"] == len(network.organisations) - statuses["invited"]
    for member in bid.members:
        assert member.invited_email == member.organisation.contact_email
        if member.member_status == "joined":
            assert member.user_email == f"{member.organisation.slug}@example.org"
            assert member.joined_at is not None and member.joined_at < NOW
        else:
            assert member.user_email is None and member.joined_at is None
    assert network.convenor.email == "convenor@example.org"
    assert [u.email for u in network.convenors] == ["convenor@example.org", "co-convenor@example.org"]
    assert all(u.organisation_slug is None and u.role is None for u in network.convenors)
    assert network.users[:2] == network.convenors
    firsts = [u for u in network.users[2:] if u.role == "signatory"]
    assert [u.email for u in firsts] == [m.user_email for m in bid.members if m.member_status == "joined"]
    assert all(u.organisation_slug and u.email == f"{u.organisation_slug}@example.org" for u in firsts)
    colleagues = network.users[2 + len(firsts) :]
    assert {(u.email, u.role) for u in colleagues} == {
        ("ashbrook-editor@example.org", "editor"),
        ("ashbrook-viewer@example.org", "viewer"),
    }
    assert {u.organisation_slug for u in colleagues} == {"ashbrook"}
    assert len({u.email for u in network.users}) == len(network.users)
    assert not any("password" in field for field in vars(network.convenor))


def test_one_organisation_has_a_colleague_in_every_role(network: DemoNetwork) -> None:
    roles = Counter((u.organisation_slug, u.role) for u in network.users if u.organisation_slug)
    teams = {slug for slug, _ in roles if sum(1 for s, _ in roles if s == slug) > 1}
    assert teams == {"ashbrook"}
    assert {role for slug, role in roles if slug == "ashbrook"} == {"signatory", "editor", "viewer"}
    ashbrook = next(p for p in network.bid.pledges if p.organisation.slug == "ashbrook")
    assert ashbrook.status == "submitted"  # the team has a pledge to read and to change


def test_pledges_in_several_states(network: DemoNetwork) -> None:
    bid = network.bid
    pledges = bid.pledges
    joined = {m.organisation.slug for m in bid.members if m.member_status == "joined"}
    slugs = [p.organisation.slug for p in pledges]
    assert len(set(slugs)) == len(slugs)
    assert set(slugs) <= joined  # invited members have no pledge
    assert joined - set(slugs)  # and at least one joined member has not started one
    statuses = Counter(p.status for p in pledges)
    assert statuses["submitted"] > len(pledges) / 2
    assert statuses["draft"] >= 2
    assert statuses["withdrawn"] == 2
    assert Counter(p.board_approved for p in pledges if p.status == "submitted")[False] == 2


def test_pledge_amounts_themes_and_areas(network: DemoNetwork) -> None:
    explicit = 0
    for pledge in network.bid.pledges:
        assert isinstance(pledge.amount_pence, int)
        assert pledge.amount_pence % 250_000 == 0  # round-ish: whole £2,500s
        assert 500_000 <= pledge.amount_pence <= 60_000_000
        assert pledge.themes and set(pledge.themes) <= set(BID_THEMES)
        assert len(set(pledge.themes)) == len(pledge.themes)
        assert pledge.purpose.endswith(".")
        covered = {c.district_code for c in pledge.organisation.coverage}
        codes = [code for code, _ in pledge.areas]
        assert set(codes) <= covered
        assert len(set(codes)) == len(codes)
        amounts = [amount for _, amount in pledge.areas if amount is not None]
        if amounts:
            explicit += 1
            assert all(amount > 0 for amount in amounts)
            assert sum(amounts) <= pledge.amount_pence
            if len(amounts) == len(pledge.areas):  # every area explicit: the whole pledge is placed
                assert sum(amounts) == pledge.amount_pence
        if pledge.status == "draft":
            assert pledge.submitted_at is None
        else:
            assert pledge.submitted_at is not None
            assert NOW - timedelta(days=30) < pledge.submitted_at < NOW
    assert 3 <= explicit < len(network.bid.pledges) / 2


def test_the_bid(network: DemoNetwork) -> None:
    bid = network.bid
    assert network.name == "Community Homes Network (demo)"
    assert bid.title == "Community Match Fund 2026"
    assert bid.funder_name == "Department for Communities (demo)"
    assert bid.funder_org_id == "GB-GOR-PB999"
    assert bid.programme == "Community Match Challenge"
    assert bid.status == "open"
    assert (bid.match_funder_part, bid.match_consortium_part) == (1, 1)
    assert bid.themes == BID_THEMES
    assert {rule["key"] for rule in bid.rules} == {
        "min_total",
        "allowed_areas",
        "board_approval_required",
        "min_pledge",
        "max_member_share",
        "min_members",
        "min_regions",
    }
    assert parse_rules(list(bid.rules))  # the analysis accepts them


def test_deadline_is_ten_days_later_at_noon_uk_time() -> None:
    # 20 March 2026 + 10 days is in British Summer Time: 12:00 BST is 11:00 UTC.
    assert build_demo_network(NOW).bid.deadline == datetime(2026, 3, 30, 11, 0, tzinfo=UTC)
    # In winter 12:00 UK time is 12:00 UTC.
    assert build_demo_network(datetime(2026, 11, 2, 23, 0, tzinfo=UTC)).bid.deadline == datetime(
        2026, 11, 12, 12, 0, tzinfo=UTC
    )
    # The UK date counts: 23:30 UTC on 30 June is already 1 July in the UK.
    late = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)
    deadline = build_demo_network(late).bid.deadline
    assert deadline.tzinfo is UTC
    assert deadline.astimezone(UK).date().isoformat() == "2026-07-11"
    assert deadline.astimezone(UK).hour == 12
    # Any timezone in, the same instant out; naive times are taken as UTC.
    elsewhere = NOW.astimezone(timezone(timedelta(hours=-5)))
    assert build_demo_network(elsewhere).bid.deadline == build_demo_network(NOW).bid.deadline
    assert build_demo_network(NOW.replace(tzinfo=None)).bid.deadline == build_demo_network(NOW).bid.deadline


def test_deterministic(network: DemoNetwork) -> None:
    assert build_demo_network(NOW) == network
    later = build_demo_network(NOW + timedelta(days=3))
    assert later.organisations == network.organisations
    assert [p.amount_pence for p in later.bid.pledges] == [p.amount_pence for p in network.bid.pledges]
    assert later.bid.deadline == network.bid.deadline + timedelta(days=3)


def _frames(network: DemoNetwork) -> tuple[BidFrames, dict[str, int]]:
    ids = {o.slug: position for position, o in enumerate(network.organisations, start=1)}
    members = [
        {
            "organisation_id": ids[m.organisation.slug],
            "name": m.organisation.name,
            "org_type": m.organisation.org_type,
            "identifier": m.organisation.org_id,
            "homes": m.organisation.homes,
            "member_status": m.member_status,
        }
        for m in network.bid.members
    ]
    pledges = [
        {
            "pledge_id": position,
            "organisation_id": ids[p.organisation.slug],
            "amount_pence": p.amount_pence,
            "board_approved": p.board_approved,
            "status": p.status,
            "themes": list(p.themes),
        }
        for position, p in enumerate(network.bid.pledges, start=1)
    ]
    areas: list[dict[str, object]] = [
        {"pledge_id": position, "district_code": code, "amount_pence": amount}
        for position, p in enumerate(network.bid.pledges, start=1)
        for code, amount in p.areas
    ]
    coverage = [
        {"organisation_id": ids[o.slug], "district_code": c.district_code, "homes": c.homes}
        for o in network.organisations
        for c in o.coverage
    ]
    return BidFrames.from_rows(members, pledges, areas, coverage), ids


def test_a_first_time_user_sees_meaningful_gaps(network: DemoNetwork) -> None:
    frames, ids = _frames(network)
    slug_of = {i: slug for slug, i in ids.items()}
    rules = parse_rules(list(network.bid.rules))
    result = evaluate(frames, rules, MatchTerms(1, 1, network.bid.match_cap_pence))
    by_key = {rule.key: rule for rule in result.rules}
    assert not result.eligible

    welsh = {o.slug for o in network.organisations if o.region_code == WALES}
    assert {slug_of[i] for i in by_key["allowed_areas"].failing_organisation_ids} == welsh
    assert {slug_of[i] for i in by_key["board_approval_required"].failing_organisation_ids} == {
        "wharfedale",
        "solent-shore",
    }
    under = {slug_of[i] for i in by_key["min_pledge"].failing_organisation_ids}
    assert "quantock-cic" in under  # submitted, under the minimum
    assert {"three-spires", "northfields", "irwell-coop"} <= under  # draft, withdrawn, none yet

    assert by_key["min_total"].passed
    assert by_key["min_members"].passed
    assert by_key["min_regions"].passed
    share = by_key["max_member_share"]
    assert not share.passed
    assert [slug_of[i] for i in share.failing_organisation_ids] == ["capital-commons"]
    assert share.actual is not None and 2_500 < share.actual < 2_800  # just over 25%, in basis points

    # With the two board approvals in, the share rule passes and so does the rest of the consortium rules.
    approved = frames.pledges.with_columns(board_approved=frames.pledges["status"] == "submitted")
    after = evaluate(BidFrames(frames.members, approved, frames.pledge_areas, frames.coverage), rules, MatchTerms())
    assert all(rule.passed for rule in after.rules if rule.scope == "consortium")
