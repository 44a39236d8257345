"""Cross-site request forgery protection for the pages' forms.

Every page POST must carry a token in a hidden ``csrf_token`` field (or, for HTMX requests, an ``X-CSRF-Token``
header) that a page on this site put there:

* Signed in (a browser session): the token is the session's own ``csrf_token`` (stored with the session, never
  in a cookie), so a form only works for the session that loaded it.
* Not signed in (sign-in, accepting an invitation, a funder checking a PDF): a double-submit cookie. The first
  page we render sets ``consortium_form`` to a random token (HttpOnly, SameSite=Strict, ``__Host-`` and Secure
  outside development) and writes the same token into the form; the POST must send both and they must match.
  A forger on another site can neither read the cookie nor make the browser send it (SameSite=Strict).

On top of the token, a POST whose ``Origin`` (or ``Sec-Fetch-Site``) says it came from another site is refused,
whatever it carries. The JSON API (``/api/``) keeps its own check (the ``X-CSRF-Token`` header with a session
cookie, see ``consortium.web.identity``); bearer-token requests need none, as browsers never add that header.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any
from urllib.parse import urlsplit

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.handlers.base import BaseRouteHandler

from consortium.accounts.principal import Principal
from consortium.errors import Forbidden
from consortium.settings import Settings
from consortium.web.identity import CSRF_HEADER, SAFE_METHODS, provide_principal
from consortium.web.pages.forms import close_uploads

FORM_FIELD = "csrf_token"
_STATE_KEY = "form_token"

EXPIRED = (
    "This form has expired or did not come from a Consortium page, so nothing was saved. "
    "Go back, reload the page and try again."
)
CROSS_SITE = "This form was sent from another website, so nothing was saved. Use the form on Consortium itself."


def form_cookie_name(settings: Settings) -> str:
    # The __Host- prefix pins the cookie to this exact host over HTTPS (no sub-domain can plant one).
    return "__Host-consortium_form" if settings.secure_cookies else "consortium_form"


def _settings(connection: ASGIConnection[Any, Any, Any, Any]) -> Settings:
    settings: Settings = connection.app.state.settings
    return settings


def anonymous_token(request: Request[Any, Any, Any]) -> tuple[str, bool]:
    """The double-submit token of this browser, and whether it is new (and needs its cookie set)."""
    state = request.scope.setdefault("state", {})
    if _STATE_KEY in state:
        known: tuple[str, bool] = state[_STATE_KEY]
        return known
    existing = request.cookies.get(form_cookie_name(_settings(request)), "")
    token = (existing, False) if len(existing) >= 32 else (secrets.token_urlsafe(32), True)
    state[_STATE_KEY] = token
    return token


def form_cookie(settings: Settings, token: str) -> Cookie:
    return Cookie(
        key=form_cookie_name(settings),
        value=token,
        httponly=True,
        samesite="strict",
        secure=settings.secure_cookies,
        path="/",
        max_age=None,  # a browser-session cookie
    )


def token_for(request: Request[Any, Any, Any], principal: Principal | None) -> str:
    """The token this page's forms carry."""
    if principal is not None and principal.csrf_token:
        return principal.csrf_token
    return anonymous_token(request)[0]


def _same_origin(request: Request[Any, Any, Any]) -> bool:
    if request.headers.get("sec-fetch-site", "") == "cross-site":
        return False
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin != "null"
    ours = {request.headers.get("host", "").lower(), urlsplit(_settings(request).base_url).netloc.lower()}
    return urlsplit(origin).netloc.lower() in ours


async def csrf_guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Refuse (403, a friendly page) any page POST without the right token or from another site."""
    if connection.scope.get("method", "GET") in SAFE_METHODS or not isinstance(connection, Request):
        return
    request: Request[Any, Any, Any] = connection
    if not _same_origin(request):
        raise Forbidden(CROSS_SITE)
    principal = await provide_principal(request)
    if principal is not None and principal.session_id is None:
        return  # a bearer token: not something a browser sends by itself
    form = await request.form()
    sent = str(form.get(FORM_FIELD) or request.headers.get(CSRF_HEADER) or "")
    if principal is not None and principal.csrf_token:
        expected = principal.csrf_token
    else:
        expected, new = anonymous_token(request)
        if new:
            await close_uploads(form)
            raise Forbidden(EXPIRED)
    if not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        await close_uploads(form)
        raise Forbidden(EXPIRED)
