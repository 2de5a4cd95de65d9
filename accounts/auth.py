"""Who is calling: a session (console, browser) or an API token (scripts, other tools).

Sessions live in a Litestar store (a file store by default, Redis when REDIS_URL is
set); the session id is renewed at login so a planted cookie cannot be reused. Bearer
tokens work on /api/ only and need no CSRF token (no cookie is involved).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from litestar.config.csrf import CSRFConfig
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult, DefineMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.types import ASGIApp, Receive, Scope, Send

from accounts import signals as accounts_signals
from accounts.services import CurrentUser, load_current_user
from accounts.tokens import principal_for
from core import signals
from core.settings import Settings

SESSION_COOKIE = "tremplin_session"
DEVICE_PATH = "/api/checkin/"
SESSION_MAX_AGE = 10 * 3600  # a working day
ROTATE_FLAG = "tremplin.rotate_session"
LOADED_FLAG = "tremplin.session_loaded"
RENEWED_KEY = "renewed_at"  # in the session: when its expiry was last pushed back
RENEW_AFTER = 300
PUBLIC_PATHS = [
    "^/login",
    "^/password-reset",
    "^/healthz$",
    "^/static/",
    "^/schema",
    "^/lang/",
    "^/favicon.ico$",
    "^/e/",  # an event's public registration page
    "^/r/",  # a youth's personal page
    "^/s/",  # a youth's answer to a follow-up ("what has become of you?")
    "^/feeds/",  # a calendar subscription, opened by a calendar app with its secret link
    "^/webhooks/",  # delivery receipts and replies from the SMS provider, signed
]


class RotatingSessionBackend(ServerSideSessionBackend):
    async def load_from_connection(self, connection: ASGIConnection) -> dict[str, Any]:
        session = await super().load_from_connection(connection)
        # As stored (serialised), so that a change deep inside (a flash message appended) shows too.
        connection.scope.setdefault("state", {})[LOADED_FLAG] = self.serialize_data(session)  # type: ignore[typeddict-item]
        return session

    async def store_in_message(self, scope_session: Any, message: Any, connection: ASGIConnection) -> None:
        # Litestar would store an empty session, and set its cookie, for every visitor who has none: a file
        # per glance at the login page. A session begins when there is something in it.
        if scope_session == {} and self.config.key not in connection.cookies:
            return
        if isinstance(scope_session, dict) and not self._needs_writing(scope_session, connection):
            return  # unchanged and renewed lately: the stored session and the browser's cookie stand
        await super().store_in_message(scope_session, message, connection)

    def _needs_writing(self, session: dict[str, Any], connection: ASGIConnection) -> bool:
        """Whether the session must be stored again: it changed, it is given a new id, or its expiry (which
        slides with use) was last pushed back more than RENEW_AFTER seconds ago. Most pages change nothing:
        storing the same session at each of them would cost a file write (or a Redis call) per request."""
        state = connection.scope.get("state", {})
        now = int(time.time())
        if state.get(ROTATE_FLAG) or session.get(RENEWED_KEY, 0) < now - RENEW_AFTER:
            session[RENEWED_KEY] = now
            return True
        return self.serialize_data(session) != state.get(LOADED_FLAG)

    def get_session_id(self, connection: ASGIConnection) -> str:
        state = connection.scope.setdefault("state", {})  # type: ignore[typeddict-item]
        if state.get(ROTATE_FLAG):
            state.setdefault(f"{ROTATE_FLAG}.id", self.generate_session_id())
            return state[f"{ROTATE_FLAG}.id"]
        return super().get_session_id(connection)


class RotatingSessionConfig(ServerSideSessionConfig):
    _backend_class = RotatingSessionBackend


def rotate_session(connection: ASGIConnection) -> None:
    """Give the current session a fresh id when the response is sent."""
    connection.scope.setdefault("state", {})[ROTATE_FLAG] = True  # type: ignore[typeddict-item]


def bearer_token(scope: Scope, scheme: str = "bearer") -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            kind, _, token = value.decode("latin-1").partition(" ")
            if kind.lower() == scheme and token:
                return token.strip()
    return None


def device_token(scope: Scope) -> str | None:
    """A phone paired to check people in at one event (checkin.tickets): `Authorization: Device <token>`."""
    return bearer_token(scope, "device")


async def retrieve_user(session: dict[str, Any]) -> CurrentUser | None:
    user_id, fingerprint = session.get("user_id"), session.get("fingerprint")
    if not isinstance(user_id, int) or not isinstance(fingerprint, str):
        return None
    user = await load_current_user(user_id, fingerprint)
    chosen = session.get("organisation")
    if user is not None and isinstance(chosen, int):
        user = replace(user, chosen=chosen)
    return user


class TremplinAuthMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        device = device_token(connection.scope)
        if device is not None:
            if not connection.scope["path"].startswith(DEVICE_PATH):
                raise NotAuthorizedException("device tokens are accepted on the check-in API only")
            principal = await signals.first(accounts_signals.device_presented, token=device)
            if principal is None:
                raise NotAuthorizedException("unknown, expired or revoked device")
            return AuthenticationResult(user=principal, auth="device")
        token = bearer_token(connection.scope)
        if token is not None:
            if not connection.scope["path"].startswith("/api/"):
                raise NotAuthorizedException("API tokens are accepted on /api/ only")
            principal = await principal_for(token)
            if principal is None:
                raise NotAuthorizedException("unknown or revoked API token")
            return AuthenticationResult(user=principal, auth="token")
        session = connection.scope.get("session")
        user = await retrieve_user(session) if isinstance(session, dict) else None
        if user is None:
            raise NotAuthorizedException("not logged in")
        return AuthenticationResult(user=user, auth="session")


def unless_token(middleware: Callable[[ASGIApp], ASGIApp]) -> Callable[[ASGIApp], ASGIApp]:
    """A browser's middleware (session, CSRF) that token-authenticated calls skip: they carry no cookie, and a
    page of another site cannot send an Authorization header without a CORS preflight, which Tremplin never
    grants. Paired phones scanning tickets thus pay for neither."""

    def factory(app: ASGIApp) -> ASGIApp:
        wrapped = middleware(app)

        async def dispatch(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http" and (bearer_token(scope) is not None or device_token(scope) is not None):
                await app(scope, receive, send)
            else:
                await wrapped(scope, receive, send)

        return dispatch

    return factory


def auth_middleware(settings: Settings) -> list:
    sessions = RotatingSessionConfig(
        key=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE,
        secure=settings.https,
        httponly=True,
        samesite="lax",
        store="sessions",
        # The youths' pages need no session: no cookie to write, no store to touch.
        exclude=["^/e/", "^/r/", "^/s/", "^/static/", "^/healthz$", "^/feeds/", "^/webhooks/"],
    )
    csrf = CSRFConfig(
        secret=settings.secret_key,
        cookie_name="tremplin_csrf",
        cookie_secure=settings.https,
        cookie_httponly=True,
        cookie_samesite="lax",
        header_name="x-csrftoken",
        exclude=["^/webhooks/"],  # machines posting with a signature, not browsers
    )
    return [
        unless_token(sessions.middleware),
        DefineMiddleware(TremplinAuthMiddleware, exclude=PUBLIC_PATHS, exclude_from_auth_key="public"),
        unless_token(DefineMiddleware(CSRFMiddleware, config=csrf)),
    ]
