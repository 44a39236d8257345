"""Every figure that appears in more than one place says the same thing in each.

Two bids: the demo network's (loaded into the database, read through the API and the convenor's dashboard, its
document rendered from a snapshot of it) and a generated one (tests/documents/factories.py, with a member that
records no districts yet places money, members outside the bid's area and a share limit). For each, the same
figure is read from every place that shows it: the cover, the summary (its words and its table), the match
calculation, the coverage notes and tables, the partner schedule, the PDF's own text read back with pypdf, the
dashboard and the API. Each bid's document is rendered once.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import msgspec
import pytest
from pypdf import PdfReader

from consortium.analysis import measures
from consortium.analysis.frames import MatchTerms
from consortium.analysis.results import Totals
from consortium.documents.context import BidContext, build_context
from consortium.documents.render import render_pdf
from consortium.documents.snapshot import Snapshot, SnapshotArea, SnapshotMember
from consortium.reference.districts import NATIONS, REGIONS, nation_of_region
from consortium.web.pages import views
from tests.factories import Client
from tests.web.helpers import sign_in, text_of

MONEY = re.compile(r"−?£[\d,]+(?:\.\d\d)?")
NATION_OF_NAME = {name: nation_of_region(code) for code, name in REGIONS.items()}


def pence(text: str) -> int:
    """'£1,584,249.82' -> 158424982; '−£440,000.00' -> -44000000."""
    found = MONEY.search(text)
    assert found, text
    amount = found.group().replace("−", "-").replace("£", "").replace(",", "")
    pounds, _, pennies = amount.partition(".")
    sign = -1 if pounds.startswith("-") else 1
    return sign * (abs(int(pounds)) * 100 + int(pennies or 0))


def number(text: str) -> int:
    found = re.search(r"\d[\d,]*", text)
    assert found, text
    return int(found.group().replace(",", ""))


def after(label: str, text: str) -> str:
    """The text that follows ``label`` (in flattened text)."""
    assert label in text, label
    return text.split(label, 1)[1]


@dataclass
class Places:
    """Where one bid's figures were read: figure name -> {place: value}."""

    seen: dict[str, dict[str, int]]

    def add(self, figure: str, place: str, value: int) -> None:
        self.seen.setdefault(figure, {})[place] = value

    def disagreements(self) -> dict[str, dict[str, int]]:
        return {figure: places for figure, places in self.seen.items() if len(set(places.values())) > 1}


def pdf_text(pdf: bytes) -> tuple[str, list[str]]:
    reader = PdfReader(io.BytesIO(pdf))
    pages = [" ".join(page.extract_text().split()) for page in reader.pages]
    return " ".join(pages), pages


