"""The partner schedule (``templates/bid/partners.html``): every organisation in the bid, with its homes, pledge,
status, where it works and where its money goes."""

from __future__ import annotations

from dataclasses import dataclass

from consortium.analysis import measures
from consortium.analysis.results import MemberResult
from consortium.documents.sections.facts import Facts
from consortium.documents.snapshot import SnapshotMember
from consortium.words import MEMBER_STATUS_NAMES, count_text, humanise, money_column, org_type_name

NOT_RECORDED = "not recorded in this snapshot"


@dataclass(frozen=True)
class PartnerRow:
    number: int
    anchor: str
    name: str
    org_type: str
    identifier: str
    homes: str  # "1,337 homes", "1,200 homes in its districts", "homes not given"
    pledge: str
    works_in: str  # regions of its coverage
    money_to: str  # regions its money reaches
    status: str
    counted: bool  # the pledge counts towards the match


@dataclass(frozen=True)
class PartnersContext:
    rows: tuple[PartnerRow, ...]
    total_homes: str  # of joined members: measures.HOMES
    total_pledged: str  # of joined members: measures.PLEDGED


def member_anchor(member: SnapshotMember) -> str:
    return f"member-{member.organisation_id}"


def outcome(member: SnapshotMember, result: MemberResult | None) -> tuple[str, bool, str]:
    """(status for the schedule, counted towards the match, why not in a sentence: "" when counted)."""
    status = MEMBER_STATUS_NAMES.get(member.member_status) or humanise(member.member_status)
    if member.member_status != "joined":
        sentence = (
            "Invited but not yet joined: any pledge is not counted."
            if member.member_status == "invited"
            else "Withdrawn from the bid: any pledge is not counted."
        )
        return status, False, sentence
    if result is None or result.passed:
        return "Joined: counted", True, ""
    reasons = "; ".join(f.message for f in result.failures) or "does not meet a membership rule"
    return "Joined: excluded", False, f"Excluded from the eligible total: {reasons}."


def homes_text(member: SnapshotMember, homes: int) -> str:
    """A member's homes: its own figure, else those of the districts it works in (as measures.HOMES counts)."""
    if member.homes is not None:
        return count_text(member.homes, "home")
    if homes:
        return f"{count_text(homes, 'home')} in its districts"
    return "homes not given"


def pledged_pence(facts: Facts, member: SnapshotMember) -> int:
    share = facts.shares.get(member.organisation_id)
    if share is not None:
        return share.pledged_pence
    return sum(p.amount_pence for p in member.pledges if p.status == "submitted")


def build(facts: Facts) -> PartnersContext:
    totals = facts.snapshot.totals
    amounts = money_column([pledged_pence(facts, m) for m in facts.members] + [totals.pledged_pence])
    recorded = facts.money_regions_recorded
    rows = []
    for number, (member, amount) in enumerate(zip(facts.members, amounts, strict=False), start=1):
        status, counted, _ = outcome(member, facts.results.get(member.organisation_id))
        share = facts.shares.get(member.organisation_id)
        works_in = measures.region_names(c.region_code for c in member.coverage)
        money_to = measures.region_names(share.money_regions if share else ())
        rows.append(
            PartnerRow(
                number=number,
                anchor=member_anchor(member),
                name=member.name,
                org_type=org_type_name(member.org_type),
                identifier=member.identifier or "None",
                homes=homes_text(member, share.homes if share else (member.homes or 0)),
                pledge=amount,
                works_in=", ".join(works_in) or "no districts recorded",
                money_to=(", ".join(money_to) or "nowhere yet") if recorded else NOT_RECORDED,
                status=status,
                counted=counted,
            )
        )
    return PartnersContext(
        rows=tuple(rows),
        total_homes=measures.HOMES.text(totals.homes_covered),
        total_pledged=amounts[-1],
    )
