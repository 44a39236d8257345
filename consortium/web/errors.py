"""Every error leaves as JSON a person can act on under /api (and /schema, /health), or as a friendly HTML page
everywhere else: a 401 on a page redirects to sign in and comes back afterwards."""

from __future__ import annotations

import logging
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from consortium.errors import ServiceError
from consortium.web.pages.errorpages import is_page_request, page_error_response

logger = logging.getLogger("consortium")


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


def _explain(item: dict[str, Any]) -> str:
    key = str(item.get("key") or "").removeprefix("$.")
    message = str(item.get("message", ""))
    return f"{key}: {message}" if key else message


def validation_error_response(request: Request[Any, Any, Any], error: ValidationException) -> Response[Any]:
    problems = [_explain(i) for i in error.extra if isinstance(i, dict)] if isinstance(error.extra, list) else []
    message = (
        "Some of what was sent is not in the right form. " + "; ".join(problems) if problems else str(error.detail)
    )
    if is_page_request(request):
        return page_error_response(request, 400, message)
    return Response(
        _body(400, "Please check what you entered", message, errors=problems or None),
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
