"""Friendly HTML error pages for everything outside the JSON API.

``consortium.web.errors`` sends requests from browsers here: 401 becomes a redirect to sign in (coming back afterwards),
every other status a calm page saying what happened and what to do next.
"""

from __future__ import annotations

import html
import logging
from typing import Any
from urllib.parse import quote, urlsplit

from litestar import MediaType, Request, Response

from consortium.web.pages.rendering import navigation, safe_next

logger = logging.getLogger("consortium")

TITLES: dict[int, str] = {
    400: "Please check what you entered",
    403: "You cannot do that here",
    404: "Page not found",
    405: "That did not work",
    409: "That cannot be done right now",
    410: "This link no longer works",
    412: "Someone else changed this first",
    413: "That file is too large",
    422: "Please check what you entered",
    429: "Too many attempts",
    500: "Sorry, something went wrong on our side",
}

# Said after the message, when the message itself does not say what to do. (Every "gone" message already does:
# "... Ask the convenor for a new link.", so 410 has none here.)
NEXT_STEPS: dict[int, str] = {
    403: "If you think you should be able to do this, ask your network convenor.",
    404: "If you typed the address, check it is correct. If you followed a link, it may be out of date or meant for "
    "someone else.",
    409: "Nothing was changed.",
    412: "Reload the page to see the latest version, then make your change again.",
    429: "Wait a few minutes before trying again.",
    500: "Nothing you sent was lost. Try again in a minute; if it keeps happening, tell your network convenor.",
}


def _sign_in_redirect(request: Request[Any, Any, Any], headers: dict[str, str]) -> Response[Any]:
    if request.method in {"GET", "HEAD"}:
        back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    else:
        referer = urlsplit(request.headers.get("referer", ""))
        back = referer.path if referer.netloc == request.headers.get("host") else "/"
    target = "/sign-in"
    back = safe_next(back, "")
    if back and back not in {"/", "/sign-in"}:
        target += "?next=" + quote(back, safe="/")
    if request.headers.get("hx-request"):
        return Response(content=b"", status_code=204, headers={**headers, "HX-Redirect": target})
    return Response(content=b"", status_code=303, headers={**headers, "Location": target})


def page_error_response(
    request: Request[Any, Any, Any],
    status: int,
    message: str,
    *,
    title: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response[Any]:
    headers = {**(headers or {}), "Cache-Control": "no-store"}
    if status == 401:
        return _sign_in_redirect(request, headers)
    principal = request.scope.get("state", {}).get("principal")
    heading = title or TITLES.get(status, "That did not work")
    context: dict[str, Any] = {
        "status": status,
        "title": heading,
        "message": message,
        "next_step": NEXT_STEPS.get(status, ""),
        "principal": principal,
        "nav": navigation(principal, ""),
        "flashes": [],
        "csrf_token": "",
        "csrf_field": "csrf_token",
        "current_path": request.url.path,
        "request": request,
    }
    try:
        page = request.app.template_engine.get_template("errors/error.html").render(**context)  # type: ignore[union-attr]
    except Exception:  # the page about an error must not fail in turn
        logger.exception("Could not render the error page")
        page = (
            f"<!doctype html><html lang='en-GB'><title>{html.escape(heading)}</title>"
            f"<h1>{html.escape(heading)}</h1><p>{html.escape(message)}</p><p><a href='/'>Home</a></p></html>"
        )
    return Response(content=page, status_code=status, media_type=MediaType.HTML, headers=headers)
