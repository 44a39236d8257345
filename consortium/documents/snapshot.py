"""The frozen data a bid document is rendered from.

A ``Snapshot`` is everything the PDF shows, taken at one moment: the bid, its rules, every member with coverage and
submitted pledges, and the analysis results (``Totals`` and ``Eligibility``). It is plain msgspec data, so it can
be stored, attached to the PDF as ``snapshot.json`` and rendered again later to the same bytes.

A snapshot goes to the funder whole, so it holds only what members submitted: no draft pledge (a draft is its
member's alone) and no withdrawn one (see ``consortium.documents.builder``).

``snapshot_to_json`` is canonical: keys are sorted, so equal snapshots always give equal bytes and the same
``snapshot_sha256``.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Annotated, Any

import msgspec

from consortium.analysis.results import Eligibility, Totals

SCHEMA_VERSION = 1

UtcDateTime = Annotated[datetime, msgspec.Meta(tz=True)]


def _require_utc(name: str, value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() != timedelta(0):
        raise ValueError(f"{name} must be a timezone-aware UTC datetime, got {value.isoformat()}")


class SnapshotBid(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    title: str
    network_name: str
    funder_name: str
    funder_org_id: str | None
    programme: str
    deadline: UtcDateTime
    status: str  # draft | open | locked | submitted | ...
    match_funder_part: int  # the funder gives this many pounds ...
    match_consortium_part: int  # ... for every this many pounds the consortium pledges
    match_cap_pence: int | None
    themes: list[str]

    def __post_init__(self) -> None:
        _require_utc("deadline", self.deadline)


class SnapshotRule(msgspec.Struct, frozen=True, kw_only=True):
    key: str
    scope: str  # member | consortium
    description: str
    params: dict[str, Any]


class SnapshotCoverage(msgspec.Struct, frozen=True, kw_only=True):
    district_code: str
    district_name: str
    region_code: str
    region_name: str
    homes: int | None


class SnapshotArea(msgspec.Struct, frozen=True, kw_only=True):
    district_code: str
    district_name: str
    amount_pence: int | None  # None: shares the remainder of the pledge


class SnapshotPledge(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    amount_pence: int
    purpose: str
    themes: list[str]
    areas: list[SnapshotArea]
    board_approved: bool
    conditions: str
    status: str  # "submitted" (snapshots made before drafts were left out may hold draft | withdrawn)
    version: int
    updated_at: UtcDateTime

    def __post_init__(self) -> None:
        _require_utc("updated_at", self.updated_at)


class SnapshotMember(msgspec.Struct, frozen=True, kw_only=True):
    organisation_id: int
    name: str
    org_type: str
    identifier: str | None
    homes: int | None
    website: str | None
    contact_name: str | None
    contact_email: str | None
    description: str
    member_status: str  # invited | joined | withdrawn
    coverage: list[SnapshotCoverage]
    pledges: list[SnapshotPledge]


# --- what changed since the previous version (consortium.documents.changes) ----------------------------------------
# Declared here, as part of the snapshot's format (``Snapshot.changes_since``); consortium.documents.changes works
# them out and is where other code imports them from.


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


class Snapshot(msgspec.Struct, frozen=True, kw_only=True):
    schema_version: int = SCHEMA_VERSION
    generated_at: UtcDateTime
    generated_by: str
    document_version: int
    bid: SnapshotBid
    rules: list[SnapshotRule]
    members: list[SnapshotMember]
    totals: Totals
    eligibility: Eligibility
    # What changed since the previous version (its document's "Changes since version N"). Left out of the JSON when
    # unset, so a snapshot without it (every first version, and every one stored before it existed) encodes to the
    # same bytes, and keeps its SHA-256.
    changes_since: VersionChanges | msgspec.UnsetType = msgspec.UNSET

    def __post_init__(self) -> None:
        _require_utc("generated_at", self.generated_at)


def snapshot_to_json(snapshot: Snapshot) -> bytes:
    """Canonical JSON: sorted keys, UTF-8, no whitespace. Equal snapshots give equal bytes."""
    return msgspec.json.encode(snapshot, order="sorted")


def snapshot_from_json(data: bytes | str) -> Snapshot:
    """Decode and validate a snapshot (raises ``msgspec.ValidationError`` on bad data)."""
    return msgspec.json.decode(data, type=Snapshot)


def snapshot_sha256(snapshot: Snapshot) -> str:
    """Hex SHA-256 of the canonical JSON: the snapshot's identity, printed on every page of the PDF."""
    return hashlib.sha256(snapshot_to_json(snapshot)).hexdigest()
