"""The console's home page, language switch and health check."""

from __future__ import annotations

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_503_SERVICE_UNAVAILABLE

from accounts.services import CurrentUser, organisations_of
from app import first_run
from core.clock import utcnow
from core.db import ping
from core.i18n import LANGUAGES
from core.web import page
from events.services import list_events
from messaging.services import failed_count
from planning import companions


class ConsoleHome(Controller):
    include_in_schema = False

    @get("/")
    async def dashboard(self, request: Request[CurrentUser, dict, object]) -> Template:
        user = request.user
        events = await list_events(user, when="upcoming", limit=10)
        return page(
            "console/dashboard.html",
            organisations=await organisations_of(user),
            events=events,
            waiting=sum(e["figures"].waiting for e in events),
            pending=sum(e["figures"].pending for e in events),
            failed_messages=await failed_count(user.organisation_ids),
            first_steps=await first_run.checklist(user),
            teams=await companions.teams_of(user.id, utcnow().date()),
        )

    @post("/first-steps/put-away")
    async def put_away_first_steps(self, request: Request[CurrentUser, dict, object]) -> Redirect:
        await first_run.put_away(request.user)
        return Redirect("/")

    @get("/accessibility", opt={"public": True})
    async def accessibility(self) -> Template:
        """The accessibility statement (RGAA): public, linked from the footer of every page."""
        return page("console/accessibility.html")

    @get("/lang/{code:str}", opt={"public": True})
    async def switch_language(self, code: FromPath[str], next: FromQuery[str] = "/") -> Redirect:
        response = Redirect(next if next.startswith("/") and not next.startswith("//") else "/")
        if code in LANGUAGES:
            response.set_cookie("lang", code, max_age=365 * 86400, httponly=True, samesite="lax")
        return response


class HealthOut(msgspec.Struct):
    status: str  # ok, error
    database: str  # ok, unreachable


@get(
    "/healthz",
    opt={"public": True},
    summary="Liveness and database check",
    tags=["health"],
    responses={HTTP_503_SERVICE_UNAVAILABLE: ResponseSpec(HealthOut, description="The database cannot be reached")},
)
async def healthz() -> Response[HealthOut]:
    if await ping():
        return Response(HealthOut("ok", "ok"))
    return Response(HealthOut("error", "unreachable"), status_code=HTTP_503_SERVICE_UNAVAILABLE)
