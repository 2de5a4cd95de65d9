"""The `tremplin` command: migrate, createuser, demo, serve, worker, plan, purge, reseal."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import logging
import sys
from collections.abc import Awaitable, Callable

from core.settings import SettingsError, get_settings


def _fail(message: str) -> int:
    print(f"tremplin: {message}", file=sys.stderr)
    return 2


async def migrate() -> None:
    from piccolo.apps.migrations.commands.forwards import run_forwards

    result = await run_forwards("all")
    if not result.success:
        raise RuntimeError(f"migrations failed: {result.message}")


async def _with_db(work: Callable[[], Awaitable[None]]) -> None:
    from core.db import close_pool, open_pool

    await open_pool()
    try:
        await work()
    finally:
        await close_pool()


async def createuser(args: argparse.Namespace) -> None:
    from accounts import services
    from accounts.tables import Organisation, OrganisationKind, Role, SiaeKind, User

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
    from app.demo import DEMO_LOGIN, DEMO_LOGINS, DEMO_PASSWORD, is_empty, load_demo

    if await is_empty():
        await load_demo()
        print("Demo data loaded.")
    elif not args.if_empty:
        raise RuntimeError("the database is not empty; the demo is only loaded into an empty database")
    else:
        print("The database already has data; demo not loaded.")
    print(f"Demo login: {DEMO_LOGIN} / {DEMO_PASSWORD}")
    others = ", ".join(f"{email} ({role})" for role, email in DEMO_LOGINS.items() if email != DEMO_LOGIN)
    print(f"Other roles, same password: {others}")


def serve(args: argparse.Namespace) -> None:
    from app.serving import serve as serve_app

    get_settings()  # a malformed setting stops here, before the server processes start
    print(f"Tremplin is served on http://{args.host}:{args.port}  (Ctrl+C to stop)", flush=True)
    code = serve_app(
        "app.asgi:app_factory",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=True,
        log_level="info",
        access_log=args.access_log,
    )
    if code:
        sys.exit(code)


async def worker() -> None:
    """Deliver the outbox and send the reminders as they fall due (several workers may run at once).

    SIGTERM or SIGINT stops it cleanly: it claims nothing more, lets the sends under way end and be
    recorded (messaging.outbox.Worker), then exits, so a restart sends nothing twice."""
    import signal

    from app.asgi import background_work

    work = asyncio.create_task(background_work(get_settings()))
    loop = asyncio.get_running_loop()
    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, work.cancel)
    with contextlib.suppress(asyncio.CancelledError):
        await work


async def purge(args: argparse.Namespace) -> None:
    """Erase the youths past the retention (privacy.purge): a dry run unless --apply."""
    from core.settings import get_settings
    from privacy import purge as retention

    months = args.months or get_settings().retention_months
    found = await retention.purge(apply=args.apply, months=months)
    print(retention.report(found, applied=args.apply, months=months))


async def reseal() -> None:
    """Seal the youths' personal links and tickets again under SECRET_KEY (after a rotation: registration.tokens)."""
    from registration.tokens import reseal as reseal_tokens

    done = await reseal_tokens()
    print(
        f"Sealed again: {done['manage']} personal links, {done['ticket']} tickets, {done['proposal']} proposal links."
    )
    if done["lost"]:
        print(f"{done['lost']} could not be unsealed with SECRET_KEY or SECRET_KEY_PREVIOUS: left as they are.")


