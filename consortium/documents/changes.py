"""What changed between two versions of a bid's document, read from their snapshots alone (so any two stored versions
can be compared, and a version's document can state the changes since an earlier one).

``compare(before, after)`` is pure and deterministic: it reads only the two snapshots, and lists the bid's terms and
rules in a fixed order, members by name (then id) and figures in the order of the headline table. Amounts stay in
pence in the structs (``pledged_before_pence`` ...; ``FigureChange.before``) and are written as pounds only in the
plain-English ``lines`` and ``label`` texts, with ``consortium.money`` (via ``consortium.words``).

A member's *row* is what the document states about it: its details, its status in the bid, the districts it works
in and its pledges (amount, purpose, themes, districts, board approval, conditions). A pledge's version number and
save time are not part of it: saving a pledge without changing it changes nothing a reader sees.

The structs are declared in ``consortium.documents.snapshot`` (a snapshot carries its ``changes_since``); import
them from here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import msgspec

from consortium.analysis import measures
from consortium.analysis.results import Totals
from consortium.analysis.rules import RULE_KINDS
from consortium.documents.snapshot import (
    FigureChange,
    MemberChange,
    Snapshot,
    SnapshotBid,
    SnapshotCoverage,
    SnapshotMember,
    SnapshotPledge,
    SnapshotRule,
    TermChange,
    VersionChanges,
)
from consortium.words import (
    MEMBER_STATUS_NAMES,
    count_text,
    datetime_text,
    humanise,
    join_names,
    money_text,
    org_type_name,
)

__all__ = [
    "FigureChange",
    "MemberChange",
    "TermChange",
    "VersionChanges",
    "compare",
    "figure_text",
    "for_member",
    "member_row",
    "summary_lines",
]

JOINED = "joined"
NOT_GIVEN = "not given"


# --- the bid's terms and rules ------------------------------------------------------------------------------------


def _cap_text(cap_pence: int | None) -> str:
    return "no cap" if cap_pence is None else money_text(cap_pence)


def _ratio(bid: SnapshotBid) -> str:
    return f"£{bid.match_funder_part:,} for every £{bid.match_consortium_part:,} eligible"


def _list_text(items: Iterable[str]) -> str:
    return ", ".join(items) or "none"


# (label, how the document states it): in the order a reader meets them.
_TERMS: tuple[tuple[str, Callable[[SnapshotBid], str]], ...] = (
    ("The bid's title", lambda b: b.title),
    ("The funder", lambda b: b.funder_name),
    ("The funder's reference", lambda b: b.funder_org_id or NOT_GIVEN),
    ("The programme", lambda b: b.programme),
    ("The deadline", lambda b: datetime_text(b.deadline)),
    ("The match ratio", _ratio),
    ("The match cap", lambda b: _cap_text(b.match_cap_pence)),
    ("The funding call's themes", lambda b: _list_text(b.themes)),
)


def _rule_label(key: str) -> str:
    kind = RULE_KINDS.get(key)
    return f"Rule: {(kind.title if kind else humanise(key)).lower()}"


def _rule_text(rule: SnapshotRule) -> str:
    """The rule as the document states it (its description), with its settings when the wording hides a change."""
    return rule.description


def _rules_by_key(rules: Sequence[SnapshotRule]) -> dict[str, list[SnapshotRule]]:
    grouped: dict[str, list[SnapshotRule]] = {}
    for rule in rules:
        grouped.setdefault(rule.key, []).append(rule)
    return grouped


def _settings(rule: SnapshotRule) -> str:
    return msgspec.json.encode(rule.params, order="sorted").decode()


def _term_changes(before: Snapshot, after: Snapshot) -> list[TermChange]:
    changes = [
        TermChange(label=label, before=text(before.bid), after=text(after.bid))
        for label, text in _TERMS
        if text(before.bid) != text(after.bid)
    ]
    old, new = _rules_by_key(before.rules), _rules_by_key(after.rules)
    for key in sorted(old.keys() | new.keys()):
        was, now = old.get(key, []), new.get(key, [])
        if [(r.scope, r.description, _settings(r)) for r in was] == [
            (r.scope, r.description, _settings(r)) for r in now
        ]:
            continue
        was_text = "; ".join(_rule_text(r) for r in was)
        now_text = "; ".join(_rule_text(r) for r in now)
        if was_text == now_text:  # the same words, other settings: say which
            was_text = "; ".join(f"{_rule_text(r)} (settings {_settings(r)})" for r in was)
            now_text = "; ".join(f"{_rule_text(r)} (settings {_settings(r)})" for r in now)
        changes.append(TermChange(label=_rule_label(key), before=was_text, after=now_text))
    return changes


# --- members' rows ------------------------------------------------------------------------------------------------


def _pledge_row(pledge: SnapshotPledge) -> tuple[Any, ...]:
    """What the document states of a pledge (not its version number or save time)."""
    return (
        pledge.amount_pence,
        pledge.purpose,
        tuple(pledge.themes),
        tuple((a.district_code, a.district_name, a.amount_pence) for a in pledge.areas),
        pledge.board_approved,
        pledge.conditions,
        pledge.status,
    )


def _coverage_row(coverage: SnapshotCoverage) -> tuple[Any, ...]:
    return (coverage.district_code, coverage.district_name, coverage.region_code, coverage.region_name, coverage.homes)


def member_row(member: SnapshotMember) -> tuple[Any, ...]:
    """A member's row as the document states it: two versions list a member as changed exactly when these differ."""
    return (
        member.name,
        member.org_type,
        member.identifier,
        member.homes,
        member.website,
        member.contact_name,
        member.contact_email,
        member.description,
        member.member_status,
        tuple(sorted(_coverage_row(c) for c in member.coverage)),
        tuple(sorted((p.id, _pledge_row(p)) for p in member.pledges)),
    )


