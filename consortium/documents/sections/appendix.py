"""The appendix (``templates/bid/appendix.html``): one profile per member, as it recorded itself, with its
submitted pledges in full."""

from __future__ import annotations

import re
from dataclasses import dataclass

from consortium.documents.sections.facts import Facts
from consortium.documents.sections.partners import member_anchor, outcome
from consortium.documents.snapshot import SnapshotPledge
from consortium.words import PLEDGE_STATUS_NAMES, count_text, date_text, humanise, money_text, org_type_name


@dataclass(frozen=True)
class PledgeDetail:
    heading: str  # "Pledge 1 of 2: £250,000", or "Pledge: £250,000" for a member's only one
    status: str
    purpose: str
    themes: str
    areas: str
    board: str
    conditions: str
    updated: str


@dataclass(frozen=True)
class MemberProfile:
    anchor: str
    name: str
    summary: str  # "Housing association · GB-SHPE-L4001 · 12,345 homes"
    status: str
    outcome: str  # why its pledge is not counted; "" when it is
    counted: bool
    description: tuple[str, ...]
    contact: str
    website: str
    coverage: str  # "Leeds 1,200; Bradford 800"
    coverage_count: str
    coverage_homes_known: bool  # the coverage list gives homes after each district
    # Submitted pledges, in full. A draft is its member's alone and a withdrawn pledge is no part of the bid:
    # neither is shown, counted or even mentioned (snapshots made before they were left out may still hold them).
    pledges: tuple[PledgeDetail, ...]


@dataclass(frozen=True)
class AppendixContext:
    profiles: tuple[MemberProfile, ...]


def paragraphs(text: str) -> tuple[str, ...]:
    """User text split into paragraphs on blank lines, single line breaks kept as spaces."""
    blocks = re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n").strip())
    return tuple(" ".join(block.split()) for block in blocks if block.strip())


def one_line(text: str) -> str:
    """User text on one line (the appendix lays fields out line by line)."""
    return " ".join(text.split())


def _areas(pledge: SnapshotPledge) -> str:
    explicit = [a for a in pledge.areas if a.amount_pence is not None]
    rest = [a for a in pledge.areas if a.amount_pence is None]
    if not pledge.areas:
        return "all its districts, in proportion to its homes there"
    if not explicit:
        areas = "; ".join(a.district_name for a in rest)
        return areas + (" (shared in proportion to its homes there)" if len(rest) > 1 else "")
    parts = []
    for area in pledge.areas:
        if area.amount_pence is not None:
            parts.append(f"{area.district_name} ({money_text(area.amount_pence)})")
        else:
            parts.append(f"{area.district_name} ({'the rest' if len(rest) == 1 else 'a share of the rest'})")
    return "; ".join(parts)


def pledge_detail(pledge: SnapshotPledge, number: int, count: int) -> PledgeDetail:
    """A pledge by its place among the member's pledges (the database's id is no one's business)."""
    which = "Pledge" if count == 1 else f"Pledge {number} of {count}"
    status = PLEDGE_STATUS_NAMES.get(pledge.status) or humanise(pledge.status)
    return PledgeDetail(
        heading=f"{which}: {money_text(pledge.amount_pence)}",
        status=f"{status.lower()}, version {pledge.version}",
        purpose=one_line(pledge.purpose) or "Not given",
        themes=one_line(", ".join(pledge.themes)) or "None given",
        areas=_areas(pledge),
        board="yes" if pledge.board_approved else "not yet",
        conditions=one_line(pledge.conditions) or "none",
        updated=date_text(pledge.updated_at),
    )


def build(facts: Facts) -> AppendixContext:
    profiles = []
    for member in facts.members:
        status, counted, sentence = outcome(member, facts.results.get(member.organisation_id))
        summary = [org_type_name(member.org_type)]
        if member.identifier:
            summary.append(member.identifier)
        summary.append("homes not given" if member.homes is None else count_text(member.homes, "home"))
        contact = [one_line(b) for b in (member.contact_name, member.contact_email) if b and b.strip()]
        coverage = [
            c.district_name + ("" if c.homes is None else f" {c.homes:,}")
            for c in sorted(member.coverage, key=lambda c: (c.region_name, c.district_name.casefold(), c.district_code))
        ]
        submitted = sorted((p for p in member.pledges if p.status == "submitted"), key=lambda p: p.id)
        profiles.append(
            MemberProfile(
                anchor=member_anchor(member),
                name=member.name,
                summary=" · ".join(summary),
                status=status,
                outcome=sentence,
                counted=counted,
                description=paragraphs(member.description) or ("No description given.",),
                contact=", ".join(contact) or "Not given",
                website=one_line(member.website or "") or "Not given",
                coverage="; ".join(coverage) or "No districts recorded",
                coverage_count=count_text(len(member.coverage), "district"),
                coverage_homes_known=any(c.homes is not None for c in member.coverage),
                pledges=tuple(pledge_detail(p, number, len(submitted)) for number, p in enumerate(submitted, start=1)),
            )
        )
    return AppendixContext(profiles=tuple(profiles))
