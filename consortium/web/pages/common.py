"""What every page controller shares: the CSRF guard, and finding a bid in the role a page is for."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request

from consortium.accounts.principal import Principal
from consortium.bids import schemas
from consortium.bids import services as bids
from consortium.bids.access import NOT_FOUND
from consortium.errors import Forbidden, NotFound
from consortium.web.pages.csrf import csrf_guard

PageRequest = Request[Any, Any, Any]


class PageController(Controller):
    """Pages: never in the OpenAPI schema, and every POST checked for its CSRF token."""

    guards = [csrf_guard]
    include_in_schema = False


async def convenor_bid(user: Principal, bid_id: int) -> schemas.Bid:
    """The bid, for one of its network's convenors. As in the API, someone who can see the bid (a member) is told
    the page is for convenors (403); anyone else gets 'not found' (404)."""
    bid = await bids.read_bid(user, bid_id)
    if bid.your_role != "convenor":
        raise Forbidden(
            "This page is for the network's convenors. Your organisation's part of this bid is on its page, "
            "which you can reach from your home page."
        )
    return bid


async def member_bid(user: Principal, bid_id: int) -> schemas.Bid:
    """The bid, for a person acting for one of its member organisations; anyone else gets 404."""
    bid = await bids.read_bid(user, bid_id)
    if bid.your_role != "member":
        raise NotFound(NOT_FOUND)
    return bid
