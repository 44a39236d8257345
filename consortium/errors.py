"""Errors the services raise, each with an HTTP status and a message a person can act on.

Services know nothing of HTTP frameworks; the web layer turns these into JSON or a friendly page.
"""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    status_code = 400
    title = "Something is wrong with the request"

    def __init__(self, message: str, *, field: str | None = None, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra or {}


class BadInput(ServiceError):
    status_code = 422
    title = "Please check what you entered"


class NotSignedIn(ServiceError):
    status_code = 401
    title = "Please sign in"


class Forbidden(ServiceError):
    status_code = 403
    title = "You do not have access to this"


class NotFound(ServiceError):
    status_code = 404
    title = "We could not find that"


class Conflict(ServiceError):
    status_code = 409
    title = "That cannot be done right now"


class Gone(ServiceError):
    status_code = 410
    title = "This link no longer works"


class PreconditionFailed(ServiceError):
    status_code = 412
    title = "Someone else changed this first"


class PreconditionRequired(ServiceError):
    status_code = 428
    title = "Say which version you are changing"


class TooManyAttempts(ServiceError):
    status_code = 429
    title = "Too many attempts"


class TooLarge(ServiceError):
    status_code = 413
    title = "That file is too large"


# A JSON body that is not UTF-8, or is nested deeper than the decoder recurses, fails with one of these rather than
# a decode error; the web layer answers them as bad input (``consortium.web.errors.EXCEPTION_HANDLERS``). This module
# imports nothing of Consortium's, so every layer can raise these errors without an import loop.
MALFORMED_BODY_ERRORS: tuple[type[Exception], ...] = (UnicodeDecodeError, RecursionError)


def malformed_body(error: Exception) -> BadInput:
    if isinstance(error, UnicodeDecodeError):
        return BadInput(
            "What was sent is not valid UTF-8 text. Send the JSON encoded as UTF-8 (most tools do this by default) "
            "and check it for pasted binary data."
        )
    return BadInput(
        "What was sent is nested far too deeply to be a request we understand. Send a flat JSON object with the "
        "fields this address describes (see /schema)."
    )


SAME_CHANGE_AT_ONCE = "Someone else made the same change at the same moment; reload and try again."


class UnsupportedMediaType(ServiceError):
    status_code = 415
    title = "Send the body as JSON"


def is_unique_violation(error: BaseException) -> bool:
    """Whether ``error`` is the database refusing a second row where a unique index allows one (the loser of a
    race that a check-then-insert did not serialise), on SQLite or PostgreSQL."""
    import sqlite3

    import asyncpg

    if isinstance(error, asyncpg.exceptions.UniqueViolationError):
        return True
    return isinstance(error, sqlite3.IntegrityError) and str(error).startswith("UNIQUE constraint failed")


def unique_violation_error_types() -> tuple[type[Exception], ...]:
    """The exception types a unique-index violation arrives as (for the web layer's safety net)."""
    import sqlite3

    import asyncpg

    return (sqlite3.IntegrityError, asyncpg.exceptions.UniqueViolationError)