def _submitted_pence(member: SnapshotMember) -> int:
    return sum(p.amount_pence for p in member.pledges if p.status == "submitted")


def _status_text(status: str) -> str:
    return (MEMBER_STATUS_NAMES.get(status) or humanise(status)).lower()


def _homes_text(homes: int | None) -> str:
    return NOT_GIVEN if homes is None else count_text(homes, "home")


def _areas_text(pledge: SnapshotPledge) -> str:
    if not pledge.areas:
        return "its member's districts"
    return ", ".join(
        a.district_name if a.amount_pence is None else f"{a.district_name} ({money_text(a.amount_pence)})"
        for a in pledge.areas
    )


def _pledge_summary(pledge: SnapshotPledge) -> str:
    purpose = f" for {_quoted(pledge.purpose)}" if pledge.purpose.strip() else ""
    status = "" if pledge.status == "submitted" else f" ({pledge.status})"
    return f"{money_text(pledge.amount_pence)}{purpose}{status}"


def _quoted(text: str, empty: str = NOT_GIVEN) -> str:
    """A member's own words, quoted on one line ("not given" when there are none)."""
    words = " ".join(text.split())
    return f"‘{words}’" if words else empty


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def _pledge_lines(name: str, was: SnapshotPledge, now: SnapshotPledge) -> list[str]:
    lines = []
    if was.amount_pence != now.amount_pence:
        lines.append(f"{name}'s amount: {money_text(was.amount_pence)} -> {money_text(now.amount_pence)}")
    if was.status != now.status:
        lines.append(f"{name}'s status: {was.status} -> {now.status}")
    if was.purpose != now.purpose:
        lines.append(f"{name}'s purpose: {_quoted(was.purpose)} -> {_quoted(now.purpose)}")
    if was.themes != now.themes:
        lines.append(f"{name}'s themes: {_list_text(was.themes)} -> {_list_text(now.themes)}")
    if _pledge_row(was)[3] != _pledge_row(now)[3]:
        lines.append(f"{name}'s districts: {_areas_text(was)} -> {_areas_text(now)}")
    if was.board_approved != now.board_approved:
        lines.append(f"{name}'s board approval: {_yes_no(was.board_approved)} -> {_yes_no(now.board_approved)}")
    if was.conditions != now.conditions:
        lines.append(f"{name}'s conditions: {_quoted(was.conditions, 'none')} -> {_quoted(now.conditions, 'none')}")
    return lines


