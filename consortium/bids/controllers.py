from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, patch, post, put
from litestar.datastructures import UploadFile
from litestar.params import FromPath, JSONBody, QueryParameter

from consortium.accounts.services import start_session
from consortium.analysis.results import Eligibility, Totals, WhatIf
from consortium.bids import copying, figures, invitations, schemas, transitions
from consortium.bids import services as bids
from consortium.errors import BadInput, NotFound
from consortium.imports import members as member_list
from consortium.schemas import MAX_PENCE
from consortium.web.identity import SESSION_COOKIE, AppSettings, CurrentUser, MaybeUser
from consortium.web.openapi import ELIGIBILITY_RESPONSES, TOTALS_RESPONSES

# "What if" questions, the same on totals and eligibility (see figures.check_what_if for who may ask what).
Without = Annotated[
    int | None,
    QueryParameter(
        name="without",
        description="What if this member withdrew? An organisation id of a member of the bid. Members may ask it "
        "about their own organisation only.",
    ),
]
ChangedMember = Annotated[
    int | None,
    QueryParameter(
        name="organisation",
        description="What if this member's submitted pledges added up to pledged_pence instead? An organisation id "
        "of a member of the bid; give pledged_pence with it. Its pledges and the money in each of its districts are "
        "scaled to the new total (a member with no submitted pledge is given one, spread over its districts). "
        "Convenors only. May be combined with without= for another member.",
    ),
]
PledgedPence = Annotated[
    int | None,
    QueryParameter(
        name="pledged_pence",
        ge=0,
        le=MAX_PENCE,
        description="The submitted total, in pence, to assume for the member named by organisation= (0 to model "
        "it pledging nothing).",
    ),
]


async def _bid_as_now_seen(user: CurrentUser, bid_id: int) -> schemas.Bid | None:
    """The bid as GET /bids/{id} answers the caller after a write, or None when the write took it out of the bid
    (its own organisation withdrew)."""
    try:
        return await bids.read_bid(user, bid_id)
    except NotFound:
        return None


ImportMode = Annotated[
    str,
    QueryParameter(
        name="mode",
        description="check: report only; invite: invite only when every row is good; invite_good: invite the good "
        "rows and report the rest.",
    ),
]


