"""One check on everything sent, before any handler sees it: no invisible control characters in text.

(The services check their input against the same rules again, ``consortium.validation``: this early check covers
what never reaches a service, such as the address and the query string, and answers a JSON body before it is
decoded into a struct. Forms are checked field by field by the pages and the services, so each problem is shown
at its field.)

A NUL byte cannot be stored in a PostgreSQL text column, and the other control characters (apart from tab and
line breaks) have no business in names, purposes or codes: they hide text from people and break exports. Rather
than trusting every field type to remember, the address, the query string and every string (and key) in a JSON
body are checked here, and the caller is told which field to change."""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import Request

from consortium.db import LARGEST_ID
from consortium.errors import BadInput, NotFound
from consortium.validation import CONTROL, control_message, find_control

# Bytes that may begin a control character in a JSON body: an escape, DEL, or the UTF-8 of U+202A-E / U+2066-9.
_MAYBE_CONTROL = re.compile(rb"\\|\x7f|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]")
BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def _problem(where: str, text: str, field: str | None = None) -> BadInput:
    return BadInput(control_message(where, text), field=field)


async def reject_control_characters(request: Request[Any, Any, Any]) -> None:
    """A before_request hook: raise BadInput (422) naming the field when any text holds a control character."""
    if CONTROL.search(request.url.path):
        raise _problem("The address", request.url.path)
    for value in request.path_params.values():
        if isinstance(value, int) and not -LARGEST_ID <= value <= LARGEST_ID:
            raise NotFound("There is nothing with that number: it is far larger than any we give out.")
    for key, value in request.query_params.multi_items():
        if CONTROL.search(key) or CONTROL.search(value):
            raise _problem("The query string", key + value, field=None if CONTROL.search(key) else key)
    content_type = request.headers.get("content-type", "")
    # Forms are checked field by field by the pages; any other body may be read as JSON by the API (Litestar reads
    # a body as JSON whatever its content type says), so it is checked as JSON here.
    if request.method not in BODY_METHODS or content_type.startswith(FORM_TYPES):
        return
    body = await request.body()
    if not _MAYBE_CONTROL.search(body):
        return  # raw C0 controls are malformed JSON anyway; the rest arrive escaped or as these bytes
    try:
        decoded = msgspec.json.decode(body)
    except msgspec.DecodeError:
        return  # the handler's own decoding reports malformed JSON
    if (found := find_control(decoded)) is not None:
        where = found[0] or "body"
        raise _problem(f"The field '{where}'", found[1], field=where)
