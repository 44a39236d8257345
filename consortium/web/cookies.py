"""The session cookie, set at sign-in (API, pages, accepting an invitation) and cleared at sign-out, in one place so
every way in sets it alike: HttpOnly, SameSite=Lax, Secure outside development, for the session's lifetime."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import Cookie

from consortium.accounts import services as accounts
from consortium.settings import Settings
from consortium.web.identity import SESSION_COOKIE


def session_cookie(settings: Settings, token: str | None) -> Cookie:
    """The cookie carrying ``token``; with no token, one that tells the browser to forget the session."""
    return Cookie(
        key=SESSION_COOKIE,
        value=token or "",
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
        max_age=settings.session_hours * 3600 if token else 0,
    )


async def new_session_cookie(request: Request[Any, Any, Any], settings: Settings, user_id: int) -> Cookie:
    """Sign ``user_id`` in from a page: a fresh session (ending the one this browser had, so a planted session id is
    useless) and the cookie that carries it."""
    session = await accounts.start_session(settings, user_id, replacing_token=request.cookies.get(SESSION_COOKIE))
    return session_cookie(settings, session.token)