def read_document(snapshot: Snapshot, ctx: BidContext, text: str, cover: str) -> Places:
    """Every figure the document shows in more than one place, read from each."""
    totals = snapshot.totals
    places = Places({})
    headline = {f.label: f for f in ctx.cover.headline}
    glance = {f.label: f for f in ctx.summary.glance}
    steps = {s.number: s for s in ctx.match.steps}
    summary = " ".join(ctx.summary.paragraphs)

    for figure, step, value in (
        (measures.PLEDGED, 1, totals.pledged_pence),
        (measures.MATCH_REQUESTED, 6, totals.match_requested_pence),
        (measures.PROGRAMME_VALUE, 7, measures.programme_value(totals)),
    ):
        places.add(figure.key, "snapshot", value)
        places.add(figure.key, "cover", pence(headline[figure.label].value))
        places.add(figure.key, "summary table", pence(glance[figure.label].value))
        places.add(figure.key, "match calculation", pence(steps[step].amount))
        places.add(figure.key, "cover (PDF text)", pence(after(figure.label.upper(), cover)))
    places.add("pledged_pence", "summary", pence(after("Members have pledged", summary)))
    places.add("pledged_pence", "partner schedule", pence(ctx.partners.total_pledged))
    places.add("pledged_pence", "region table", sum(pence(r.amount) for r in ctx.coverage.regions))
    places.add("programme_value_pence", "summary", pence(after("the programme is worth", summary)))
    places.add("eligible_pence", "snapshot", totals.eligible_pence)
    places.add("eligible_pence", "cover", pence(headline[measures.PLEDGED.label].note))
    places.add("eligible_pence", "match calculation", pence(steps[3].amount))
    places.add("eligible_pence", "pledged less excluded", pence(steps[1].amount) + pence(steps[2].amount))
    places.add("excluded_pence", "match calculation", -pence(steps[2].amount))
    places.add("excluded_pence", "excluded table", sum(pence(m.amount) for m in ctx.match.excluded))

    joined = [r for r in ctx.partners.rows if r.status.startswith("Joined")]
    places.add("joined", "snapshot", totals.members_by_status["joined"])
    places.add("joined", "cover", number(headline[measures.MEMBERS.label].value))
    places.add("joined", "summary", number(after("brings together", summary)))
    places.add("joined", "match calculation", number(after("from", steps[1].explanation)))
    places.add("joined", "partner schedule", len(joined))

    places.add("homes", "snapshot", totals.homes_covered)
    places.add("homes", "cover", number(after("they manage", headline[measures.MEMBERS.label].note)))
    places.add("homes", "summary", number(after("Together our members manage", summary)))
    places.add("homes", "partner schedule", number(ctx.partners.total_homes))

    notes = " ".join(ctx.coverage.notes)
    places.add("work_districts", "snapshot", totals.districts_covered)
    places.add("work_districts", "cover", number(headline[measures.WORK_DISTRICTS.label].value))
    places.add("work_districts", "summary", number(after("and work in", summary)))
    places.add("work_districts", "coverage notes", number(after("Members work in", notes)))
    places.add("work_regions", "snapshot", totals.regions_covered)
    places.add("work_regions", "cover", _regions(headline[measures.WORK_DISTRICTS.label].note))
    places.add("work_regions", "summary", _regions(after("and work in", summary)))
    places.add("work_regions", "coverage notes", _regions(after("Members work in", notes)))
    # Regions from members' own districts, as the partner schedule lists them.
    places.add("work_regions", "partner schedule", len({n for r in joined for n in _names(r.works_in)}))

    places.add("money_districts", "snapshot", measures.money_districts(totals.by_district))
    places.add("money_districts", "cover", number(headline[measures.MONEY_DISTRICTS.label].value))
    places.add("money_districts", "coverage notes", number(after("is placed in", after("In total", notes))))
    places.add("money_districts", "district table", len(ctx.coverage.districts))
    places.add(
        "money_districts", "map title", number(after(f"{measures.MONEY_DISTRICTS.label}:", ctx.coverage.map_svg))
    )
    places.add("money_regions", "snapshot", measures.money_regions(totals.by_region))
    places.add("money_regions", "cover", _regions(headline[measures.MONEY_DISTRICTS.label].note))
    places.add("money_regions", "coverage notes", _regions(after("is placed in", after("In total", notes))))
    places.add("money_regions", "region table", sum(1 for r in ctx.coverage.regions if r.name in NATION_OF_NAME))
    # Regions joined members' money goes to, as the partner schedule lists them.
    places.add("money_regions", "partner schedule", len({n for r in joined for n in _names(r.money_to)}))
    if totals.by_region:
        places.add("money_districts", "summary", number(after("The money reaches", summary)))
        places.add("money_regions", "summary", _regions(after("The money reaches", summary)))

    # Members putting money in each region and nation: the tables count them from where the money goes, as the
    # partner schedule's "Money to" does.
    by_region: dict[str, int] = defaultdict(int)
    by_nation: dict[str, int] = defaultdict(int)
    for row in joined:
        names = _names(row.money_to)
        for name in names:
            by_region[name] += 1
        for nation in {NATION_OF_NAME[name] for name in names}:
            by_nation[NATIONS[nation]] += 1
    for line in ctx.coverage.regions:
        if line.name in NATION_OF_NAME:
            places.add(f"members in {line.name}", "region table", number(line.members))
            places.add(f"members in {line.name}", "partner schedule", by_region[line.name])
    region_money: dict[str, int] = defaultdict(int)
    for line in ctx.coverage.regions:
        if line.name in NATION_OF_NAME:
            region_money[NATIONS[NATION_OF_NAME[line.name]]] += pence(line.amount)
    for line in ctx.coverage.nations:
        places.add(f"members in {line.name}", "nation table", number(line.members))
        places.add(f"members in {line.name}", "partner schedule", by_nation[line.name])
        places.add(f"money in {line.name}", "nation table", pence(line.amount))
        places.add(f"money in {line.name}", "region table", region_money[line.name])

    # The PDF shows what the context says (a sample of each kind of figure, as read back from the file).
    for figure in ctx.cover.headline:
        assert figure.value in cover, figure
    for step in ctx.match.steps:
        assert step.amount in text, step
    for sentence in (ctx.summary.paragraphs[0], ctx.coverage.notes[0], ctx.cover.verdict):
        assert sentence in text, sentence
    return places


