"""Security headers on every response."""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders, ResponseHeader
from litestar.types import Message, Scope

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)

SECURITY_HEADERS = [
    ResponseHeader(name="Content-Security-Policy", value=CONTENT_SECURITY_POLICY),
    ResponseHeader(name="X-Content-Type-Options", value="nosniff"),
    ResponseHeader(name="Referrer-Policy", value="same-origin"),
    ResponseHeader(name="X-Frame-Options", value="DENY"),
]


async def add_missing_security_headers(message: Message, scope: Scope) -> None:
    """A before_send hook: every response gets the security headers, including the ones Litestar makes itself
    (no such route, body too large, unexpected errors) that never pass through a handler's response_headers.
    A header a response already carries is left as it is."""
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    for header in SECURITY_HEADERS:
        if header.value is not None and header.name not in headers:
            headers[header.name] = header.value
    # API answers carry people's pledges and contacts: no shared or browser cache keeps them, unless a handler
    # said otherwise.
    if str(scope.get("path", "")).startswith("/api/") and "Cache-Control" not in headers:
        headers["Cache-Control"] = "no-store"
