"""Writes to the API from another website are refused before anything else runs.

A browser adds our session cookie to a request another site's page makes (a form posted cross-site, or a "simple"
fetch), and such a request needs no permission from us when its body is text/plain or a form. Without this check a
page anywhere could sign a visitor in as the attacker (POST /api/v1/auth/sign-in with a text/plain body that reads
as JSON: login CSRF), or accept an invitation in their name. So every API write that does not carry a bearer token
(the only writes a browser can be made to send) must

- come from our own pages: ``Sec-Fetch-Site`` (sent by every current browser) says same-origin (or "none", typed
  by the person), or, from a browser too old to send it, ``Origin`` is the service's own (CONSORTIUM_BASE_URL);
  a client that sends neither (a script, curl) is not a browser acting for someone else;
- send its body as JSON (``Content-Type: application/json``): a page on another site cannot send that type without
  the browser first asking us (CORS), and we never say yes.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from litestar import Request

from consortium.errors import Forbidden, UnsupportedMediaType

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
OWN_SITE = {"same-origin", "none"}
_DEFAULT_PORTS = {"http": 80, "https": 443}

CROSS_SITE = (
    "This request came from another website, so it was refused: Consortium's pages make their own requests. "
    "If you are writing a script, send an API token in an Authorization header instead of a browser session."
)
NOT_JSON = (
    "Send the body as JSON, with the header 'Content-Type: application/json'. This address does not take forms "
    "or plain text."
)


def origin_of(url: str) -> str:
    """scheme://host:port in lower case, with the scheme's default port written out, so equal origins compare
    equal however they are written ("HTTPS://Example.org" and "https://example.org:443")."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme.lower(), 0)
    except ValueError:
        return ""
    if not parts.scheme or not parts.hostname:
        return ""
    return f"{parts.scheme.lower()}://{parts.hostname.lower()}:{port}"


def is_json(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (media_type.startswith("application/") and media_type.endswith("+json"))


async def refuse_cross_site_api_writes(request: Request[Any, Any, Any]) -> None:
    """A before_request hook: raise Forbidden (403) for an API write from another site, and UnsupportedMediaType
    (415) for a browser-sendable API write whose body is not JSON."""
    if request.method not in WRITE_METHODS or not request.url.path.startswith("/api/"):
        return
    if request.headers.get("authorization"):
        return  # a bearer token: no browser adds one to another site's request by itself
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        if site.strip().lower() not in OWN_SITE:
            raise Forbidden(CROSS_SITE)
    else:
        origin = request.headers.get("origin")
        own = origin_of(request.app.state.settings.base_url)
        if origin is not None and origin_of(origin) != own:
            raise Forbidden(CROSS_SITE)
    if await request.body() and not is_json(request.headers.get("content-type", "")):
        raise UnsupportedMediaType(NOT_JSON)