def _regions(text: str) -> int:
    """The region count in 'in 3 of the UK's 12 regions' or 'in all 12 of the UK's regions'."""
    found = re.search(r"in (all )?(\d+) of the UK's", text)
    assert found, text
    return int(found.group(2))


def _names(regions: str) -> list[str]:
    return [name for name in regions.split(", ") if name in NATION_OF_NAME]


def check_document(snapshot: Snapshot, ctx: BidContext, pdf: bytes) -> Places:
    text, pages = pdf_text(pdf)
    places = read_document(snapshot, ctx, text, pages[0])
    # The cover carries the verdict; no internal id is shown anywhere.
    assert ctx.cover.verdict in pages[0]
    assert ("Not yet eligible" in pages[0]) == (not snapshot.eligibility.eligible)
    assert not re.search(r"\bPledge \d{2,}", text) and f"Bid {snapshot.bid.id}" not in text
    return places


def dashboard_places(places: Places, totals: Totals, html: str) -> None:
    """The convenor's dashboard: its figures and footnote (views.py, _live_figures.html)."""
    words = text_of(html)
    for figure, label in (
        ("pledged_pence", measures.PLEDGED.label),
        ("eligible_pence", measures.ELIGIBLE.label),
        ("match_requested_pence", measures.MATCH_REQUESTED.label),
    ):
        stat = re.search(rf'<p class="stat__label">{re.escape(label)}</p>\s*<p class="stat__value">([^<]*)</p>', html)
        assert stat, label
        places.add(figure, "dashboard", pence(stat.group(1)))
    places.add("joined", "dashboard", number(re.search(r"(\d[\d,]*) members? joined", words).group(1)))  # type: ignore[union-attr]
    places.add("homes", "dashboard", number(re.search(r"(\d[\d,]*) homes? ·", words).group(1)))  # type: ignore[union-attr]
    for key, label in (("work", measures.WORK_DISTRICTS.label), ("money", measures.MONEY_DISTRICTS.label)):
        found = re.search(re.escape(label) + r": (\d[\d,]*) districts? in (\d+) regions?", words)
        assert found, label
        places.add(f"{key}_districts", "dashboard", number(found.group(1)))
        places.add(f"{key}_regions", "dashboard", number(found.group(2)))


def api_places(places: Places, api: dict[str, Any], who: str) -> None:
    for figure, field in (
        ("pledged_pence", "pledged_pence"),
        ("eligible_pence", "eligible_pence"),
        ("match_requested_pence", "match_requested_pence"),
        ("homes", "homes_covered"),
        ("work_districts", "districts_covered"),
        ("work_regions", "regions_covered"),
        ("money_districts", "money_districts"),
        ("money_regions", "money_regions"),
    ):
        places.add(figure, who, api[field])
    places.add("joined", who, api["members_by_status"]["joined"])


def share_rule_agrees(snapshot: Snapshot, rows: list[views.MemberRow]) -> None:
    """The largest member share rule's figure is the largest member's share of the eligible total, written the same
    in the rule and in that member's row of the dashboard."""
    rule = next(r for r in snapshot.eligibility.rules if r.key == "max_member_share")
    largest = max(rows, key=lambda r: r.eligible_pence)
    assert largest.eligible_share == f"{rule.actual_text} {measures.SHARE_OF_ELIGIBLE.after}"
    assert rule.description.endswith(measures.SHARE_OF_ELIGIBLE.after)


# --- the generated bid ---------------------------------------------------------------------------------------------


