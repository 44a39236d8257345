from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get, patch, post
from litestar.datastructures import ResponseHeader
from litestar.params import FromPath, HeaderParameter, JSONBody

from consortium.pledges import exports, schemas
from consortium.pledges import services as pledges
from consortium.web.downloads import download
from consortium.web.identity import AppSettings, CurrentUser

IfMatch = Annotated[
    str | None,
    HeaderParameter(
        name="If-Match",
        required=False,
        description='The pledge\'s ETag as last read, e.g. "3" (quotes included; its bare version, 3, works too). '
        "A pledge changed since answers 412 with its current version, and nothing is saved.",
    ),
]

# Every answer with a pledge carries its version as a strong ETag, to send back in If-Match with the next change.
ETAG = [
    ResponseHeader(
        name="ETag",
        documentation_only=True,
        description='The pledge\'s version as a strong ETag, e.g. "3": send it as If-Match when you change it.',
    )
]


def with_etag(pledge: schemas.Pledge, status_code: int = 200) -> Response[schemas.Pledge]:
    return Response(pledge, status_code=status_code, headers={"ETag": f'"{pledge.version}"'})


class BidPledgeController(Controller):
    path = "/api/v1/bids/{bid_id:int}/pledges"
    tags = ["Pledges"]

    @post("/", summary="Make a pledge for your organisation", response_headers=ETAG)
    async def create(
        self, user: CurrentUser, settings: AppSettings, bid_id: FromPath[int], data: JSONBody[schemas.PledgeCreate]
    ) -> Response[schemas.Pledge]:
        return with_etag(await pledges.create_pledge(settings, user, bid_id, data), status_code=201)

    @get("/", summary="Pledges you can see (members: their own; convenors: submitted ones, never drafts)")
    async def index(self, user: CurrentUser, bid_id: FromPath[int]) -> list[schemas.Pledge]:
        return await pledges.list_pledges(user, bid_id)


class PledgeController(Controller):
    path = "/api/v1/pledges"
    tags = ["Pledges"]

    @get("/{pledge_id:int}", summary="One pledge (its ETag is its version)", response_headers=ETAG)
    async def read(self, user: CurrentUser, pledge_id: FromPath[int]) -> Response[schemas.Pledge]:
        return with_etag(await pledges.read_pledge(user, pledge_id))

    @patch("/{pledge_id:int}", summary="Change a pledge (send its ETag in If-Match)", response_headers=ETAG)
    async def update(
        self,
        user: CurrentUser,
        pledge_id: FromPath[int],
        data: JSONBody[schemas.PledgeUpdate],
        if_match: IfMatch = None,
    ) -> Response[schemas.Pledge]:
        return with_etag(await pledges.update_pledge(user, pledge_id, data, if_match))

    @post(
        "/{pledge_id:int}/submit",
        status_code=200,
        summary="Submit a pledge (send its ETag in If-Match)",
        response_headers=ETAG,
    )
    async def submit(
        self, user: CurrentUser, settings: AppSettings, pledge_id: FromPath[int], if_match: IfMatch = None
    ) -> Response[schemas.Pledge]:
        return with_etag(await pledges.submit_pledge(settings, user, pledge_id, if_match))

    @post(
        "/{pledge_id:int}/withdraw",
        status_code=200,
        summary="Withdraw a pledge (send its ETag in If-Match)",
        response_headers=ETAG,
    )
    async def withdraw(
        self, user: CurrentUser, settings: AppSettings, pledge_id: FromPath[int], if_match: IfMatch = None
    ) -> Response[schemas.Pledge]:
        return with_etag(await pledges.withdraw_pledge(settings, user, pledge_id, if_match))

    @get("/{pledge_id:int}/history", summary="Every change to a pledge: who, when, before and after")
    async def history(self, user: CurrentUser, pledge_id: FromPath[int]) -> list[schemas.PledgeEvent]:
        return await pledges.pledge_history(user, pledge_id)


class PledgeExportController(Controller):
    path = "/api/v1/bids"
    tags = ["Pledges"]

    @get(
        "/{bid_id:int}/pledges.csv",
        summary="Every submitted pledge in the bid as a CSV for spreadsheets (convenors; drafts stay private)",
        media_type="text/csv",
    )
    async def export(self, user: CurrentUser, bid_id: FromPath[int]) -> Response[bytes]:
        content, name = await exports.pledges_csv(user, bid_id)
        return download(content, name, "text/csv")
