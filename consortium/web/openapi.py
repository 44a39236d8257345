"""The error answers every API operation can give, declared in the OpenAPI schema so clients (and the schema
fuzzer) know their shape: ``{"status", "title", "message"}``, with ``field`` naming what to change when one
field is at fault, ``errors`` listing every problem with the form of a request (and, when the services refuse
what was sent, ``fields``: the problems by field), and sometimes more detail."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec

from consortium.analysis import measures
from consortium.analysis.results import AmountRow, MemberResult, MemberShare, OverlapRow, WhatIf
from consortium.bids.privacy import MemberRule


class Problem(msgspec.Struct):
    status: int
    title: str
    message: str
    field: str | None = None
    errors: list[str] | None = None
    fields: dict[str, list[str]] | None = None  # a 422 listing every problem: each field's problems


ERROR_STATUSES: dict[int, str] = {
    400: "The request is not in the right form (the message says which field and how).",
    401: "Not signed in, or the API token is not valid.",
    403: "Signed in, but not allowed to do this (or a browser session write without X-CSRF-Token).",
    404: "Nothing at this address that you can see.",
    405: "This address does not accept that method.",
    409: "Not possible in the current state (for example, the bid is locked).",
    410: "The link has expired or been withdrawn.",
    412: "Someone else changed this first: If-Match no longer matches.",
    413: "The request body is larger than the service accepts.",
    422: "A value is not acceptable (the message says what to change).",
    428: "Send If-Match with the version you are changing.",
    429: "Too many attempts: wait for Retry-After seconds.",
    500: "Something went wrong on our side; nothing was saved.",
}

ERROR_RESPONSES: dict[int, ResponseSpec] = {
    status: ResponseSpec(data_container=Problem, description=description, generate_examples=False)
    for status, description in ERROR_STATUSES.items()
}


def declare_error_responses(controllers: Iterable[type[Controller]]) -> None:
    """Add the error responses to every route handler of these controllers (their own declarations win)."""
    for controller in controllers:
        for name in dir(controller):
            handler: Any = getattr(controller, name, None)
            if isinstance(handler, HTTPRouteHandler):
                handler.responses = {**ERROR_RESPONSES, **(handler.responses or {})}


class TotalsView(msgspec.Struct):
    """GET /bids/{id}/totals as the schema describes it: everyone gets the headline figures; convenors also get
    the breakdowns (absent for members, who must not see other members' figures)."""

    # Each figure described as consortium.analysis.measures names it, the words the pages and the document use.
    # Members of a bid whose convenor shows them ranges (member_figures "bands") read null in the exact money and
    # homes figures, and the range in the matching *_band field (consortium.bids.privacy).
    pledged_pence: Annotated[int | None, measures.PLEDGED.schema()]
    eligible_pence: Annotated[int | None, measures.ELIGIBLE.schema()]
    match_requested_pence: Annotated[int | None, measures.MATCH_REQUESTED.schema()]
    match_capped: bool
    members_by_status: dict[str, int]
    homes_covered: Annotated[int | None, measures.HOMES.schema()]
    districts_covered: Annotated[int, measures.WORK_DISTRICTS.schema()]
    regions_covered: Annotated[int, measures.WORK_REGIONS.schema()]
    money_districts: Annotated[int, measures.MONEY_DISTRICTS.schema()]
    money_regions: Annotated[int, measures.MONEY_REGIONS.schema()]
    pledges_by_status: dict[str, int] | None = None
    by_region: list[AmountRow] | None = None
    by_district: list[AmountRow] | None = None
    by_theme: list[AmountRow] | None = None
    by_org_type: list[AmountRow] | None = None
    overlap: list[OverlapRow] | None = None
    members: list[MemberShare] | None = None
    unallocated_pence: Annotated[int | None, measures.UNALLOCATED.schema()] = None
    what_if: WhatIf | None = None  # the change asked (?without=, ?organisation=&pledged_pence=), when one was
    # Members only: "bands" (ranges, the exact figures null) or "figures", as the bid's convenor chose.
    figures: Literal["bands", "figures"] | None = None
    pledged_band: Annotated[
        str | None,
        msgspec.Meta(description="Members, bands: the pledged total as a range, such as £1,000,000 to £2,500,000"),
    ] = None
    eligible_band: Annotated[str | None, msgspec.Meta(description="Members, bands: the eligible total as a range")] = (
        None
    )
    match_requested_band: Annotated[
        str | None, msgspec.Meta(description="Members, bands: the match requested as a range")
    ] = None
    homes_band: Annotated[str | None, msgspec.Meta(description="Members, bands: the homes as a range")] = None


class EligibilityView(msgspec.Struct):
    """GET /bids/{id}/eligibility as the schema describes it: one shape for convenors and members (a "oneOf" of the
    two would match a convenor's answer twice). Members read only their own organisations' results; with
    member_figures "bands" the exact figures are null and the *_band fields say the range (consortium.bids.privacy)."""

    eligible: bool
    verdict: str
    rules: list[MemberRule]
    members: list[MemberResult]
    without_organisation_id: int | None = None
    eligible_pence: Annotated[int | None, measures.ELIGIBLE.schema()] = None
    what_if: WhatIf | None = None
    figures: Literal["bands", "figures"] | None = None  # members only
    eligible_band: Annotated[
        str | None, msgspec.Meta(description="Members, bands: the eligible total as a range (eligible_pence is null)")
    ] = None


ELIGIBILITY_RESPONSES = {
    200: ResponseSpec(
        data_container=EligibilityView,
        description="Convenors: every rule and every member's results. Members: every rule's verdict, their own "
        "organisation's results only.",
        generate_examples=False,
    )
}
TOTALS_RESPONSES = {
    200: ResponseSpec(
        data_container=TotalsView,
        description="Convenors: the full totals. Members: the headline figures only.",
        generate_examples=False,
    )
}
FILE_RESPONSES = {
    200: ResponseSpec(
        data_container=bytes,
        description="The file, as a download: bid.pdf (application/pdf), snapshot.json (application/json, the "
        "frozen snapshot the PDF was made from), pledges.csv (text/csv, the PDF's attachment of submitted pledges) or "
        "bid.xlsx (application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, the workbook made from the same "
        "snapshot).",
        media_type="application/octet-stream",
        generate_examples=False,
    )
}
