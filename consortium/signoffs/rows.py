"""A member's own row as one version of the bid document states it, and the bid's terms: what a member signs off.

``row_sha256`` is the fingerprint of the two together. When a newer version gives a member the same fingerprint,
nothing it signed off has changed, and its sign-off carries over; submission compares it with a fresh snapshot of
the bid, so a bid changed after the members signed off is caught."""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec

from consortium.documents.snapshot import Snapshot, SnapshotArea, SnapshotCoverage

# The bid's fields that are not terms: its number, and its stage (locking a bid changes no one's commitment).
NOT_TERMS = frozenset({"id", "status"})


class RowPledge(msgspec.Struct, frozen=True, kw_only=True):
    amount_pence: int
    purpose: str
    themes: list[str]
    areas: list[SnapshotArea]
    board_approved: bool
    conditions: str


class OwnRow(msgspec.Struct, frozen=True, kw_only=True):
    """What the document says of one member: its name and details, where it works and its submitted pledges."""

    organisation_id: int
    name: str
    org_type: str
    identifier: str | None
    homes: int | None
    member_status: str
    coverage: list[SnapshotCoverage]
    pledges: list[RowPledge]

    @property
    def pledged_pence(self) -> int:
        return sum(p.amount_pence for p in self.pledges)


def own_row(snapshot: Snapshot, organisation_id: int) -> OwnRow | None:
    """The member's row in this version, or None when it is not in it."""
    member = next((m for m in snapshot.members if m.organisation_id == organisation_id), None)
    if member is None:
        return None
    return OwnRow(
        organisation_id=member.organisation_id,
        name=member.name,
        org_type=member.org_type,
        identifier=member.identifier,
        homes=member.homes,
        member_status=member.member_status,
        coverage=list(member.coverage),
        pledges=[
            RowPledge(
                amount_pence=p.amount_pence,
                purpose=p.purpose,
                themes=list(p.themes),
                areas=list(p.areas),
                board_approved=p.board_approved,
                conditions=p.conditions,
            )
            for p in member.pledges
            if p.status == "submitted"  # older snapshots may hold drafts and withdrawn pledges: no one signs those
        ],
    )


def terms(snapshot: Snapshot) -> dict[str, Any]:
    """The bid's terms and rules as the version states them (not its number, stage or when it was made)."""
    bid = {k: v for k, v in msgspec.to_builtins(snapshot.bid).items() if k not in NOT_TERMS}
    return {"bid": bid, "rules": msgspec.to_builtins(snapshot.rules)}


def row_sha256(snapshot: Snapshot, organisation_id: int) -> str:
    """Hex SHA-256 of the canonical JSON of the member's own row and the bid's terms in this version."""
    row = own_row(snapshot, organisation_id)
    content = {"row": None if row is None else msgspec.to_builtins(row), "terms": terms(snapshot)}
    return hashlib.sha256(msgspec.json.encode(content, order="sorted")).hexdigest()
