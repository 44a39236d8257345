"""The bid workbook (bid.xlsx): the same snapshot as the PDF, as sheets a finance team can sum and filter.

Every figure comes from the analysis the PDF shows (``consortium.documents.sections``: the facts, the headline
figures, the partner schedule, coverage, themes and the eligibility statement), under the measures' labels
(``consortium.analysis.measures``), so the workbook and the PDF of a version always agree. Money is a number of
pounds with a £ format (from integer pence here, at the edge), percentages are numbers with a % format rounded
down as the PDF rounds them, and the Pledges sheet is the document's pledges.csv table (submitted pledges only:
a snapshot holds no draft, and the rows leave out any that an old snapshot might).
"""

from __future__ import annotations

from typing import Any

from consortium.analysis import measures
from consortium.documents.sections import partners
from consortium.documents.sections.coverage import NOT_RECORDED
from consortium.documents.sections.facts import Facts, facts_of, headline
from consortium.documents.snapshot import Snapshot
from consortium.exports.columns import Column, Table
from consortium.exports.tables import DOCUMENT_PLEDGES, document_pledge_rows
from consortium.exports.writers import xlsx_bytes
from consortium.reference.districts import districts
from consortium.words import datetime_text, org_type_name

SUMMARY = Table(
    "Summary",
    (
        Column("figure", "Figure", "text"),
        Column("money", "Amount", "money"),
        Column("number", "Number", "int"),
        Column("note", "Note", "text"),
    ),
)
MEMBERS = Table(
    "Members",
    (
        Column("name", "Organisation", "text"),
        Column("org_type", "Type of organisation", "text"),
        Column("identifier", "Identifier", "text"),
        Column("status", "Status", "text"),
        Column("counted", "Counted towards the match", "bool"),
        Column("homes", measures.HOMES.label, "int"),
        Column("pledged", "Pledged", "money"),
        Column("eligible", measures.ELIGIBLE.label, "money"),
        Column("share_of_pledged", measures.SHARE_OF_PLEDGED.label, "percent"),
        Column("share_of_eligible", measures.SHARE_OF_ELIGIBLE.label, "percent"),
        Column("districts", "Districts where it works", "int"),
        Column("works_in", "Regions where it works", "text"),
        Column("money_to", "Regions its money goes to", "text"),
        Column("why", "Why not counted", "text"),
    ),
)
DISTRICTS = Table(
    "Districts",
    (
        Column("name", "District", "text"),
        Column("code", "Code", "text"),
        Column("region", "Region or nation", "text"),
        Column("amount", "Money allocated", "money"),
        Column("members", "Members contributing", "int"),
    ),
)
REGIONS = Table(
    "Regions",
    (
        Column("name", "Region or nation", "text"),
        Column("amount", "Money allocated", "money"),
        Column("share", "Share", "percent"),
        Column("members", "Members contributing", "int"),
    ),
)
THEMES = Table(
    "Themes",
    (
        Column("name", "Theme", "text"),
        Column("amount", "Money", "money"),
        Column("share", "Share", "percent"),
        Column("members", "Members contributing", "int"),
    ),
)
RULES = Table(
    "Rules",
    (
        Column("rule", "Rule", "text"),
        Column("applies_to", "Applies to", "text"),
        Column("figure", "Our figure", "text"),
        Column("required", "Required", "text"),
        Column("verdict", "Verdict", "text"),
        Column("gap", "What is missing", "text"),
        Column("failing", "Members not meeting it", "text"),
    ),
)
OVERLAPS = Table(
    "Overlaps",
    (
        Column("district", "District", "text"),
        Column("code", "Code", "text"),
        Column("region", "Region or nation", "text"),
        Column("members", "Members", "int"),
        Column("organisations", "Organisations", "text"),
    ),
)
ABOUT = Table(
    "About this version",
    (
        Column("item", "What", "text"),
        Column("value", "Value", "text", width=70),
    ),
)