def _coverage_lines(was: Sequence[SnapshotCoverage], now: Sequence[SnapshotCoverage]) -> list[str]:
    old = {c.district_code: c for c in was}
    new = {c.district_code: c for c in now}
    lines = []
    added = sorted((new[code].district_name, code) for code in new.keys() - old.keys())
    removed = sorted((old[code].district_name, code) for code in old.keys() - new.keys())
    if added:
        lines.append(f"Districts it works in, added: {', '.join(name for name, _ in added)}")
    if removed:
        lines.append(f"Districts it works in, removed: {', '.join(name for name, _ in removed)}")
    for code in sorted(old.keys() & new.keys(), key=lambda c: (new[c].district_name, c)):
        a, b = old[code], new[code]
        if a.homes != b.homes:
            lines.append(f"Homes in {b.district_name}: {_homes_text(a.homes)} -> {_homes_text(b.homes)}")
        elif a != b:
            lines.append(f"{b.district_name}'s details changed")
    return lines


_DETAILS: tuple[tuple[str, Callable[[SnapshotMember], str]], ...] = (
    ("Name", lambda m: m.name),
    ("Type of organisation", lambda m: org_type_name(m.org_type)),
    ("Identifier", lambda m: m.identifier or NOT_GIVEN),
    ("Homes", lambda m: _homes_text(m.homes)),
    ("Website", lambda m: m.website or NOT_GIVEN),
    ("Contact", lambda m: m.contact_name or NOT_GIVEN),
    ("Contact email", lambda m: m.contact_email or NOT_GIVEN),
)


def _member_lines(was: SnapshotMember | None, now: SnapshotMember | None) -> list[str]:
    if was is None:
        assert now is not None
        lines = [f"Listed for the first time, as {_status_text(now.member_status)}"]
        lines += [f"Pledge: {_pledge_summary(p)}" for p in sorted(now.pledges, key=lambda p: p.id)]
        return lines
    if now is None:
        return [f"No longer listed (was {_status_text(was.member_status)})"]
    lines = []
    if was.member_status != now.member_status:
        lines.append(f"Status in the bid: {_status_text(was.member_status)} -> {_status_text(now.member_status)}")
    for label, text in _DETAILS:
        if text(was) != text(now):
            lines.append(f"{label}: {text(was)} -> {text(now)}")
    if was.org_type != now.org_type and org_type_name(was.org_type) == org_type_name(now.org_type):
        lines.append(f"Type of organisation: {was.org_type} -> {now.org_type}")
    if was.description != now.description:
        lines.append("Its description changed")
    lines += _coverage_lines(was.coverage, now.coverage)
    total_was, total_now = _submitted_pence(was), _submitted_pence(now)
    if total_was != total_now:
        lines.append(f"Submitted pledges in total: {money_text(total_was)} -> {money_text(total_now)}")
    old = {p.id: p for p in was.pledges}
    new = {p.id: p for p in now.pledges}
    # Each pledge numbered by its place among the member's pledges of both versions, so "Pledge 2" is the same
    # pledge on both sides of the comparison.
    for number, pledge_id in enumerate(sorted(old.keys() | new.keys()), start=1):
        name = f"Pledge {number}"
        if pledge_id not in old:
            lines.append(f"{name} added: {_pledge_summary(new[pledge_id])}")
        elif pledge_id not in new:
            lines.append(f"{name} no longer in the document: {_pledge_summary(old[pledge_id])}")
        elif _pledge_row(old[pledge_id]) != _pledge_row(new[pledge_id]):
            lines += _pledge_lines(name, old[pledge_id], new[pledge_id])
    if not lines:  # a difference no line above names (a district's name, a pledge's district's name...)
        lines.append("Its row in the partner schedule changed")
    return lines


def _member_changes(before: Snapshot, after: Snapshot) -> list[MemberChange]:
    old = {m.organisation_id: m for m in before.members}
    new = {m.organisation_id: m for m in after.members}
    changes = []
    for organisation_id in old.keys() | new.keys():
        was, now = old.get(organisation_id), new.get(organisation_id)
        if was is not None and now is not None and member_row(was) == member_row(now):
            continue
        was_in = was is not None and was.member_status == JOINED
        is_in = now is not None and now.member_status == JOINED
        change = "joined" if is_in and not was_in else "left" if was_in and not is_in else "changed"
        shown = now or was
        assert shown is not None
        changes.append(
            MemberChange(
                organisation_id=organisation_id,
                name=shown.name,
                change=change,
                pledged_before_pence=None if was is None else _submitted_pence(was),
                pledged_after_pence=None if now is None else _submitted_pence(now),
                lines=_member_lines(was, now),
            )
        )
    changes.sort(key=lambda c: (c.name.casefold(), c.name, c.organisation_id))
    return changes


