"""The reminder pages: the stop link in every reminder, and the convenor's "chase these members"."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromPath

from consortium.mail.delivery import deliver_soon
from consortium.reminders import schemas
from consortium.reminders import services as reminders
from consortium.timeutil import utc_now
from consortium.web.identity import AppSettings, CurrentUser
from consortium.web.pages.common import PageController, PageRequest, convenor_bid
from consortium.web.pages.csrf import csrf_guard
from consortium.web.pages.rendering import redirect, render
from consortium.words import count_text

ONE_CLICK = ("List-Unsubscribe", "One-Click")  # RFC 8058: the body a mail program posts to stop a list at once


async def is_one_click(request: Request[Any, Any, Any]) -> bool:
    form = await request.form()
    return form.get(ONE_CLICK[0]) == ONE_CLICK[1]


async def stop_guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """The pages' CSRF check, except for a one-click stop (RFC 8058): a mail program posts it from the message's
    List-Unsubscribe-Post header, with no page and so no token. It can only stop the reminders of the address whose
    secret link it posts to, which is what the link's holder may do anyway."""
    if isinstance(connection, Request) and connection.method == "POST" and await is_one_click(connection):
        return
    await csrf_guard(connection, handler)


class ReminderStopPages(Controller):
    """GET shows what the link stops, with a button; POST (the button, or a mail program's one-click) stops it."""

    path = "/reminders/stop"
    guards = [stop_guard]
    include_in_schema = False

    @get("/{token:str}", name="reminders-stop")
    async def confirm(self, request: PageRequest, token: FromPath[str]) -> Response[Any]:
        info = await reminders.stop_info(token)
        return await render(request, "reminders/stop.html", {"info": info, "token": token, "done": False})

    @post("/{token:str}", status_code=200)
    async def stop(self, request: PageRequest, token: FromPath[str]) -> Response[Any]:
        info = await reminders.stop_reminders(token, utc_now())
        return await render(request, "reminders/stop.html", {"info": info, "token": token, "done": True})


def chase_out(chase: reminders.Chase) -> schemas.ChasePreview:
    return schemas.ChasePreview(
        bid_id=chase.bid_id,
        members=chase.members,
        messages=[
            schemas.ChaseMessage(m.to_address, m.to_name, list(m.members), m.subject, m.text_shown)
            for m in chase.messages
        ],
        stopped=list(chase.stopped),
        unreachable=list(chase.unreachable),
    )


def sent_words(chase: reminders.Chase, queued: int) -> str:
    if queued:
        return f"{count_text(queued, 'message')} queued to chase {count_text(chase.members, 'member')}."
    return "Nothing new was sent: everyone here has already been chased today."


class ChaseController(Controller):
    """The same "chase these members" for scripts: the messages as they would be sent, then sent."""

    path = "/api/v1/bids"
    tags = ["Mail"]

    @get(
        "/{bid_id:int}/chase",
        summary="Every message 'chase these members' would send now (convenors; the bid must be open)",
    )
    async def preview(self, user: CurrentUser, settings: AppSettings, bid_id: FromPath[int]) -> schemas.ChasePreview:
        return chase_out(await reminders.chase_preview(settings, user, bid_id, utc_now()))

    @post(
        "/{bid_id:int}/chase",
        status_code=200,
        summary="Chase the members with something left to do, each person at most once a UK day (convenors)",
    )
    async def send(self, user: CurrentUser, settings: AppSettings, bid_id: FromPath[int]) -> schemas.ChaseSent:
        chase, ids = await reminders.send_chase(settings, user, bid_id, utc_now())
        await deliver_soon(ids)
        return schemas.ChaseSent(bid_id, chase.members, len(ids), sent_words(chase, len(ids)))


class ChasePages(PageController):
    """The convenor's "chase these members": every message as it will be sent, then sent on confirmation."""

    @get("/bids/{bid_id:int}/chase", name="bid-chase")
    async def preview(
        self, request: PageRequest, user: CurrentUser, settings: AppSettings, bid_id: FromPath[int]
    ) -> Response[Any]:
        bid = await convenor_bid(user, bid_id)
        chase = await reminders.chase_preview(settings, user, bid_id, utc_now())
        return await render(request, "reminders/chase.html", {"bid": bid, "chase": chase, "tab": "dashboard"})

    @post("/bids/{bid_id:int}/chase")
    async def send(
        self, request: PageRequest, user: CurrentUser, settings: AppSettings, bid_id: FromPath[int]
    ) -> Response[Any]:
        await convenor_bid(user, bid_id)
        chase, ids = await reminders.send_chase(settings, user, bid_id, utc_now())
        await deliver_soon(ids)
        return redirect(request, f"/bids/{bid_id}", sent_words(chase, len(ids)))
