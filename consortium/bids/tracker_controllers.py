"""The member tracker in the API: GET /api/v1/bids/{bid_id}/tracker, with the page's filters (convenors only)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, QueryParameter

from consortium.bids import tracker
from consortium.web.identity import CurrentUser

Stage = Annotated[
    str,
    QueryParameter(
        name="stage",
        required=False,
        max_length=40,
        description="Only members at this stage: " + ", ".join(tracker.STAGES) + ". Left out: every member.",
    ),
]
Rule = Annotated[
    str,
    QueryParameter(
        name="rule", required=False, max_length=60, description="Only members not meeting this rule (its key)."
    ),
]
Search = Annotated[
    str,
    QueryParameter(name="q", required=False, max_length=tracker.MAX_SEARCH, description="Part of a name, any case."),
]
Sort = Annotated[
    str,
    QueryParameter(name="sort", required=False, max_length=40, description="A column: " + ", ".join(tracker.SORTS)),
]
Order = Annotated[str, QueryParameter(name="order", required=False, max_length=10, description="asc or desc")]


async def provide_filters(
    stage: Stage = "", rule: Rule = "", q: Search = "", sort: Sort = "", order: Order = ""
) -> dict[str, str]:
    """The tracker's filters as sent, declared once for the API and the pages. Read by ``tracker.read_query`` in
    the handler, after the caller's access is checked (a stranger is not told which filter values are wrong)."""
    return {"stage": stage, "rule": rule, "q": q, "sort": sort, "order": order}


FILTERS = {"filters": Provide(provide_filters)}
Filters = NamedDependency[dict[str, str]]


class TrackerController(Controller):
    path = "/api/v1/bids"
    tags = ["Bids"]
    dependencies = FILTERS

    @get(
        "/{bid_id:int}/tracker",
        summary="The member tracker: every organisation invited, its stage and what it is missing, filtered, "
        "searched and sorted as the page is, with the funnel of counts (convenors only; of a draft only that one "
        "exists)",
    )
    async def show(self, user: CurrentUser, bid_id: FromPath[int], filters: Filters) -> tracker.Tracker:
        return await tracker.member_tracker(user, bid_id, tracker.read_query(**filters))
