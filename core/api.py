"""What every operation of the JSON API shares: its error body, the error statuses its schema documents, and
bodies read strictly.

Every failure reaches an API caller as one body, `ErrorOut` (written by core.errors.handle_exception):
`{"code", "detail"}`, and `extra` when there is more to say: the field a refusal is about (`{"field": …}`),
or the fields a body failed on (`[{"message", "key", "source"}]`). `ApiErrors` declares that body in the OpenAPI
schema on every operation, for the statuses the operation can return, by one rule: 401 and 403 on
authenticated operations, 400 and 404 when the operation reads a path, a query or a body (an id that names
nothing, in any of them, is a 404), 409 on writes (a rule of the domain against the present state), 413 when
it takes a body. A handler adds a status of its own with `opt={"errors": (…,)}`.

JSON bodies are read strictly (`strict_json_body`): an integer is not a date-time, "12" is not a number, "true"
is not a boolean. Litestar converts what it parsed leniently (query strings need it); a body gets no such
leeway, and a refusal names its field.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.exceptions import ValidationException
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import SecurityScheme
from litestar.plugins.base import ReceiveRoutePlugin
from litestar.routes import BaseRoute, HTTPRoute

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# What Litestar hands a handler by name, besides the path, the query and the body.
_INJECTED = frozenset({"request", "state", "scope", "headers", "cookies", "socket", "data"})


class FieldRef(msgspec.Struct):
    """The field a refusal is about, as the form or the body named it."""

    field: str


class FieldProblem(msgspec.Struct, omit_defaults=True):
    """One field a body, a query or a path failed on, and why."""

    message: str
    key: str | None = None
    source: str | None = None  # body, query, path


class ErrorOut(msgspec.Struct, omit_defaults=True):
    """Every error of the API: a stable code to act on, and a sentence (in the caller's language) to show."""

    code: str
    detail: str
    extra: FieldRef | list[FieldProblem] | None = None


DESCRIPTIONS = {
    400: "The request is not valid: a field is missing, of the wrong type, or refused by a rule (`extra` names it)",
    401: "Not logged in, or an unknown or revoked token",
    403: "The caller's role in the organisation does not allow this",
    404: "Nothing of that id, or nothing the caller may see",
    409: "A rule of the domain refuses this in the present state (e.g. already registered, site busy)",
    413: "The body is too large",
    429: "Too many attempts: wait and try again",
    503: "The service is temporarily unavailable",
}


def error_response(status: int) -> ResponseSpec:
    return ResponseSpec(data_container=ErrorOut, description=DESCRIPTIONS[status], generate_examples=False)


def _reads_input(route: HTTPRoute, handler: HTTPRouteHandler) -> tuple[bool, bool]:
    """Whether the operation reads a path, a query or a body; and whether it takes a body."""
    names = set(handler.parsed_fn_signature.parameters)
    has_body = "data" in names
    return bool(route.path_parameters) or has_body or bool(names - _INJECTED), has_body


def error_statuses(route: HTTPRoute, handler: HTTPRouteHandler) -> set[int]:
    statuses = set(handler.opt.get("errors", ()))
    reads, has_body = _reads_input(route, handler)
    if not handler.opt.get("public"):
        statuses |= {401, 403}
    if reads:
        statuses |= {400, 404}
    if has_body:
        statuses.add(413)
    if WRITES & set(handler.http_methods):
        statuses.add(409)
    return statuses


# How a caller authenticates (accounts.auth): an organisation's API token, or the console's session. A paired
# phone's `Authorization: Device <token>` reaches the check-in API only, and is described there.
SECURITY_SCHEMES = {
    "token": SecurityScheme(
        type="http",
        scheme="bearer",
        description="An organisation's API token (`trp_…`), read or read-write, from the organisation's page",
    ),
    "session": SecurityScheme(
        type="apiKey",
        name="tremplin_session",
        security_scheme_in="cookie",
        description="The console's session (a logged-in browser); writes also need the `x-csrftoken` header",
    ),
}
AUTHENTICATED: list[dict[str, list[str]]] = [{"token": []}, {"session": []}]


class ApiErrors(ReceiveRoutePlugin):
    """Declares the error body, per status, on every operation of the schema (Litestar's own default for a 400,
    `{"status_code", "detail"}`, is what Tremplin never sends), and how to authenticate on those that need it."""

    def receive_route(self, route: BaseRoute) -> None:
        if not isinstance(route, HTTPRoute):
            return
        for handler in route.route_handlers:
            if not handler.resolve_include_in_schema():
                continue
            declared = {status: error_response(status) for status in sorted(error_statuses(route, handler))}
            handler.responses = {**declared, **(handler.responses or {})}
            if not handler.opt.get("public"):
                handler.security = [*(handler.security or []), *AUTHENTICATED]


def _json_body_type(handler: HTTPRouteHandler) -> Any:
    """The type of the handler's JSON body, or None (no body, or a form or a file)."""
    field = handler.parsed_fn_signature.parameters.get("data")
    if (
        field is None
        or getattr(field.kwarg_definition, "media_type", RequestEncodingType.JSON) != RequestEncodingType.JSON
    ):
        return None
    return field.annotation


def _problem(error: msgspec.ValidationError) -> dict[str, str]:
    message, _sep, path = str(error).partition(" - at `$")
    problem = {"message": message, "source": "body"}
    key = path.rstrip("`").lstrip(".")
    if key:
        problem["key"] = key
    return problem


async def strict_json_body(request: Request) -> None:
    """Refuse a JSON body that only a lenient reading would accept (Litestar reads it again afterwards)."""
    target = _json_body_type(request.route_handler)  # whatever the Content-Type says: Litestar reads it as JSON
    if target is None:
        return
    try:
        msgspec.json.decode(await request.body(), type=target, strict=True)
    except msgspec.ValidationError as error:
        raise ValidationException(
            detail=f"Validation failed for {request.method} {request.url.path}", extra=[_problem(error)]
        ) from None
    except msgspec.DecodeError:
        return  # not JSON at all: Litestar says so itself
