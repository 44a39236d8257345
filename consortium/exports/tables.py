"""The pledge exports' table definitions, one per export, and the rows of the document's one.

``DOCUMENT_PLEDGES`` is the bid document's pledges.csv (attached to every PDF and served again from each stored
snapshot, so its bytes for a snapshot never change: its headings are the CSV's) and the workbook's Pledges sheet.
``CONVENOR_PLEDGES`` is the convenor's live pledges CSV (``GET /api/v1/bids/{id}/pledges.csv``).
"""

from __future__ import annotations

from typing import Any

from consortium.documents.snapshot import Snapshot
from consortium.exports.columns import Column, Table

DOCUMENT_PLEDGES = Table(
    "Pledges",
    (
        Column("organisation", "organisation", "text"),
        Column("organisation_id", "organisation_id", "int"),
        Column("identifier", "identifier", "text"),
        Column("member_status", "member_status", "text"),
        Column("pledge_id", "pledge_id", "int"),
        Column("pledge_version", "pledge_version", "int"),
        Column("status", "status", "text"),
        Column("amount_pence", "amount_pence", "int"),
        Column("amount_pounds", "amount_pounds", "money"),
        Column("themes", "themes", "text"),
        Column("board_approved", "board_approved", "bool"),
        Column("districts", "districts", "text"),
        Column("purpose", "purpose", "text"),
        Column("conditions", "conditions", "text"),
        Column("updated_at", "updated_at", "date"),
    ),
)


def document_pledge_rows(snapshot: Snapshot) -> list[dict[str, Any]]:
    """One row per submitted pledge of every member, by member name then pledge id.

    Only submitted pledges: a draft is its member's alone and never reaches a funder, even from a snapshot made
    before snapshots left drafts out."""
    rows = []
    for member in sorted(snapshot.members, key=lambda m: (m.name.casefold(), m.organisation_id)):
        for pledge in sorted(member.pledges, key=lambda p: p.id):
            if pledge.status != "submitted":
                continue
            rows.append(
                {
                    "organisation": member.name,
                    "organisation_id": member.organisation_id,
                    "identifier": member.identifier or "",
                    "member_status": member.member_status,
                    "pledge_id": pledge.id,
                    "pledge_version": pledge.version,
                    "status": pledge.status,
                    "amount_pence": pledge.amount_pence,
                    "amount_pounds": pledge.amount_pence,
                    "themes": "; ".join(pledge.themes),
                    "board_approved": pledge.board_approved,
                    "districts": "; ".join(
                        f"{a.district_name} ({a.district_code})"
                        + ("" if a.amount_pence is None else f" {a.amount_pence}p")
                        for a in pledge.areas
                    ),
                    "purpose": pledge.purpose,
                    "conditions": pledge.conditions,
                    "updated_at": pledge.updated_at,
                }
            )
    return rows


CONVENOR_PLEDGES = Table(
    "Pledges",
    (
        Column("pledge_id", "pledge_id", "int"),
        Column("organisation_id", "organisation_id", "int"),
        Column("organisation", "organisation", "text"),
        Column("status", "status", "text"),
        Column("amount_pence", "amount_pence", "int"),
        Column("amount_pounds", "amount_pounds", "money"),
        Column("board_approved", "board_approved", "bool"),
        Column("themes", "themes", "text"),
        Column("districts", "districts", "text"),
        Column("purpose", "purpose", "text"),
        Column("conditions", "conditions", "text"),
        Column("version", "version", "int"),
        Column("submitted_at", "submitted_at", "date"),
        Column("updated_at", "updated_at", "date"),
    ),
)
