"""Console pages and PDFs of a rally's documents: road sheets for the teams, schedules for the company sites.

Youths' names are on road sheets, so they are for the people who run the event (staff of the organiser or of
a co-organiser) and for a team's own companion; a host company sees its own site's schedule, which names no
youth. Anyone else who can see the event gets a 403; someone who cannot see it, a 404.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.params import FromPath
from litestar.response import Template

from accounts.services import CurrentUser
from accounts.tables import Role
from core.errors import Forbidden
from core.pdf import render_pdf
from core.web import page
from events import access
from events.services import get_event
from planning import documents

User = Request[CurrentUser, Any, Any]
SCREEN = "planning/_screen.html"
PRINT = "planning/_print.html"


async def _runs_event(user: CurrentUser, event: dict) -> bool:
    if user.at_least(event["organisation"], Role.staff):
        return True
    co_organisers = (await access.partners_of(event["id"])).co_organisers
    return access.runs(user, event["organisation"], co_organisers, Role.staff)


async def _check(user: CurrentUser, event: dict, *, companion_user: int | None = None, host: int | None = None):
    if user.id == companion_user and companion_user is not None:
        return
    if host is not None and host in user.roles:
        return
    if not await _runs_event(user, event):
        raise Forbidden()


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "site"


async def _pdf(request: User, template: str, filename: str, **context: Any) -> Response[bytes]:
    html = request.app.template_engine.get_template(template).render(layout=PRINT, request=request, **context)
    body = await render_pdf(html, str(request.base_url))
    return Response(
        body,
        media_type="application/pdf",
        headers={
            "content-disposition": f'inline; filename="{filename}"',
            "cache-control": "private, no-store",  # youths' names: keep it out of shared caches
        },
    )


class RallyDocuments(Controller):
    path = "/events/{event_id:int}/planning"
    include_in_schema = False

    async def _road_sheet(self, request: User, event_id: int, team_id: int) -> dict:
        event = await get_event(request.user, event_id)
        sheet = await documents.road_sheet(event_id, team_id)
        await _check(request.user, event, companion_user=(sheet["companion"] or {}).get("user"))
        return sheet

    async def _site_schedule(self, request: User, event_id: int, site_id: int) -> dict:
        event = await get_event(request.user, event_id)
        schedule = await documents.site_schedule(event_id, site_id)
        await _check(request.user, event, host=schedule["site"]["host"])
        return schedule

    @get("/teams/{team_id:int}/road-sheet")
    async def road_sheet(self, request: User, event_id: FromPath[int], team_id: FromPath[int]) -> Template:
        sheet = await self._road_sheet(request, event_id, team_id)
        return page(
            "planning/road_sheet.html",
            layout=SCREEN,
            event=sheet["event"],
            sheets=[sheet],
            pdf_url=f"/events/{event_id}/planning/teams/{team_id}/road-sheet.pdf",
        )

    @get("/teams/{team_id:int}/road-sheet.pdf")
    async def road_sheet_pdf(self, request: User, event_id: FromPath[int], team_id: FromPath[int]) -> Response[bytes]:
        sheet = await self._road_sheet(request, event_id, team_id)
        filename = f"feuille-de-route-equipe-{sheet['team']['number']}.pdf"
        return await _pdf(request, "planning/road_sheet.html", filename, event=sheet["event"], sheets=[sheet])

    @get("/sites/{site_id:int}/schedule")
    async def site_schedule(self, request: User, event_id: FromPath[int], site_id: FromPath[int]) -> Template:
        schedule = await self._site_schedule(request, event_id, site_id)
        return page(
            "planning/site_schedule.html",
            layout=SCREEN,
            event=schedule["event"],
            schedules=[schedule],
            pdf_url=f"/events/{event_id}/planning/sites/{site_id}/schedule.pdf",
        )

    @get("/sites/{site_id:int}/schedule.pdf")
    async def site_schedule_pdf(
        self, request: User, event_id: FromPath[int], site_id: FromPath[int]
    ) -> Response[bytes]:
        schedule = await self._site_schedule(request, event_id, site_id)
        filename = f"planning-{_slug(schedule['site']['name'])}.pdf"
        template = "planning/site_schedule.html"
        return await _pdf(request, template, filename, event=schedule["event"], schedules=[schedule])

    @get("/road-sheets.pdf")
    async def road_sheets_pdf(self, request: User, event_id: FromPath[int]) -> Response[bytes]:
        event = await get_event(request.user, event_id)
        await _check(request.user, event)
        sheets = await documents.all_road_sheets(event_id)
        summary = sheets[0]["event"] if sheets else {"title": event["title"]}
        template = "planning/road_sheet.html"
        return await _pdf(request, template, "feuilles-de-route.pdf", event=summary, sheets=sheets)

    @get("/site-schedules.pdf")
    async def site_schedules_pdf(self, request: User, event_id: FromPath[int]) -> Response[bytes]:
        event = await get_event(request.user, event_id)
        await _check(request.user, event)
        schedules = await documents.all_site_schedules(event_id)
        summary = schedules[0]["event"] if schedules else {"title": event["title"]}
        template = "planning/site_schedule.html"
        return await _pdf(request, template, "plannings-entreprises.pdf", event=summary, schedules=schedules)


ROUTES: list = [RallyDocuments]
