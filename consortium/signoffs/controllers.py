"""The sign-off API: the convenor asks members to sign off a version; each member's signatory signs it off or
declines; the convenor reads every member's decision, a member its own organisation's."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody

from consortium.signoffs import schemas
from consortium.signoffs import services as signoffs
from consortium.web.identity import AppSettings, CurrentUser


class SignOffController(Controller):
    path = "/api/v1/bids/{bid_id:int}/documents/{version:int}"
    tags = ["Sign-off"]

    @post(
        "/sign-off-request",
        status_code=201,
        summary="Ask every member to sign off this version (convenors; the latest ready version, once)",
    )
    async def request(
        self,
        user: CurrentUser,
        settings: AppSettings,
        bid_id: FromPath[int],
        version: FromPath[int],
        data: JSONBody[schemas.SignOffRequestCreate | None] = None,
    ) -> schemas.SignOffStatus:
        message = (data or schemas.SignOffRequestCreate()).message
        return await signoffs.request_sign_off(settings, user, bid_id, version, message)

    @get("/sign-offs", summary="Who has signed off this version (convenors: every member; a member: its own)")
    async def index(self, user: CurrentUser, bid_id: FromPath[int], version: FromPath[int]) -> schemas.SignOffStatus:
        return await signoffs.sign_off_status(user, bid_id, version)

    @post("/sign-offs", status_code=201, summary="Sign off this version for your organisation, or decline it")
    async def decide(
        self,
        user: CurrentUser,
        bid_id: FromPath[int],
        version: FromPath[int],
        data: JSONBody[schemas.SignOffDecision],
    ) -> schemas.MemberSignOff:
        return await signoffs.decide(user, bid_id, version, data.organisation_id, data.decision, data.reason)
