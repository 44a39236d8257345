"""What changed between two versions of a bid's document, read from their snapshots alone (so any two stored versions
can be compared, and a version's document can state the changes since an earlier one).

Interface fixed for issue 12 (the names below are used by consortium.signoffs); the comparison itself is built here.
"""

from __future__ import annotations

import msgspec

from consortium.documents.snapshot import Snapshot


class TermChange(msgspec.Struct, frozen=True, kw_only=True):
    """One of the bid's terms or rules, as each version's document states it ("" when absent from one)."""

    label: str  # plain words: "The deadline", "Rule: minimum total"
    before: str
    after: str


class MemberChange(msgspec.Struct, frozen=True, kw_only=True):
    """One member organisation's row, compared."""

    organisation_id: int
    name: str
    change: str  # joined | left | changed
    pledged_before_pence: int | None  # its submitted pledges' total in the earlier version (None: not a member then)
    pledged_after_pence: int | None
    lines: list[str]  # every difference in plain English ("Pledge 2's amount: £10,000.00 -> £12,500.00")


class FigureChange(msgspec.Struct, frozen=True, kw_only=True):
    key: str  # the figure's name in consortium.analysis.measures / Totals (e.g. "pledged_pence")
    label: str
    before: int
    after: int


class VersionChanges(msgspec.Struct, frozen=True, kw_only=True):
    bid_id: int
    from_version: int
    to_version: int
    terms: list[TermChange]  # the bid's terms and rules
    members: list[MemberChange]  # only members whose row differs
    figures: list[FigureChange]  # every headline figure, before and after (changed or not)

    @property
    def nothing_changed(self) -> bool:
        return not self.terms and not self.members and all(f.before == f.after for f in self.figures)


def compare(before: Snapshot, after: Snapshot) -> VersionChanges:
    """What changed from ``before`` (the earlier version) to ``after``. Pure: reads only the two snapshots."""
    raise NotImplementedError  # built in issue 12


def for_member(changes: VersionChanges, organisation_id: int) -> VersionChanges:
    """Only what a member may read of a comparison: its own row and the bid's terms and rules (no other member's
    row, no headline figure)."""
    return msgspec.structs.replace(
        changes, members=[m for m in changes.members if m.organisation_id == organisation_id], figures=[]
    )
