"""The convenor's member tracker page (/bids/{id}/tracker), its HTMX fragment and its CSV and XLSX downloads.

A GET form of filters and links for sorting: it works without JavaScript; with HTMX the rows are fetched again as
the filters change. The downloads hold exactly the rows and columns the page shows for the same query."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Response, get
from litestar.params import FromPath

from consortium.bids import schemas, tracker
from consortium.bids.tracker_controllers import FILTERS, Filters
from consortium.exports.formats import export_format
from consortium.web.downloads import download
from consortium.web.identity import CurrentUser
from consortium.web.pages.common import PageController, PageRequest, convenor_bid
from consortium.web.pages.rendering import render
from consortium.words import money_column, short_datetime_text

# What the numeric columns are (right-aligned in a wide table).
NUMERIC = frozenset(c.key for c in tracker.TABLE.columns if c.kind in {"int", "money"})


def _url(path: str, params: dict[str, str]) -> str:
    return f"{path}?{urlencode(params)}" if params else path


def cells(shown: tracker.Tracker) -> list[dict[str, Any]]:
    """Each row's cells as the page writes them, keyed as TABLE's columns (money with pence on all or none)."""
    pledged = money_column([r.pledged_pence for r in shown.rows])
    eligible = money_column([r.eligible_pence for r in shown.rows])
    out = []
    for row, pledged_text, eligible_text in zip(shown.rows, pledged, eligible, strict=True):
        out.append(
            {
                "row": row,
                "name": row.name,
                "status": row.status_label,
                "pledge": row.pledge_label,
                "homes": f"{row.homes:,}" if row.homes is not None else "Not known",
                "pledged": pledged_text,
                "eligible": eligible_text,
                "missing": row.missing,
                "last_change": short_datetime_text(row.last_change_at) if row.last_change_at else "",
            }
        )
    return out


def context_for(bid: schemas.Bid, shown: tracker.Tracker) -> dict[str, Any]:
    path = f"/bids/{bid.id}/tracker"
    query = shown.query
    headings = []
    for column in tracker.TABLE.columns:
        current = query.sort == column.key
        order = "desc" if current and query.order == "asc" else "asc"
        headings.append(
            {
                "key": column.key,
                "heading": column.heading,
                "numeric": column.key in NUMERIC,
                "href": _url(path, query.params(sort=column.key, order=order)),
                "sorted": ("ascending" if query.order == "asc" else "descending") if current else "",
            }
        )
    return {
        "bid": bid,
        "tab": "dashboard",
        "tracker": shown,
        "query": query,
        "headings": headings,
        "rows": cells(shown),
        "downloads": {name: _url(f"{path}.{name}", query.params()) for name in ("csv", "xlsx")},
        "page_url": _url(path, query.params()),
        "filtered": bool(query.stage or query.rule or query.q),
        "funnel_note": tracker.FUNNEL_NOTE,
    }


class TrackerPages(PageController):
    dependencies = FILTERS

    @get("/bids/{bid_id:int}/tracker", name="bid-tracker")
    async def show(
        self,
        request: PageRequest,
        user: CurrentUser,
        bid_id: FromPath[int],
        filters: Filters,
    ) -> Response[Any]:
        bid = await convenor_bid(user, bid_id)
        shown = await tracker.member_tracker(user, bid_id, tracker.read_query(**filters))
        context = context_for(bid, shown)
        if request.headers.get("hx-request"):
            return await render(request, "convenor/_tracker_rows.html", context, fragment=True)
        return await render(request, "convenor/tracker.html", context)

    @get(["/bids/{bid_id:int}/tracker.csv", "/bids/{bid_id:int}/tracker.xlsx"], name="bid-tracker-download")
    async def download(
        self,
        request: PageRequest,
        user: CurrentUser,
        bid_id: FromPath[int],
        filters: Filters,
    ) -> Response[bytes]:
        await convenor_bid(user, bid_id)
        found = export_format(request.url.path.rsplit(".", 1)[-1])
        shown = await tracker.member_tracker(user, bid_id, tracker.read_query(**filters))
        content = found.write([(tracker.TABLE, shown.export_rows())])
        return download(content, f"bid-{bid_id}-members{found.suffix}", found.media_type)