# --- the headline figures -----------------------------------------------------------------------------------------


def _joined(totals: Totals) -> int:
    return totals.members_by_status.get(JOINED, 0)


# The figures every comparison shows, before and after, in this order.
FIGURES: tuple[tuple[measures.Measure, Callable[[Totals], int]], ...] = (
    (measures.PLEDGED, lambda t: t.pledged_pence),
    (measures.ELIGIBLE, lambda t: t.eligible_pence),
    (measures.MATCH_REQUESTED, lambda t: t.match_requested_pence),
    (measures.PROGRAMME_VALUE, measures.programme_value),
    (measures.MEMBERS, _joined),
    (measures.HOMES, lambda t: t.homes_covered),
    (measures.WORK_DISTRICTS, lambda t: t.districts_covered),
    (measures.WORK_REGIONS, lambda t: t.regions_covered),
    # Counted from the rows, as the document counts them (snapshots made before Totals held them read 0).
    (measures.MONEY_DISTRICTS, lambda t: measures.money_districts(t.by_district)),
    (measures.MONEY_REGIONS, lambda t: measures.money_regions(t.by_region)),
    (measures.UNALLOCATED, lambda t: t.unallocated_pence),
)
_UNITS = {measure.key: measure for measure, _ in FIGURES}


def figure_text(figure: FigureChange, value: int) -> str:
    """One side of a figure as people read it: '£1,250,000', '12'."""
    measure = _UNITS.get(figure.key)
    if measure is not None and measure.unit == "money":
        return money_text(value)
    return f"{value:,}"


def _figures(before: Snapshot, after: Snapshot) -> list[FigureChange]:
    return [
        FigureChange(key=measure.key, label=measure.label, before=value(before.totals), after=value(after.totals))
        for measure, value in FIGURES
    ]


# --- the comparison -----------------------------------------------------------------------------------------------


def compare(before: Snapshot, after: Snapshot) -> VersionChanges:
    """What changed from ``before`` (the earlier version) to ``after``. Pure: reads only the two snapshots."""
    return VersionChanges(
        bid_id=after.bid.id,
        from_version=before.document_version,
        to_version=after.document_version,
        terms=_term_changes(before, after),
        members=_member_changes(before, after),
        figures=_figures(before, after),
    )


def summary_lines(changes: VersionChanges, *, with_figures: bool = True, names: int | None = None) -> list[str]:
    """The comparison in a few sentences, what changed first (the figures that moved last, unless left out)."""
    if changes.nothing_changed:
        return [f"Nothing changed between version {changes.from_version} and version {changes.to_version}."]
    lines = []
    by_kind: dict[str, list[str]] = {"joined": [], "left": [], "changed": []}
    for member in changes.members:
        by_kind[member.change].append(member.name)
    if by_kind["joined"]:
        lines.append(f"Joined: {join_names(by_kind['joined'], limit=names)}.")
    if by_kind["left"]:
        lines.append(f"Left: {join_names(by_kind['left'], limit=names)}.")
    if by_kind["changed"]:
        count = len(by_kind["changed"])
        lines.append("1 member's row changed." if count == 1 else f"{count:,} members' rows changed.")
    if changes.terms:
        lines.append(f"The bid's terms or rules changed: {', '.join(t.label for t in changes.terms)}.")
    if not lines:
        lines.append("No member's row and none of the bid's terms or rules changed.")
    moved = [f for f in changes.figures if f.before != f.after]
    if moved and with_figures:
        lines.append(
            "Figures: "
            + "; ".join(f"{f.label} {figure_text(f, f.before)} -> {figure_text(f, f.after)}" for f in moved)
            + "."
        )
    return lines


def for_member(changes: VersionChanges, organisation_id: int) -> VersionChanges:
    """Only what a member may read of a comparison: its own row and the bid's terms and rules (no other member's
    row, no headline figure)."""
    return msgspec.structs.replace(
        changes, members=[m for m in changes.members if m.organisation_id == organisation_id], figures=[]
    )
