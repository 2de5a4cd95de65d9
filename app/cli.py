"""The `tremplin` command: migrate, createuser, demo, serve, worker."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import sys
from collections.abc import Awaitable, Callable

from app.settings import SettingsError, get_settings


def _fail(message: str) -> int:
    print(f"tremplin: {message}", file=sys.stderr)
    return 2


async def migrate() -> None:
    from piccolo.apps.migrations.commands.forwards import run_forwards

    result = await run_forwards("all")
    if not result.success:
        raise RuntimeError(f"migrations failed: {result.message}")


async def _with_db(work: Callable[[], Awaitable[None]]) -> None:
    from app.db import close_pool, open_pool

    await open_pool()
    try:
        await work()
    finally:
        await close_pool()


async def createuser(args: argparse.Namespace) -> None:
    from app.accounts import services
    from app.accounts.tables import Organisation, OrganisationKind, Role, SiaeKind, User

    password = args.password
    if password is None:
        password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("Mot de passe : ")
    user = await User.objects().where(User.email == services.normalise_email(args.email)).first()
    if user is None:
        user = await services.create_user(args.email, args.name or args.email, password)
    if args.organisation:
        organisation = await Organisation.objects().where(Organisation.name == args.organisation).first()
        if organisation is None:
            organisation = await services.create_organisation(
                args.organisation, OrganisationKind(args.kind), siae_kind=SiaeKind(args.siae_kind)
            )
        await services.add_member(user.id, organisation.id, Role(args.role))
    print(f"User {user.email} ready.")


async def demo(args: argparse.Namespace) -> None:
    from app.demo import DEMO_LOGIN, DEMO_PASSWORD, is_empty, load_demo

    if await is_empty():
        await load_demo()
        print("Demo data loaded.")
    elif not args.if_empty:
        raise RuntimeError("the database is not empty; the demo is only loaded into an empty database")
    else:
        print("The database already has data; demo not loaded.")
    print(f"Demo login: {DEMO_LOGIN} / {DEMO_PASSWORD}")


def serve(args: argparse.Namespace) -> None:
    import uvicorn

    settings = get_settings()
    workers = 1 if settings.is_sqlite else args.workers  # SQLite: one writer process
    print(f"Tremplin is served on http://{args.host}:{args.port}  (Ctrl+C to stop)", flush=True)
    uvicorn.run(
        "app.asgi:app_factory",
        factory=True,
        host=args.host,
        port=args.port,
        workers=workers,
        proxy_headers=True,
        log_level="info",
        access_log=args.access_log,
    )


async def worker() -> None:
    from app.messaging.outbox import run_worker

    await run_worker(get_settings())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tremplin", description="Tremplin event platform")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply database migrations")
    p = sub.add_parser("createuser", help="create a user (and their organisation)")
    p.add_argument("email")
    p.add_argument("--name", default="")
    p.add_argument("--organisation", default="", help="organisation name (created if missing)")
    p.add_argument(
        "--kind",
        default="mission_locale",
        choices=["mission_locale", "siae", "geiq", "collectif", "centre_social", "entreprise", "autre"],
    )
    p.add_argument("--siae-kind", default="", choices=["", "aci", "ai", "ei", "etti", "eiti"])
    p.add_argument("--role", default="admin", choices=["admin", "organiser", "staff", "adviser", "viewer"])
    p.add_argument("--password", default=None, help="prefer --password-stdin or the prompt")
    p.add_argument("--password-stdin", action="store_true")
    p = sub.add_parser("demo", help="load the demo into an empty database")
    p.add_argument("--if-empty", action="store_true", help="do nothing (and succeed) when data exists")
    p = sub.add_parser("serve", help="serve the web app")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=2, help="PostgreSQL only; SQLite always uses one")
    p.add_argument("--access-log", action="store_true")
    sub.add_parser("worker", help="deliver queued messages (scale-out mode)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        get_settings()
        if args.command == "serve":
            serve(args)
            return 0
        commands: dict[str, Callable[[], Awaitable[None]]] = {
            "migrate": migrate,
            "createuser": lambda: _with_db(lambda: createuser(args)),
            "demo": lambda: _with_db(lambda: demo(args)),
            "worker": lambda: _with_db(worker),
        }
        asyncio.run(commands[args.command]())
    except SettingsError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - the operator gets one clear line, not a traceback
        from app.errors import DomainError

        if isinstance(exc, DomainError):
            return _fail(exc.text())
        if isinstance(exc, OSError | ConnectionError):
            return _fail(f"cannot reach the database ({exc}). Check DATABASE_URL.")
        return _fail(str(exc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
