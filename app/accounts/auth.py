"""Server-side sessions and who is logged in.

Sessions live in a Litestar store (a file store by default, Redis when REDIS_URL is
set); the session id is renewed at login so a planted cookie cannot be reused.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.security.session_auth import SessionAuth

from app.accounts.services import CurrentUser, load_current_user
from app.settings import Settings

SESSION_COOKIE = "tremplin_session"
SESSION_MAX_AGE = 10 * 3600  # a working day
ROTATE_FLAG = "tremplin.rotate_session"
PUBLIC_PATHS = [
    "^/login",
    "^/password-reset",
    "^/healthz$",
    "^/static/",
    "^/schema",
    "^/lang/",
    "^/favicon.ico$",
]


class RotatingSessionBackend(ServerSideSessionBackend):
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


async def retrieve_user(session: dict[str, Any], connection: ASGIConnection) -> CurrentUser | None:
    user_id, fingerprint = session.get("user_id"), session.get("fingerprint")
    if not isinstance(user_id, int) or not isinstance(fingerprint, str):
        return None
    return await load_current_user(user_id, fingerprint)


def session_auth(settings: Settings) -> SessionAuth[CurrentUser, RotatingSessionBackend]:
    return SessionAuth[CurrentUser, RotatingSessionBackend](
        retrieve_user_handler=retrieve_user,
        session_backend_config=RotatingSessionConfig(
            key=SESSION_COOKIE,
            max_age=SESSION_MAX_AGE,
            secure=settings.https,
            httponly=True,
            samesite="lax",
            store="sessions",
        ),
        exclude=PUBLIC_PATHS,
        exclude_opt_key="public",
    )
