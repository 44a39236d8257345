"""Two versions of the bid document compared, for the bid's convenors: what changed first, then the headline
figures before and after. A small GET form chooses the versions (no JavaScript needed); each version's card on the
documents page links here to compare it with the version before."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Response, get
from litestar.params import FromPath, QueryParameter

from consortium.documents import services as documents
from consortium.documents import versions
from consortium.errors import BadInput, NotFound
from consortium.web.identity import CurrentUser
from consortium.web.pages import forms
from consortium.web.pages.common import PageController, PageRequest, convenor_bid
from consortium.web.pages.rendering import render

FromVersion = Annotated[str | None, QueryParameter(name="from", required=False, max_length=20)]
ToVersion = Annotated[str | None, QueryParameter(name="to", required=False, max_length=20)]


class VersionPages(PageController):
    @get("/bids/{bid_id:int}/documents/compare", name="bid-documents-compare")
    async def compare(
        self,
        request: PageRequest,
        user: CurrentUser,
        bid_id: FromPath[int],
        from_version: FromVersion = None,
        to_version: ToVersion = None,
    ) -> Response[Any]:
        bid = await convenor_bid(user, bid_id)
        listed = await documents.list_documents(user, bid_id)
        numbers = [d.version for d in listed]  # newest first
        errors = forms.FormErrors()
        comparison = None
        status_code = 200
        if from_version is None and to_version is None and len(numbers) >= 2:
            from_version, to_version = str(numbers[1]), str(numbers[0])  # the latest change, to start with
        if from_version is not None or to_version is not None:
            try:
                comparison = await versions.compare_versions(user, bid_id, from_version, to_version)
            except (BadInput, NotFound) as error:
                errors.add_service_error(error, {"from": "from", "to": "to"}, default="from")
                status_code = error.status_code
        return await render(
            request,
            "convenor/compare.html",
            {
                "bid": bid,
                "tab": "documents",
                "numbers": numbers,
                "chosen_from": (from_version or "").strip(),
                "chosen_to": (to_version or "").strip(),
                "comparison": comparison,
                "errors": errors,
            },
            status_code=status_code,
        )
