"""Changes since the previous version (``templates/bid/changes.html``): a short account, at most a page, of what
changed since the version before this one (``Snapshot.changes_since``, worked out by
``consortium.documents.changes``). A first version, or one made before documents listed their changes, shows none
of it (the template writes nothing into the document)."""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

from consortium.documents.changes import figure_text, summary_lines
from consortium.documents.sections.facts import Facts

# At most a page: a few members by name (the rest counted), a few lines each, every line cut short.
MEMBERS_SHOWN = 6  # members listed by name; the rest are counted
LINES_PER_MEMBER = 2
TERMS_SHOWN = 6
LONGEST_TEXT = 100  # characters of any one line: user text (a purpose, conditions) can be long


@dataclass(frozen=True)
class TermRow:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class MemberLines:
    name: str
    change: str  # "Joined", "Left", "Changed"
    lines: tuple[str, ...]


@dataclass(frozen=True)
class FigureRow:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class ChangesContext:
    shown: bool
    heading: str  # "Changes since version 3"
    summary: tuple[str, ...]
    terms: tuple[TermRow, ...]
    more_terms: str  # "" or "and 2 more terms or rules changed"
    members: tuple[MemberLines, ...]
    more_members: str  # "" or "and 37 more members' rows changed: see the partner schedule"
    figures: tuple[FigureRow, ...]  # the headline figures that moved


def shorten(text: str, limit: int = LONGEST_TEXT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


NONE = ChangesContext(
    shown=False, heading="", summary=(), terms=(), more_terms="", members=(), more_members="", figures=()
)


def build(facts: Facts) -> ChangesContext:
    changes = facts.snapshot.changes_since
    if changes is msgspec.UNSET:
        return NONE
    terms = [TermRow(t.label, shorten(t.before) or "none", shorten(t.after) or "none") for t in changes.terms]
    members = []
    for member in changes.members[:MEMBERS_SHOWN]:
        lines = [shorten(line) for line in member.lines[:LINES_PER_MEMBER]]
        hidden = len(member.lines) - LINES_PER_MEMBER
        if hidden > 0:
            lines.append(f"and {hidden:,} more change{'s' if hidden != 1 else ''}: see its row in the partner schedule")
        members.append(MemberLines(shorten(member.name, 80), member.change.capitalize(), tuple(lines)))
    more = len(changes.members) - MEMBERS_SHOWN
    more_terms = len(terms) - TERMS_SHOWN
    return ChangesContext(
        shown=True,
        heading=f"Changes since version {changes.from_version}",
        summary=tuple(summary_lines(changes, with_figures=False, names=MEMBERS_SHOWN)),  # the figures: a table
        terms=tuple(terms[:TERMS_SHOWN]),
        more_terms=f"and {more_terms:,} more of the bid's terms or rules changed" if more_terms > 0 else "",
        members=tuple(members),
        more_members=(
            "and 1 more member's row changed: see the partner schedule"
            if more == 1
            else f"and {more:,} more members' rows changed: see the partner schedule"
            if more > 1
            else ""
        ),
        figures=tuple(
            FigureRow(f.label, figure_text(f, f.before), figure_text(f, f.after))
            for f in changes.figures
            if f.before != f.after
        ),
    )
