"""Withdrawing an organisation from a bid, from the pages: by its own editors and signatories (its part of the bid
page) or by a convenor (the dashboard's member table). Both links open the confirmation first; the withdrawal
itself is ``consortium.bids.services.withdraw_member``, as in the API."""

from __future__ import annotations

from typing import Any

from litestar import Response, get, post
from litestar.params import FromPath

from consortium.bids import services as bids
from consortium.errors import Conflict
from consortium.web.identity import CurrentUser
from consortium.web.pages import confirm
from consortium.web.pages.common import PageController, PageRequest
from consortium.web.pages.rendering import redirect

ADDRESS = "/bids/{bid_id:int}/members/{organisation_id:int}/withdraw"


class MembershipPages(PageController):
    @get(ADDRESS, name="member-withdraw")
    async def ask(
        self, request: PageRequest, user: CurrentUser, bid_id: FromPath[int], organisation_id: FromPath[int]
    ) -> Response[Any]:
        asked = await confirm.membership_withdrawal(user, bid_id, organisation_id)
        if asked is None:
            member = await bids.membership(bid_id, organisation_id)
            if member.status == "withdrawn":
                raise Conflict(f"{member.name} has already withdrawn from this bid.")
            raise Conflict(
                f"{member.name} is waiting for approval to join, so it cannot be withdrawn: the convenor approves "
                "or refuses it on the invitations page."
            )
        return await confirm.ask(request, asked)

    @post(ADDRESS)
    async def withdraw(
        self, request: PageRequest, user: CurrentUser, bid_id: FromPath[int], organisation_id: FromPath[int]
    ) -> Response[Any]:
        asked = await confirm.membership_withdrawal(user, bid_id, organisation_id)
        if asked is not None and not confirm.confirmed(await request.form()):
            return await confirm.ask(request, asked)
        by_convenor = (await bids.read_bid(user, bid_id, include_withdrawn=True)).your_role == "convenor"
        member = await bids.withdraw_member(user, bid_id, organisation_id)
        said = f"{member.name} has withdrawn from the bid: its pledges no longer count."
        # Its own people no longer see the bid: they go back to their list of bids.
        return redirect(request, f"/bids/{bid_id}" if by_convenor else "/bids", said, kind="info")