def share(part: int, whole: int, decimals: int = 1) -> float:
    """``part`` of ``whole`` as a fraction, rounded down to ``decimals`` places of a percent, as the PDF writes it
    (``consortium.words.percent_text`` never rounds up): shown with the sheet's % format it reads the same."""
    if whole <= 0 or part <= 0:
        return 0.0
    scale = 10**decimals
    return (part * 100 * scale // whole) / (100 * scale)


def summary_rows(facts: Facts) -> list[dict[str, Any]]:
    """The cover's headline figures (same labels and notes), then the rest of the totals and the verdict."""
    totals = facts.snapshot.totals
    values: dict[str, tuple[str, int]] = {
        measures.PLEDGED.label: ("money", totals.pledged_pence),
        measures.MATCH_REQUESTED.label: ("money", totals.match_requested_pence),
        measures.PROGRAMME_VALUE.label: ("money", facts.programme_value_pence),
        measures.MEMBERS.label: ("number", facts.joined),
        measures.WORK_DISTRICTS.label: ("number", totals.districts_covered),
        measures.MONEY_DISTRICTS.label: ("number", facts.money_districts),
    }
    rows: list[dict[str, Any]] = []
    for figure in headline(facts):
        kind, value = values[figure.label]
        rows.append({"figure": figure.label, kind: value, "note": figure.note})
    rows += [
        {"figure": measures.ELIGIBLE.label, "money": totals.eligible_pence, "note": measures.ELIGIBLE.definition},
        {
            "figure": measures.UNALLOCATED.label,
            "money": totals.unallocated_pence,
            "note": measures.UNALLOCATED.definition,
        },
        {"figure": measures.HOMES.label, "number": totals.homes_covered, "note": measures.HOMES.definition},
        {
            "figure": measures.WORK_REGIONS.label,
            "number": totals.regions_covered,
            "note": measures.WORK_REGIONS.definition,
        },
        {
            "figure": measures.MONEY_REGIONS.label,
            "number": facts.money_regions,
            "note": measures.MONEY_REGIONS.definition,
        },
        {"figure": "Eligibility", "note": facts.snapshot.eligibility.verdict},
    ]
    return rows


def member_rows(facts: Facts) -> list[dict[str, Any]]:
    """The partner schedule: every organisation in the bid, by name, with the figures the PDF gives it."""
    totals = facts.snapshot.totals
    recorded = facts.money_regions_recorded
    rows = []
    for member in facts.members:
        result = facts.results.get(member.organisation_id)
        status, counted, why = partners.outcome(member, result)
        figures = facts.shares.get(member.organisation_id)
        money_to = measures.region_names(figures.money_regions if figures else ())
        eligible = figures.eligible_pence if figures else 0
        rows.append(
            {
                "name": member.name,
                "org_type": org_type_name(member.org_type),
                "identifier": member.identifier or "",
                "status": status,
                "counted": counted,
                "homes": figures.homes if figures else member.homes,
                "pledged": partners.pledged_pence(facts, member),
                "eligible": eligible,
                # Stored in basis points, rounded down; shown to 0.1%, rounded down again.
                "share_of_pledged": share(figures.share_basis_points, 10_000) if figures else 0.0,
                "share_of_eligible": share(eligible, totals.eligible_pence) if counted else 0.0,
                "districts": figures.districts if figures else len(member.coverage),
                "works_in": ", ".join(measures.region_names(c.region_code for c in member.coverage)),
                "money_to": ", ".join(money_to) if recorded else NOT_RECORDED,
                "why": why,
            }
        )
    return rows


def _region_of(code: str) -> str:
    found = districts().get(code)
    return found.region_name if found else ""


def district_rows(facts: Facts) -> list[dict[str, Any]]:
    """Every district the money reaches, in the PDF's order (by region, then name)."""
    placed = [r for r in facts.snapshot.totals.by_district if r.amount_pence > 0]
    ordered = sorted(placed, key=lambda r: (_region_of(r.key) or "~", r.name.casefold(), r.key))
    return [
        {"name": r.name, "code": r.key, "region": _region_of(r.key), "amount": r.amount_pence, "members": r.members}
        for r in ordered
    ]


def amount_rows(rows: list[Any]) -> list[dict[str, Any]]:
    whole = sum(r.amount_pence for r in rows)
    return [
        {"name": r.name, "amount": r.amount_pence, "share": share(r.amount_pence, whole), "members": r.members}
        for r in rows
    ]


def rule_rows(facts: Facts) -> list[dict[str, Any]]:
    """The eligibility statement: consortium rules, then member rules, each with every member failing it."""
    rules = facts.snapshot.eligibility.rules
    ordered = [r for r in rules if r.scope == "consortium"] + [r for r in rules if r.scope == "member"]
    return [
        {
            "rule": r.description,
            "applies_to": "The consortium as a whole" if r.scope == "consortium" else "Each member",
            "figure": r.actual_text,
            "required": r.required_text,
            "verdict": "Met" if r.passed else "Not met",
            "gap": r.gap or "",
            "failing": "; ".join(facts.name_of(o) for o in r.failing_organisation_ids),
        }
        for r in ordered
    ]


def overlap_rows(facts: Facts) -> list[dict[str, Any]]:
    return [
        {
            "district": r.name,
            "code": r.district_code,
            "region": _region_of(r.district_code),
            "members": len(r.organisation_ids),
            "organisations": "; ".join(r.organisation_names),
        }
        for r in facts.snapshot.totals.overlap
    ]


HOW_TO_VERIFY = (
    "This workbook is made from the snapshot whose SHA-256 is above: the same snapshot as the PDF of this version, "
    "whose every page footer prints the start of it, and which is attached to the PDF as snapshot.json. To check "
    "it, download this version's snapshot.json and work out its SHA-256 (on Windows: certutil -hashfile "
    "snapshot.json SHA256; on a Mac or Linux: shasum -a 256 snapshot.json), or look the SHA-256 up on the share "
    "link's page: it names the bid and version it belongs to."
)


def about_rows(facts: Facts, *, sha256: str, version: int) -> list[dict[str, Any]]:
    snapshot = facts.snapshot
    bid = snapshot.bid
    return [
        {"item": "Bid", "value": bid.title},
        {"item": "Network", "value": bid.network_name},
        {"item": "Funder", "value": bid.funder_name},
        {"item": "Programme", "value": bid.programme},
        {"item": "Deadline", "value": datetime_text(bid.deadline)},
        {"item": "Status", "value": facts.status},
        {"item": "Document version", "value": f"Version {version}"},
        {"item": "Made at", "value": datetime_text(snapshot.generated_at)},
        {"item": "Made by", "value": snapshot.generated_by},
        {"item": "Snapshot SHA-256", "value": sha256},
        {"item": "How to verify", "value": HOW_TO_VERIFY},
    ]


def bid_workbook(snapshot: Snapshot, *, sha256: str, version: int) -> bytes:
    """The bid workbook of a document version. ``sha256``: of the stored snapshot.json; the same snapshot always
    gives the same bytes (the workbook's creation time is the snapshot's)."""
    facts = facts_of(snapshot, sha256)
    totals = snapshot.totals
    sheets: list[tuple[Table, list[dict[str, Any]]]] = [
        (SUMMARY, summary_rows(facts)),
        (MEMBERS, member_rows(facts)),
        (DOCUMENT_PLEDGES, document_pledge_rows(snapshot)),
        (DISTRICTS, district_rows(facts)),
        (REGIONS, amount_rows(list(totals.by_region))),
        (THEMES, amount_rows(list(totals.by_theme))),
        (RULES, rule_rows(facts)),
        (OVERLAPS, overlap_rows(facts)),
        (ABOUT, about_rows(facts, sha256=sha256, version=version)),
    ]
    return xlsx_bytes(sheets, created=snapshot.generated_at)