def _generated(factories: ModuleType) -> Snapshot:
    """12 members across the UK in an England-only bid with a 30% share limit; the first records no districts yet
    its pledges name some (so its money goes where it does not say it works)."""
    members: list[SnapshotMember] = factories.make_members(12, seed=3)
    first = members[0]
    areas = [SnapshotArea(district_code=c.district_code, district_name=c.district_name, amount_pence=None)
             for c in first.coverage[:2]]  # fmt: skip
    pledges = [p if p.areas else msgspec.structs.replace(p, areas=areas) for p in first.pledges]
    members[0] = msgspec.structs.replace(first, coverage=[], pledges=pledges)
    rules = [
        {"key": "allowed_areas", "area_codes": ["E92000001"]},
        {"key": "max_member_share", "percent": 30},
        {"key": "min_regions", "count": 3},
        {"key": "min_pledge", "amount_pence": 1_000_000},
    ]
    snapshot: Snapshot = factories.make_snapshot(12, seed=3, rules=rules, status="open")
    _, totals, eligibility = factories.analyse(members, rules, MatchTerms(1, 1, snapshot.bid.match_cap_pence))
    return msgspec.structs.replace(snapshot, members=members, totals=totals, eligibility=eligibility)


@pytest.fixture(scope="module")
def generated(factories: ModuleType) -> tuple[Snapshot, BidContext, bytes]:
    snapshot = _generated(factories)
    return snapshot, build_context(snapshot), render_pdf(snapshot).pdf


def test_the_generated_bid_agrees_with_itself(generated: tuple[Snapshot, BidContext, bytes]) -> None:
    snapshot, ctx, pdf = generated
    totals = snapshot.totals
    # The bid this test needs: money placed where a member records no district, and more regions reached by all
    # the money than by the eligible money (members outside England are excluded).
    first = next(r for r in ctx.partners.rows if r.name == snapshot.members[0].name)
    assert first.works_in == "no districts recorded" and first.money_to not in ("nowhere yet", "")
    regions_rule = next(r for r in snapshot.eligibility.rules if r.key == "min_regions")
    assert regions_rule.actual is not None and totals.money_regions > regions_rule.actual
    assert regions_rule.description.startswith("Eligible money reaches")
    places = check_document(snapshot, ctx, pdf)
    # The dashboard's pure parts, on the same totals.
    rows = views.member_rows(totals, snapshot.eligibility, 30)
    share_rule_agrees(snapshot, rows)
    reach = {r.label: r for r in measures.reach(totals)}
    places.add("work_districts", "dashboard", number(reach[measures.WORK_DISTRICTS.label].districts))
    places.add("money_districts", "dashboard", number(reach[measures.MONEY_DISTRICTS.label].districts))
    places.add("money_regions", "dashboard", number(reach[measures.MONEY_DISTRICTS.label].regions))
    places.add("pledged_pence", "dashboard member table", sum(pence(r.pledged) for r in rows if r.status == "joined"))
    assert places.disagreements() == {}


# --- the demo network ----------------------------------------------------------------------------------------------


async def test_the_demo_bid_agrees_everywhere(client: Client, settings: Any) -> None:
    from consortium.demo.loader import load_demo
    from consortium.demo.network import CONVENOR_EMAIL
    from consortium.documents.builder import build_snapshot

    loaded = await load_demo(settings)
    assert loaded is not None
    bid_id = loaded.bid_id
    await sign_in(client, CONVENOR_EMAIL, settings.demo_password)
    api = (await client.get(f"/api/v1/bids/{bid_id}/totals")).json()
    eligibility = (await client.get(f"/api/v1/bids/{bid_id}/eligibility")).json()
    dashboard = (await client.get(f"/bids/{bid_id}")).text
    snapshot = await build_snapshot(bid_id, version=1, generated_by="Jo Ellison", generated_at=datetime.now(UTC))
    ctx = build_context(snapshot)
    places = check_document(snapshot, ctx, render_pdf(snapshot).pdf)
    api_places(places, api, "API totals")
    dashboard_places(places, snapshot.totals, dashboard)
    assert places.disagreements() == {}

    # The demo's gaps, told apart: its Welsh members work and put money in Wales, outside the England-only bid's
    # area, so the money reaches more regions than the eligible money the regions rule counts.
    regions_rule = next(r for r in eligibility["rules"] if r["key"] == "min_regions")
    assert snapshot.totals.money_regions > regions_rule["actual"]
    # The largest member's share of the eligible total reads the same in the rule and on the dashboard.
    share = next(r for r in eligibility["rules"] if r["key"] == "max_member_share")
    assert f"{share['actual_text']} {measures.SHARE_OF_ELIGIBLE.after}" in text_of(dashboard)
    rows = views.member_rows(snapshot.totals, snapshot.eligibility, 25)
    share_rule_agrees(snapshot, rows)