class BidController(Controller):
    path = "/api/v1/bids"
    tags = ["Bids"]

    @post("/", summary="Open a new bid for a funding call (convenors)")
    async def create(self, user: CurrentUser, data: JSONBody[schemas.BidCreate]) -> schemas.Bid:
        return await bids.create_bid(user, data)

    @get("/", summary="The bids you can see")
    async def index(self, user: CurrentUser) -> list[schemas.Bid]:
        return await bids.list_bids(user)

    @get("/{bid_id:int}", summary="One bid")
    async def read(self, user: CurrentUser, bid_id: FromPath[int]) -> schemas.Bid:
        return await bids.read_bid(user, bid_id)

    @patch("/{bid_id:int}", summary="Change a bid's terms (convenors)")
    async def update(self, user: CurrentUser, bid_id: FromPath[int], data: JSONBody[schemas.BidUpdate]) -> schemas.Bid:
        return await bids.update_bid(user, bid_id, data)

    @post("/{bid_id:int}/open", status_code=200, summary="Open the bid for pledges")
    async def open(self, user: CurrentUser, settings: AppSettings, bid_id: FromPath[int]) -> schemas.Bid:
        return await transitions.transition(settings, user, bid_id, "open")

    @post("/{bid_id:int}/lock", status_code=200, summary="Lock the bid: no more changes")
    async def lock(self, user: CurrentUser, settings: AppSettings, bid_id: FromPath[int]) -> schemas.Bid:
        return await transitions.transition(settings, user, bid_id, "lock")

    @post("/{bid_id:int}/unlock", status_code=200, summary="Reopen a locked bid before its deadline")
    async def unlock(self, user: CurrentUser, settings: AppSettings, bid_id: FromPath[int]) -> schemas.Bid:
        return await transitions.transition(settings, user, bid_id, "unlock")

    @post("/{bid_id:int}/submit", status_code=200, summary="Mark a locked bid as submitted to the funder")
    async def submit(self, user: CurrentUser, settings: AppSettings, bid_id: FromPath[int]) -> schemas.Bid:
        return await transitions.transition(settings, user, bid_id, "submit")

    @post(
        "/{bid_id:int}/copy",
        summary="Start a new draft bid from this one (convenors): its terms and rules, a new title and deadline; "
        "with members=true, every organisation that had joined it is invited again",
    )
    async def copy(
        self, user: CurrentUser, settings: AppSettings, bid_id: FromPath[int], data: JSONBody[copying.BidCopy]
    ) -> schemas.Bid:
        new_id = await copying.copy_bid(
            settings, user, bid_id, title=data.title, deadline=data.deadline, members=data.members
        )
        return await bids.read_bid(user, new_id)

    @get("/{bid_id:int}/rules", summary="The bid's eligibility rules")
    async def rules(self, user: CurrentUser, bid_id: FromPath[int]) -> list[schemas.Rule]:
        return (await bids.read_bid(user, bid_id)).rules

    @put(
        "/{bid_id:int}/rules",
        summary="Replace the bid's eligibility rules (convenors); answers the bid, its rules as GET …/rules reads them",
    )
    async def replace_rules(
        self, user: CurrentUser, bid_id: FromPath[int], data: JSONBody[schemas.RulesReplace]
    ) -> schemas.Bid:
        return await bids.replace_rules(user, bid_id, data.rules)

    @get(
        "/{bid_id:int}/totals",
        summary="Live totals (members see the headline figures only), or what if a member withdrew or pledged "
        "another amount",
        responses=TOTALS_RESPONSES,
    )
    async def totals(
        self,
        user: CurrentUser,
        bid_id: FromPath[int],
        without: Without = None,
        organisation: ChangedMember = None,
        pledged_pence: PledgedPence = None,
    ) -> Totals | figures.HeadlineTotals:
        return await figures.bid_totals(user, bid_id, WhatIf.asked(without, organisation, pledged_pence))

    @get(
        "/{bid_id:int}/eligibility",
        summary="Eligibility, rule by rule, with the gap to each and the eligible total, or what if a member "
        "withdrew or pledged another amount",
        responses=ELIGIBILITY_RESPONSES,
    )
    async def eligibility(
        self,
        user: CurrentUser,
        bid_id: FromPath[int],
        without: Without = None,
        organisation: ChangedMember = None,
        pledged_pence: PledgedPence = None,
    ) -> Eligibility | figures.MemberEligibility:
        return await figures.bid_eligibility(user, bid_id, what_if=WhatIf.asked(without, organisation, pledged_pence))

    @get("/{bid_id:int}/members", summary="The bid's member organisations")
    async def members(self, user: CurrentUser, bid_id: FromPath[int]) -> list[schemas.BidMember]:
        return await bids.list_members(user, bid_id)

    @post("/{bid_id:int}/members/{organisation_id:int}/withdraw", status_code=200, summary="Withdraw a member")
    async def withdraw_member(
        self, user: CurrentUser, bid_id: FromPath[int], organisation_id: FromPath[int]
    ) -> schemas.MemberChange:
        member = await bids.withdraw_member(user, bid_id, organisation_id)
        return schemas.MemberChange(
            bid=await _bid_as_now_seen(user, bid_id),
            member=member,
            message=f"{member.name} has withdrawn from the bid: its pledges no longer count.",
        )

    @post(
        "/{bid_id:int}/members/{organisation_id:int}/approve",
        status_code=200,
        summary="Let in an organisation waiting for approval (it used a link sent to another address; convenors)",
    )
    async def approve_member(
        self, settings: AppSettings, user: CurrentUser, bid_id: FromPath[int], organisation_id: FromPath[int]
    ) -> schemas.MemberChange:
        member = await invitations.approve_member(settings, user, bid_id, organisation_id)
        return schemas.MemberChange(
            bid=await bids.read_bid(user, bid_id),
            member=member,
            message=f"{member.name} has joined the bid.",
        )

    @post(
        "/{bid_id:int}/members/{organisation_id:int}/refuse",
        status_code=200,
        summary="Turn away an organisation waiting for approval; the link it used stops working (convenors)",
    )
    async def refuse_member(
        self, user: CurrentUser, bid_id: FromPath[int], organisation_id: FromPath[int]
    ) -> schemas.MemberChange:
        message = await invitations.refuse_member(user, bid_id, organisation_id)
        return schemas.MemberChange(bid=await bids.read_bid(user, bid_id), member=None, message=message)

    @post(
        "/{bid_id:int}/invitations",
        summary="Invite organisations by email, many at once (convenors); answers the bid and each invitation with "
        "its link, shown only now",
    )
    async def invite(
        self, user: CurrentUser, settings: AppSettings, bid_id: FromPath[int], data: JSONBody[schemas.InvitationCreate]
    ) -> schemas.InvitationsMade:
        made = await invitations.create_invitations(settings, user, bid_id, data.emails)
        return schemas.InvitationsMade(bid=await bids.read_bid(user, bid_id), invitations=made)

    @post(
        "/{bid_id:int}/invitations/import",
        summary="Invite from your member list (convenors): a CSV or Excel file (multipart field ‘file’) with a "
        "contact email column and, if you have them, organisation name, identifier and homes. mode=check reports "
        "every bad row (row, column, what to change); mode=invite invites only when there are none (else 422 with "
        "every problem, nothing sent); mode=invite_good invites the good rows and reports the rest. Each invitation "
        "carries its row for the invited person to confirm; the links are answered only now",
    )
    async def import_member_list(
        self,
        request: Request[Any, Any, Any],
        user: CurrentUser,
        settings: AppSettings,
        bid_id: FromPath[int],
        mode: ImportMode = "check",
    ) -> Response[member_list.MemberListReport]:
        await member_list.require_may_import(user, bid_id)  # 404 or 403 before the body is read
        form = await request.form()
        upload = next((v for k, v in form.multi_items() if k == "file" and isinstance(v, UploadFile)), None)
        if upload is None:
            upload = next((v for v in form.values() if isinstance(v, UploadFile)), None)
        if upload is None:
            raise BadInput(
                "Send the member list as a file: a multipart form with the field ‘file’ (CSV or Excel).", field="file"
            )
        try:
            content = await upload.read(member_list.MAX_MEMBER_LIST_BYTES + 1)
        finally:
            for value in form.values():
                if isinstance(value, UploadFile):
                    await value.close()
        report = await member_list.import_member_list(settings, user, bid_id, content, upload.filename or "", mode)
        return Response(report, status_code=201 if report.invited else 200)

    @get("/{bid_id:int}/invitations", summary="Invitations and where each one has got to (convenors)")
    async def list_invitations(self, user: CurrentUser, bid_id: FromPath[int]) -> list[schemas.Invitation]:
        return await invitations.list_invitations(user, bid_id)

    @post(
        "/{bid_id:int}/invitations/{invitation_id:int}/resend",
        status_code=200,
        summary="A fresh link, replacing the old one; answers the bid and the invitation with its link",
    )
    async def resend(
        self, user: CurrentUser, settings: AppSettings, bid_id: FromPath[int], invitation_id: FromPath[int]
    ) -> schemas.InvitationsMade:
        made = await invitations.resend_invitation(settings, user, bid_id, invitation_id)
        return schemas.InvitationsMade(bid=await bids.read_bid(user, bid_id), invitations=[made])