def _months(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError("a whole number of months, at least 1")
    return int(value)


PLAN_EPILOG = """exit codes:
  0  the plan was written (every hard rule H01-H16 of docs/planning-model.md holds)
  2  the instance cannot be read: missing file, bad JSON or a malformed value (its JSON path is printed)
  3  the instance is infeasible: the hard rules that cannot be met are printed, nothing is written
"""


def plan(args: argparse.Namespace) -> int:
    """Solve a rally planning instance (docs/planning-model.md JSON) and write the solution JSON."""
    import json
    from pathlib import Path

    from planning import PlanningFormatError, load_instance
    from planning.model import solution_to_json
    from planning.solver import InfeasibleInstance, solve

    try:
        data = json.loads(Path(args.instance).read_text(encoding="utf-8"))
        instance = load_instance(data)
    except FileNotFoundError:
        return _fail(f"{args.instance}: no such file")
    except OSError as exc:
        return _fail(f"{args.instance}: cannot read ({exc.strerror or exc})")
    except UnicodeDecodeError as exc:
        return _fail(f"{args.instance}: not UTF-8 text ({exc.reason})")
    except json.JSONDecodeError as exc:
        return _fail(f"{args.instance}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}")
    except PlanningFormatError as exc:
        return _fail(f"{args.instance}: {exc.path or '<root>'}: {exc.message}")
    try:
        result = solve(instance, seconds=args.seconds, seed=args.seed)
    except InfeasibleInstance as exc:
        print(f"tremplin: {args.instance}: no valid plan; these rules cannot be met:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem.code}: {problem.message}", file=sys.stderr)
        return 3
    solution = result.solution
    document = solution_to_json(solution, stats={**result.metrics, "seed": args.seed, "history": result.history})
    out = Path(args.out)
    try:
        out.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    except OSError as exc:
        return _fail(f"{args.out}: cannot write ({exc.strerror or exc})")
    m = result.metrics
    print(
        f"Plan written to {out}: {len(solution.teams)} teams, itinerary objective {m['itinerary_objective']:g},"
        f" {m['uncovered_sites']} uncovered sites, interest match {m['interest_match_pct']:g}%"
    )
    return 0


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
    p.add_argument("--workers", type=int, default=2, help="server processes (one per core)")
    # One line per request by default, so `make run` shows what the app is doing.
    p.add_argument("--access-log", action=argparse.BooleanOptionalAction, default=True)
    sub.add_parser("worker", help="deliver queued messages (scale-out mode)")
    p = sub.add_parser("purge", help="erase youths past the retention (a dry run unless --apply)")
    p.add_argument("--apply", action="store_true", help="erase them (without it, only list them)")
    p.add_argument(
        "--months", type=_months, default=None, help="retention after the last contact (default RETENTION_MONTHS, 24)"
    )
    sub.add_parser("reseal", help="seal the personal links and tickets again after SECRET_KEY changed")
    p = sub.add_parser(
        "plan",
        help="plan rally teams and itineraries (docs/planning-model.md JSON in, solution JSON out)",
        description="Form teams, match companions and plan visits for a rally instance; no database needed.",
        epilog=PLAN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--instance", required=True, metavar="FILE.json", help="instance document (schema_version 1)")
    p.add_argument("--out", required=True, metavar="SOLUTION.json", help="where to write the solution")
    p.add_argument("--seconds", type=float, default=2.0, help="time budget of the search (default 2)")
    p.add_argument("--seed", type=int, default=0, help="random seed; same seed and budget, same plan (default 0)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "plan":  # pure computation: no settings, no database
        try:
            return plan(args)
        except KeyboardInterrupt:
            return 130
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        get_settings()
        import app.features  # noqa: F401 - connects every feature's signal receivers

        if args.command == "serve":
            serve(args)
            return 0
        commands: dict[str, Callable[[], Awaitable[None]]] = {
            "migrate": migrate,
            "createuser": lambda: _with_db(lambda: createuser(args)),
            "demo": lambda: _with_db(lambda: demo(args)),
            "worker": lambda: _with_db(worker),
            "purge": lambda: _with_db(lambda: purge(args)),
            "reseal": lambda: _with_db(reseal),
        }
        asyncio.run(commands[args.command]())
    except SettingsError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - the operator gets one clear line, not a traceback
        from core.errors import DomainError

        if isinstance(exc, DomainError):
            return _fail(exc.text())
        if isinstance(exc, OSError | ConnectionError):
            return _fail(f"cannot reach the database ({exc}). Check DATABASE_URL.")
        return _fail(str(exc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
