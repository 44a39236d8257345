"""The convenor's CSV of a bid's pledges, built with Polars: every pledge that was submitted (a withdrawn one marked
withdrawn), never a draft, which is its member's alone.

Spreadsheets run cells that begin with = + - @ (and tab or carriage return) as formulas, so any text cell that
begins with one of them gets a leading apostrophe: what a member typed is shown, never run."""

from __future__ import annotations

import polars as pl

from consortium.accounts.principal import Principal
from consortium.bids.access import bid_access
from consortium.money import format_pence
from consortium.pledges import schemas
from consortium.pledges.services import list_pledges

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

COLUMNS = [
    "pledge_id",
    "organisation_id",
    "organisation",
    "status",
    "amount_pence",
    "amount_pounds",
    "board_approved",
    "themes",
    "districts",
    "purpose",
    "conditions",
    "version",
    "submitted_at",
    "updated_at",
]


def neutralise(text: str) -> str:
    """A cell a spreadsheet shows as text: formula starts get a leading apostrophe."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def pledges_frame(pledges: list[schemas.Pledge]) -> pl.DataFrame:
    rows = [
        {
            "pledge_id": p.id,
            "organisation_id": p.organisation_id,
            "organisation": p.organisation_name,
            "status": p.status,
            "amount_pence": p.amount_pence,
            "amount_pounds": format_pence(p.amount_pence, always_pence=True),
            "board_approved": "yes" if p.board_approved else "no",
            "themes": "; ".join(p.themes),
            "districts": "; ".join(f"{a.district_name} ({a.district_code})" for a in p.areas),
            "purpose": p.purpose,
            "conditions": p.conditions,
            "version": p.version,
            "submitted_at": p.submitted_at.isoformat() if p.submitted_at else "",
            "updated_at": p.updated_at.isoformat(),
        }
        for p in pledges
    ]
    numbers = {"pledge_id", "organisation_id", "amount_pence", "version"}
    schema = {name: pl.Int64 if name in numbers else pl.String for name in COLUMNS}
    frame = pl.DataFrame(rows, schema=schema)
    text_columns = [name for name, dtype in schema.items() if dtype == pl.String]
    formula = pl.lit("^[" + "".join(FORMULA_STARTS).replace("-", r"\-") + "]")
    return frame.with_columns(
        pl.when(pl.col(name).str.contains(formula)).then("'" + pl.col(name)).otherwise(pl.col(name)).alias(name)
        for name in text_columns
    )


def pledges_csv_text(pledges: list[schemas.Pledge]) -> str:
    return pledges_frame(pledges).write_csv(quote_style="non_numeric")


async def pledges_csv(principal: Principal, bid_id: int) -> tuple[bytes, str]:
    """The CSV (UTF-8 with a byte-order mark, so spreadsheets read £ right) and a file name; convenors only."""
    access = await bid_access(principal, bid_id)
    access.require_convenor()
    # The convenor's list already leaves drafts out; filtered again here because this file is what gets forwarded.
    pledges = [p for p in await list_pledges(principal, bid_id) if p.status != "draft" and p.submitted_at is not None]
    return ("\ufeff" + pledges_csv_text(pledges)).encode("utf-8"), f"bid-{bid_id}-pledges.csv"