class RuleKindController(Controller):
    path = "/api/v1/rule-kinds"
    tags = ["Bids"]

    @get("/", summary="Every kind of eligibility rule a bid can have")
    async def index(self) -> list[schemas.RuleKindInfo]:
        return bids.rule_kinds()


class InvitationController(Controller):
    path = "/api/v1/invitations"
    tags = ["Invitations"]

    @get(
        "/{token:str}",
        summary="What an invitation is for (no sign-in needed), with the organisation's details from the convenor's "
        "member list to confirm (prefill) and, when signed in, the organisations you act for (profile and coverage)",
    )
    async def read(self, principal: MaybeUser, token: FromPath[str]) -> invitations.InvitationDetails:
        return await invitations.invitation_info(token, principal)

    @post(
        "/{token:str}/accept",
        summary="Accept an invitation: join the bid with your organisation. A new person is signed in by the answer "
        '(session cookie and csrf_token; an API token too with "api_token": true), so the next write needs no '
        "sign-in",
    )
    async def accept(
        self,
        request: Request[Any, Any, Any],
        principal: MaybeUser,
        settings: AppSettings,
        token: FromPath[str],
        data: JSONBody[schemas.AcceptInvitation],
    ) -> Response[schemas.Accepted]:
        accepted, who = await invitations.accept_invitation(settings, principal, token, data)
        if principal is not None:
            return Response(accepted, status_code=201)
        from consortium.web.cookies import session_cookie

        session = await start_session(settings, who.user_id, replacing_token=request.cookies.get(SESSION_COOKIE))
        accepted = msgspec.structs.replace(accepted, csrf_token=session.csrf_token)
        return Response(accepted, status_code=201, cookies=[session_cookie(settings, session.token)])
