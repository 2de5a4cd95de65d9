"""create_app(): the one place that assembles routes, templates, sessions, CSRF and stores."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

from babel.dates import format_datetime
from litestar import Litestar
from litestar.datastructures import State
from litestar.logging import LoggingConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, YamlRenderPlugin
from litestar.openapi.spec import Components
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.routes import HTTPRoute
from litestar.static_files import create_static_files_router
from litestar.stores.base import Store
from litestar.stores.file import FileStore
from litestar.stores.registry import StoreRegistry
from litestar.template.config import TemplateConfig
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from accounts.auth import auth_middleware
from app import features
from checkin.attendance import channels_plugin
from core.api import SECURITY_SCHEMES, ApiErrors, strict_json_body
from core.db import close_pool, open_pool
from core.errors import EXCEPTION_HANDLERS
from core.i18n import LANGUAGES, current_language
from core.memory import tune_allocator
from core.ratelimit import CountingStore
from core.settings import Settings, get_settings
from core.templating import make_environment
from messaging.outbox import run_worker

STATIC_DIR = Path(__file__).parent / "static"
MAX_BODY_BYTES = 2 * 1024 * 1024
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        b"frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
    ),
]


def language_middleware(default: str):
    """Pick the UI language per request: the `lang` cookie, else the configured default."""

    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            chosen = default
            if scope["type"] == "http":
                for name, value in scope.get("headers", []):
                    if name == b"cookie":
                        for part in value.decode("latin-1").split(";"):
                            key, _, val = part.strip().partition("=")
                            if key == "lang" and val in LANGUAGES:
                                chosen = val
            token = current_language.set(chosen)
            try:
                await app(scope, receive, send)
            finally:
                current_language.reset(token)

        return middleware

    return factory


HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
NO_STORE = b"private, no-store"
# Youths' personal pages: their registration (/r/), their follow-up answer (/s/). The public event page
# (/e/) may be cached, except when a proposal's link (`?p=`) fills it with the youth's details, or when the
# form comes back with what they typed.
PERSONAL_PATHS = ("/r/", "/s/")


def _holds_personal_data(scope: Scope) -> bool:
    path = scope.get("path", "")
    if scope.get("user") is not None or path.startswith(PERSONAL_PATHS):
        return True  # every page of the console is someone's data: a logged-in user's answer, errors included
    if path.startswith("/e/"):
        return scope.get("method") != "GET" or b"p=" in scope.get("query_string", b"")
    return False


def security_headers(settings: Settings):
    """A hook on every message the app sends, so 404, 405 and error pages carry the headers too (a
    middleware runs only for a route that matched)."""
    fixed = SECURITY_HEADERS + ([HSTS] if settings.https else [])

    async def hook(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _REPLACED]
        if message["status"] >= 400 or _holds_personal_data(scope):  # an error is never worth keeping
            headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"] + [(b"cache-control", NO_STORE)]
        message["headers"] = headers + fixed

    return hook


_REPLACED = {name for name, _value in SECURITY_HEADERS} | {HSTS[0]}


@functools.lru_cache(maxsize=8)
def _methods_by_path(app: Litestar) -> dict[str, str]:
    return {route.path_format: ", ".join(sorted(route.methods)) for route in app.routes if isinstance(route, HTTPRoute)}


async def allow_every_method(message: Message, scope: Scope) -> None:
    """The answer to OPTIONS lists every method of the path. Litestar 2 answers with the methods of the first
    handler registered on the path only (litestar issue 4169, fixed in 3.0): `GET, OPTIONS` where GET and
    PATCH are served."""
    if message["type"] != "http.response.start" or scope.get("method") != "OPTIONS" or message["status"] != 204:
        return
    methods = _methods_by_path(scope["litestar_app"]).get(scope.get("path_template", ""))
    if methods:
        headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"]
        message["headers"] = [*headers, (b"allow", methods.encode())]


def make_stores(settings: Settings) -> dict[str, Store]:
    if settings.redis_url:  # imported here: the app without Redis does not load it (8 MB a process)
        from litestar.stores.redis import RedisStore
        from redis.asyncio import Redis

        from core.stores import SessionStore

        # Short timeouts: an unreachable Redis answers in two seconds (503 for a session, a local count for a
        # public form: core.ratelimit), never holds a request until the client gives up.
        client = Redis.from_url(settings.redis_url, socket_connect_timeout=2, socket_timeout=2)
        root = RedisStore(redis=client, namespace="tremplin", handle_client_shutdown=True)
        return {
            "sessions": SessionStore(root.with_namespace("sessions")),
            "throttle": root.with_namespace("throttle"),
            "imports": root.with_namespace("imports"),
        }
    # Sessions survive a restart on disk; the public forms' counters are short-lived and checked on every
    # public post, so they stay in memory (per process: use Redis to share them; login tries are counted in
    # the database, accounts/throttle.py, so every process shares them anyway). A file
    # waiting between its import's preview and confirmation is on disk, where every server process finds it.
    return {
        "sessions": FileStore(settings.var_dir / "sessions", create_directories=True),
        "throttle": CountingStore(),
        "imports": FileStore(settings.var_dir / "imports", create_directories=True),
    }


async def background_work(settings: Settings) -> None:
    from outcomes import followups
    from parcours import reminders as parcours_reminders
    from privacy import purge
    from registration import reminders

    works = (run_worker(settings), reminders.run(), followups.run(), parcours_reminders.run(), purge.run())
    tasks = [asyncio.create_task(work) for work in works]
    try:
        await asyncio.wait(tasks)
    finally:
        # Cancelled: each ends its own way, and this waits for all (gather would end with the first one): the
        # outbox's worker lets its sends under way finish and be recorded (messaging.outbox.Worker).
        for task in tasks:
            task.cancel()
        await asyncio.wait(tasks)


def create_app(
    settings: Settings | None = None, *, manage_database: bool = True, run_outbox_worker: bool | None = None
) -> Litestar:
    """Build the app. Tests pass `manage_database=False` and own the pool in their loop."""
    settings = settings or get_settings()
    worker_in_process = settings.worker == "inprocess" if run_outbox_worker is None else run_outbox_worker

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        if manage_database:
            await open_pool()
        # The outbox worker and the reminders' clock; `tremplin worker` runs them instead in scale-out mode.
        worker = asyncio.create_task(background_work(settings)) if worker_in_process else None
        try:
            yield
        finally:
            if worker:
                worker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await worker
            if manage_database:
                await close_pool()

    return Litestar(
        route_handlers=[
            *features.ROUTES,
            create_static_files_router(
                path="/static", directories=[STATIC_DIR], opt={"public": True}, include_in_schema=False
            ),
        ],
        lifespan=[lifespan],
        state=State({"settings": settings}),
        stores=StoreRegistry(make_stores(settings)),
        middleware=[language_middleware(settings.language), *auth_middleware(settings)],
        before_send=[allow_every_method, security_headers(settings)],
        before_request=strict_json_body,  # an integer is not a date-time: JSON bodies are read strictly
        template_config=TemplateConfig(engine=JinjaTemplateEngine.from_environment(make_environment())),
        openapi_config=OpenAPIConfig(
            title="Tremplin API",
            version="0.1.0",
            path="/schema",
            render_plugins=[JsonRenderPlugin(path=["/", "/openapi.json"]), YamlRenderPlugin()],
            components=Components(security_schemes=SECURITY_SCHEMES),
        ),
        exception_handlers=EXCEPTION_HANDLERS,
        plugins=[channels_plugin(settings), ApiErrors()],  # live check-in boards; the API's errors in its schema
        request_max_body_size=MAX_BODY_BYTES,
        logging_config=LoggingConfig(
            root={"level": "INFO", "handlers": ["queue_listener"]},
            log_exceptions="never",  # handle_exception logs server errors itself
        ),
        debug=False,
    )


def app_factory() -> Litestar:
    """Entry point for `uvicorn --factory app.asgi:app_factory`."""
    logging.getLogger("tremplin").setLevel(logging.INFO)
    return settle(create_app())


def settle(app: Litestar) -> Litestar:
    """Compile every template and load each language's dates now, then move all that is alive into the garbage
    collector's permanent generation. A serving process holds ~190,000 long-lived objects; a full collection
    walked them all, 110 ms on a 2-core machine, every few requests: most of the console's slowest answers
    (bench/outcomes.py, bench/console_pages.py). Frozen, they are never walked again; they live as long as the
    process anyway. Tests build apps with create_app() and skip this second of start-up."""
    environment = app.template_engine.engine  # type: ignore[union-attr]
    for name in environment.list_templates(extensions=["html"]):
        environment.get_template(name)
    for code in LANGUAGES:
        format_datetime(datetime.now(UTC), "full", locale=code)
    gc.collect()
    gc.freeze()
    tune_allocator()  # before the database's threads start (the lifespan)
    return app
