"""Domain failures, and how every failure reaches the user.

Services raise one `DomainError` subclass per failure; this module maps them (and
Litestar's HTTP errors) once: a French page in the console, JSON with a code in the API.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, ClassVar
from urllib.parse import quote

from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ServiceUnavailableException,
    TooManyRequestsException,
    ValidationException,
)
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from core.i18n import gettext as _
from core.i18n import lazy

log = logging.getLogger("tremplin")


class DomainError(Exception):
    """A rule of the domain refused the request. `message` is an English msgid."""

    code: ClassVar[str] = "error"
    status_code: ClassVar[int] = 400
    message: ClassVar[str] = lazy("The request could not be completed.")

    def __init__(self, message: str | None = None, *, field: str | None = None, **params: Any):
        self.field = field
        self.params = params
        if message is not None:
            self.message = message  # type: ignore[misc]
        super().__init__(self.message)

    def text(self) -> str:
        return _(self.message, **self.params) if self.params else _(self.message)


class Refusal(DomainError):
    """A refusal the user can act on: shown next to the form that caused it.

    NotFound and Forbidden are not refusals: they end the request the same way everywhere.
    """


class NotFound(DomainError):
    code = "not_found"
    status_code = 404
    message = lazy("This page does not exist or you do not have access to it.")


class Forbidden(DomainError):
    code = "forbidden"
    status_code = 403
    message = lazy("Your role in this organisation does not allow this action.")


class InvalidInput(Refusal):
    code = "invalid"
    status_code = 400
    message = lazy("Please correct the highlighted fields.")


UNAVAILABLE_MESSAGE = lazy(
    "The service is temporarily unavailable. Nothing you saved was lost; please try again in a minute."
)
_HTTP_MESSAGES: dict[int, tuple[str, str]] = {
    400: ("bad_request", lazy("The request is not valid.")),
    401: ("not_authenticated", lazy("Please log in to continue.")),
    403: ("forbidden", lazy("You are not allowed to do this.")),
    404: ("not_found", NotFound.message),
    405: ("method_not_allowed", lazy("This action is not available here.")),
    413: ("too_large", lazy("What you sent is too large.")),
    429: ("too_many_requests", lazy("Too many attempts. Please wait a moment and try again.")),
    500: ("internal_error", lazy("Something went wrong on our side. Nothing you saved was lost; please try again.")),
    503: ("unavailable", UNAVAILABLE_MESSAGE),
}
CSRF_MESSAGE = lazy("Your form has expired or was sent from another site. Please reload the page and try again.")


def wants_json(request: Request) -> bool:
    if request.url.path.startswith("/api/") or request.url.path == "/healthz":
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _describe(exc: Exception) -> tuple[int, str, str, Any]:
    if isinstance(exc, DomainError):
        return exc.status_code, exc.code, exc.text(), {"field": exc.field} if exc.field else None
    if isinstance(exc, HTTPException):
        status = exc.status_code
        code, message = _HTTP_MESSAGES.get(status, ("error", _HTTP_MESSAGES[400][1]))
        extra = None
        if isinstance(exc, PermissionDeniedException) and "CSRF" in str(exc.detail):
            code, message = "csrf_failed", CSRF_MESSAGE
        elif isinstance(exc, ValidationException):
            code, extra = "invalid", exc.extra
        return status, code, _(message), extra
    return HTTP_500_INTERNAL_SERVER_ERROR, "internal_error", _(_HTTP_MESSAGES[500][1]), None


NUMBER_TOO_LARGE = lazy("A number in the request is too large.")


def _overflowed(exc: Exception) -> bool:
    """A whole number too large for the database: SQLite's driver raises OverflowError, asyncpg a DataError
    (or PostgreSQL NumericValueOutOfRangeError) saying "out of int32/int64 range"; too long for Python's int()."""
    if isinstance(exc, OverflowError):
        return True
    text = str(exc)
    if isinstance(exc, ValueError) and "integer string conversion" in text:  # int() of over 4,300 digits
        return True
    return type(exc).__module__.startswith("asyncpg") and ("out of int" in text or "out of range" in text)


# asyncpg's errors when PostgreSQL restarts or cannot be reached (by name: SQLite installs need no asyncpg).
_DATABASE_GONE = {
    "AdminShutdownError",
    "CannotConnectNowError",
    "ConnectionDoesNotExistError",
    "ConnectionFailureError",
    "ClientCannotConnectError",
    "PostgresConnectionError",
    "CrashShutdownError",
}


def _unreachable(exc: Exception) -> bool:
    """A service the request needs does not answer: the database (PostgreSQL restarting) or Redis (sessions).
    Nothing of the request was written: the user is asked to try again, and the pool reconnects by itself."""
    if isinstance(exc, ConnectionRefusedError | ConnectionResetError) or _redis_unreachable(exc):
        return True
    return type(exc).__module__.startswith("asyncpg") and type(exc).__name__ in _DATABASE_GONE


def _redis_unreachable(exc: Exception) -> bool:
    # Redis is imported only where it is configured (8 MB a process otherwise): not loaded, not its error.
    redis = sys.modules.get("redis.exceptions")
    return redis is not None and isinstance(exc, redis.ConnectionError | redis.TimeoutError)


def _too_large_ids(request: Request) -> bool:
    return any(isinstance(v, int) and abs(v) > 2**31 - 1 for v in request.path_params.values())


def handle_exception(request: Request, exc: Exception) -> Response[Any]:
    if _overflowed(exc):
        # No record has such an id: a page that does not exist; a number sent in a body or a query: bad input.
        exc = NotFound() if _too_large_ids(request) else InvalidInput(NUMBER_TOO_LARGE)
    elif _unreachable(exc):
        log.warning("%s %s: a service does not answer: %r", request.method, request.url.path, exc)
        exc = ServiceUnavailableException(headers={"retry-after": "30"})
    status, code, message, extra = _describe(exc)
    if status >= 500 and status != 503:  # a 503 is a service gone (logged above), not a bug
        log.exception("Unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    headers = getattr(exc, "headers", None) or {}
    if wants_json(request):
        body: dict[str, Any] = {"code": code, "detail": message}
        if extra:
            body["extra"] = extra
        return Response(body, status_code=status, headers=headers)
    if isinstance(exc, NotAuthorizedException):
        return Redirect(f"/login?next={quote(request.url.path)}")
    return Template(
        "errors/error.html",
        context={"status": status, "code": code, "message": message},
        status_code=status,
        headers=headers,
    )


EXCEPTION_HANDLERS = {
    DomainError: handle_exception,
    HTTPException: handle_exception,
    NotFoundException: handle_exception,
    TooManyRequestsException: handle_exception,
    Exception: handle_exception,
}
