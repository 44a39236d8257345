"""Who is calling: a bearer API token, or a browser session cookie (with a CSRF check on writes)."""

from __future__ import annotations

import hmac
from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency

from consortium.accounts import services as accounts
from consortium.accounts.principal import Principal
from consortium.errors import Forbidden, NotSignedIn
from consortium.settings import Settings

SESSION_COOKIE = "consortium_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def provide_settings(state: State) -> Settings:
    settings: Settings = state.settings
    return settings


async def provide_principal(request: Request[Any, Any, Any]) -> Principal | None:
    cached = request.scope.get("state", {}).get("principal", ...)
    if cached is not ...:
        return cached
    principal = await _resolve(request)
    request.scope.setdefault("state", {})["principal"] = principal
    return principal


async def _resolve(request: Request[Any, Any, Any]) -> Principal | None:
    authorization = request.headers.get("authorization", "")
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotSignedIn("Send your API token as 'Authorization: Bearer <token>'.")
        principal = await accounts.principal_for_api_token(token.strip())
        if principal is None:
            raise NotSignedIn(
                "That API token is not one we made. Check it was copied whole, or sign in and create "
                "a new one on your account page."
            )
        return principal
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    principal = await accounts.principal_for_session(cookie)
    if principal is None:
        return None
    if request.method not in SAFE_METHODS and request.url.path.startswith("/api/"):
        # Browsers send cookies on their own; a write with a cookie must also prove it came from our pages.
        sent = request.headers.get(CSRF_HEADER, "")
        if not principal.csrf_token or not hmac.compare_digest(sent, principal.csrf_token):
            raise Forbidden(
                "This request came with a browser session but without its X-CSRF-Token header. "
                "Scripts should use an API token instead."
            )
    return principal


async def provide_user(principal: NamedDependency[Principal | None]) -> Principal:
    if principal is None:
        raise NotSignedIn("Sign in to do this.")
    return principal


def client_address(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


# Handler parameters name the dependency they take: `user: CurrentUser`, `settings: AppSettings`.
CurrentUser = NamedDependency[Principal]
MaybeUser = NamedDependency[Principal | None]
AppSettings = NamedDependency[Settings]
