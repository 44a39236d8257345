"""The convenor's CSV of a bid's pledges: every pledge that was submitted (a withdrawn one marked withdrawn), never a
draft, which is its member's alone. Its columns are ``consortium.exports.tables.CONVENOR_PLEDGES``, written by the
one export writer (``consortium.exports.writers``), which also writes the bid document's pledges.csv.

Spreadsheets run cells that begin with = + - @ (and tab or carriage return) as formulas, so any text cell that
begins with one of them gets a leading apostrophe: what a member typed is shown, never run."""

from __future__ import annotations

from typing import Any

from consortium.accounts.principal import Principal
from consortium.bids.access import bid_access
from consortium.exports.tables import CONVENOR_PLEDGES
from consortium.exports.writers import FORMULA_STARTS, csv_text, neutralise
from consortium.pledges import schemas
from consortium.pledges.services import list_pledges

__all__ = ["FORMULA_STARTS", "neutralise", "pledge_rows", "pledges_csv", "pledges_csv_text"]


def pledge_rows(pledges: list[schemas.Pledge]) -> list[dict[str, Any]]:
    return [
        {
            "pledge_id": p.id,
            "organisation_id": p.organisation_id,
            "organisation": p.organisation_name,
            "status": p.status,
            "amount_pence": p.amount_pence,
            "amount_pounds": p.amount_pence,
            "board_approved": p.board_approved,
            "themes": "; ".join(p.themes),
            "districts": "; ".join(f"{a.district_name} ({a.district_code})" for a in p.areas),
            "purpose": p.purpose,
            "conditions": p.conditions,
            "version": p.version,
            "submitted_at": p.submitted_at,
            "updated_at": p.updated_at,
        }
        for p in pledges
    ]


def pledges_csv_text(pledges: list[schemas.Pledge]) -> str:
    return csv_text(CONVENOR_PLEDGES, pledge_rows(pledges))


async def pledges_csv(principal: Principal, bid_id: int) -> tuple[bytes, str]:
    """The CSV (UTF-8 with a byte-order mark, so spreadsheets read £ right) and a file name; convenors only."""
    access = await bid_access(principal, bid_id)
    access.require_convenor()
    # The convenor's list already leaves drafts out; filtered again here because this file is what gets forwarded.
    pledges = [p for p in await list_pledges(principal, bid_id) if p.status != "draft" and p.submitted_at is not None]
    return ("\ufeff" + pledges_csv_text(pledges)).encode("utf-8"), f"bid-{bid_id}-pledges.csv"
