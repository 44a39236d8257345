"""Every error leaves as JSON a person can act on, or as a friendly HTML page for a browser: a 401 on a page
redirects to sign in and comes back afterwards. ``EXCEPTION_HANDLERS`` is what the app installs.

JSON goes to everything under /api (and /schema, /health), and to scripts wherever they call: a request with an
``Authorization`` header, or one whose ``Accept`` names JSON and not HTML. The downloads of a bid document live
beside its pages (``/bids/{id}/documents/{version}/bid.pdf``, ``/shared/{token}/bid.pdf``) and serve browsers and
scripts alike, so the caller, not the address, decides the form of the answer."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ExceptionHandlersMap

from consortium.errors import (
    MALFORMED_BODY_ERRORS,
    SAME_CHANGE_AT_ONCE,
    Conflict,
    ServiceError,
    is_unique_violation,
    malformed_body,
    unique_violation_error_types,
)
from consortium.web.pages.errorpages import page_error_response

logger = logging.getLogger("consortium")

_NOT_PAGES = ("/api/", "/schema")


def is_page_request(request: Request[Any, Any, Any]) -> bool:
    """Whether the error answer is a page (a browser) rather than JSON (the API, or a script)."""
    path = request.url.path
    if path in {"/api", "/health"} or path.startswith(_NOT_PAGES):
        return False
    if request.headers.get("authorization"):
        return False  # an API token: a script, whatever the address
    accept = request.headers.get("accept", "")
    return not ("json" in accept and "html" not in accept)


def _body(status: int, title: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"status": status, "title": title, "message": message, **{k: v for k, v in extra.items() if v is not None}}


def service_error_response(request: Request[Any, Any, Any], error: ServiceError) -> Response[Any]:
    headers = {}
    if error.status_code == 429 and "retry_after_seconds" in error.extra:
        headers["Retry-After"] = str(error.extra["retry_after_seconds"])
    if is_page_request(request):
        return page_error_response(request, error.status_code, error.message, title=error.title, headers=headers)
    return Response(
        _body(error.status_code, error.title, error.message, field=error.field, **error.extra),
        status_code=error.status_code,
        media_type=MediaType.JSON,
        headers=headers,
    )


_TYPE_WORDS = {
    "int": "a whole number",
    "str": "text",
    "bool": "true or false",
    "array": "a list",
    "object": "a JSON object",
    "float": "a number",
    "datetime": "a date and time like 2026-12-01T17:00:00Z",
    "date": "a date like 2026-12-01",
}

# The decoder's own wording ("Expected `int` >= 1") becomes a sentence saying what to send instead.
_DECODER_MESSAGES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"Expected `str` of length >= 1"), lambda m: "must not be empty"),
    (re.compile(r"Expected `str` of length <= (\d+)"), lambda m: f"must be at most {int(m[1]):,} characters long"),
    (re.compile(r"Expected `str` of length >= (\d+)"), lambda m: f"must be at least {int(m[1]):,} characters long"),
    (re.compile(r"Expected `array` of length <= (\d+)"), lambda m: f"may list at most {int(m[1]):,} items"),
    (re.compile(r"Expected `array` of length >= (\d+)"), lambda m: f"must list at least {int(m[1]):,} items"),
    (re.compile(r"Expected `int` >= (-?\d+)"), lambda m: f"must be a whole number of at least {int(m[1]):,}"),
    (re.compile(r"Expected `int` <= (-?\d+)"), lambda m: f"must be a whole number of at most {int(m[1]):,}"),
    (re.compile(r"Expected `int` > (-?\d+)"), lambda m: f"must be a whole number above {int(m[1]):,}"),
    (re.compile(r"Expected `int` < (-?\d+)"), lambda m: f"must be a whole number below {int(m[1]):,}"),
    (re.compile(r"Object missing required field `([^`]+)`"), lambda m: f"{m[1]} is missing; add it"),
    (re.compile(r"Object contains unknown field `([^`]+)`"), lambda m: f"{m[1]} is not a field we know; remove it"),
    (re.compile(r"Invalid enum value (.+)"), lambda m: f"{m[1]} is not one of the allowed values (see /schema)"),
    (re.compile(r"Invalid RFC3339 encoded datetime"), lambda m: "must be " + _TYPE_WORDS["datetime"]),
    (re.compile(r"Invalid RFC3339 encoded date"), lambda m: "must be " + _TYPE_WORDS["date"]),
    (re.compile(r"Expected `([^`]+)`, got `([^`]+)`"), lambda m: _expected(m[1])),
    (re.compile(r"Expected `([^`]+)`"), lambda m: _expected(m[1])),
]


def _expected(types: str) -> str:
    words = [_TYPE_WORDS.get(t.strip(), f"`{t.strip()}`") for t in types.split("|") if t.strip() != "null"]
    text = " or ".join(dict.fromkeys(words))
    return f"must be {text}" + (", or null" if "null" in types else "")


def plain_decoder_message(key: str, message: str) -> str:
    """One problem the request decoder found, in words that say what to send instead."""
    for pattern, words in _DECODER_MESSAGES:
        found = pattern.search(message)
        if found:
            text = words(found)
            # "title is missing" names its own field; "must not be empty" needs the field in front.
            if key in {"", "data"}:
                return text if text.endswith(("; add it", "; remove it", "(see /schema)")) else f"the body {text}"
            return text if text.startswith(f"{key} ") else f"{key} {text}"
    return f"{key}: {message}" if key and key != "data" else message


def _explain(item: dict[str, Any]) -> str:
    key = str(item.get("key") or "").removeprefix("$.")
    return plain_decoder_message(key, str(item.get("message", "")))


def _unreadable_body(detail: str) -> str | None:
    """The decoder's words for a body that is not JSON at all, as something a person can act on. (Litestar raises
    these as a plain 400, not a ValidationException.)"""
    if detail == "Input data was truncated":
        # The decoder says this for a lone surrogate escape ("\ud800") too, so both causes are named.
        return (
            "What was sent is not complete JSON: it ends too early, or holds a broken character escape such as "
            "\\ud800. Check that the whole request was sent and that its text is valid."
        )
    if detail.startswith("Integer value out of range"):
        return "A number in what was sent is far too large to be a real figure. Check the amounts and counts."
    if detail.startswith("JSON is malformed"):
        where = detail.removeprefix("JSON is malformed:").strip()
        return (
            f"What was sent is not valid JSON ({where}). Check the quotes, commas and brackets, or use a JSON tool "
            "to build the request."
        )
    return None


def validation_error_response(request: Request[Any, Any, Any], error: ValidationException) -> Response[Any]:
    items = [i for i in error.extra if isinstance(i, dict)] if isinstance(error.extra, list) else []
    fields: dict[str, list[str]] = {}  # as a service's 422 groups them: each problem under the field it is about
    if any(str(i.get("message")) == "'data'" for i in items):  # the handler's body was missing altogether
        problems: list[str] = []
        message = "This request needs a JSON body; none was sent. See /schema for the fields this address takes."
    else:
        problems = [_explain(i) for i in items]
        for item, problem in zip(items, problems, strict=True):
            key = str(item.get("key") or "").removeprefix("$.")
            if key and key != "data":
                fields.setdefault(key, []).append(problem)
        message = (
            "Some of what was sent is not in the right form: " + "; ".join(problems) + "."
            if problems
            else str(error.detail)
        )
    if is_page_request(request):
        return page_error_response(request, 400, message)
    return Response(
        _body(400, "Please check what you entered", message, errors=problems or None, fields=fields or None),
        status_code=400,
        media_type=MediaType.JSON,
    )


def http_error_response(request: Request[Any, Any, Any], error: HTTPException) -> Response[Any]:
    messages = {
        404: "There is nothing at this address.",
        405: "This address does not accept that kind of request.",
        413: "What you sent is too large.",
    }
    message = messages.get(error.status_code, str(error.detail))
    if error.status_code == 400:
        message = _unreadable_body(message) or message
    if error.status_code == 413:
        limit = getattr(request.app.state.get("settings"), "max_upload_bytes", None)
        most = f" The most we accept in one request is {limit / 1_000_000:g} MB." if limit else ""
        message = f"What you sent is too large.{most} Send a smaller file, or split the list into parts."
    if is_page_request(request):
        if error.status_code == 413:
            message = "What you sent is too large. Choose a smaller file, or split the list into parts."
        return page_error_response(request, error.status_code, message, headers=dict(error.headers or {}))
    return Response(
        _body(error.status_code, "Request not accepted", message),
        status_code=error.status_code,
        media_type=MediaType.JSON,
        headers=error.headers,
    )


def unexpected_error_response(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    logger.exception("Unexpected error on %s %s", request.method, request.url.path, exc_info=error)
    if is_page_request(request):
        return page_error_response(
            request,
            500,
            "Something went wrong on our side. Nothing you sent was lost; please try again in a minute.",
        )
    return Response(
        _body(
            500,
            "Something went wrong on our side",
            "Nothing you sent was lost. Please try again in a minute; if it keeps happening, tell your convenor.",
        ),
        status_code=HTTP_500_INTERNAL_SERVER_ERROR,
        media_type=MediaType.JSON,
    )


def integrity_error_response(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    """The safety net under every check-then-insert: a unique index refusing the loser of a race becomes 409 (the
    change can simply be made again), logged so the race can be found and closed properly; any other integrity
    error is a fault of ours (500)."""
    if not is_unique_violation(error):
        return unexpected_error_response(request, error)
    logger.warning(
        "Unique constraint refused a concurrent change on %s %s: %s", request.method, request.url.path, error
    )
    return service_error_response(request, Conflict(SAME_CHANGE_AT_ONCE))


def malformed_body_response(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    return service_error_response(request, malformed_body(error))


# Litestar answers an exception with the handler of its nearest class (its MRO), so this order is only for reading.
EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    ServiceError: service_error_response,
    **{kind: malformed_body_response for kind in MALFORMED_BODY_ERRORS},
    **{kind: integrity_error_response for kind in unique_violation_error_types()},
    ValidationException: validation_error_response,
    HTTPException: http_error_response,
    Exception: unexpected_error_response,
}
