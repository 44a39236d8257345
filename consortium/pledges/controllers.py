from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get, patch, post
from litestar.params import FromPath, HeaderParameter, JSONBody

from consortium.pledges import exports, schemas
from consortium.pledges import services as pledges
from consortium.web.identity import CurrentUser

IfMatch = Annotated[
    str | None,
    HeaderParameter(name="If-Match", required=False, description='The pledge\'s current version, e.g. "3".'),
]


class BidPledgeController(Controller):
    path = "/api/v1/bids/{bid_id:int}/pledges"
    tags = ["Pledges"]

    @post("/", summary="Make a pledge for your organisation")
    async def create(
        self, user: CurrentUser, bid_id: FromPath[int], data: JSONBody[schemas.PledgeCreate]
    ) -> schemas.Pledge:
        return await pledges.create_pledge(user, bid_id, data)

    @get("/", summary="Pledges you can see (members: their own; convenors: submitted ones, never drafts)")
    async def index(self, user: CurrentUser, bid_id: FromPath[int]) -> list[schemas.Pledge]:
        return await pledges.list_pledges(user, bid_id)


class PledgeController(Controller):
    path = "/api/v1/pledges"
    tags = ["Pledges"]

    @get("/{pledge_id:int}", summary="One pledge")
    async def read(self, user: CurrentUser, pledge_id: FromPath[int]) -> schemas.Pledge:
        return await pledges.read_pledge(user, pledge_id)

    @patch("/{pledge_id:int}", summary="Change a pledge (send If-Match with its version)")
    async def update(
        self,
        user: CurrentUser,
        pledge_id: FromPath[int],
        data: JSONBody[schemas.PledgeUpdate],
        if_match: IfMatch = None,
    ) -> schemas.Pledge:
        return await pledges.update_pledge(user, pledge_id, data, if_match)

    @post("/{pledge_id:int}/submit", status_code=200, summary="Submit a pledge (send If-Match)")
    async def submit(self, user: CurrentUser, pledge_id: FromPath[int], if_match: IfMatch = None) -> schemas.Pledge:
        return await pledges.submit_pledge(user, pledge_id, if_match)

    @post("/{pledge_id:int}/withdraw", status_code=200, summary="Withdraw a pledge (send If-Match)")
    async def withdraw(self, user: CurrentUser, pledge_id: FromPath[int], if_match: IfMatch = None) -> schemas.Pledge:
        return await pledges.withdraw_pledge(user, pledge_id, if_match)

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
        return Response(
            content,
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
        )
