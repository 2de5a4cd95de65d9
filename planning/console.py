"""The organiser's planning page of a rally (compose, move, lock, re-plan, publish) and the rally's documents:
road sheets for the teams and schedules for the company sites, as pages and PDFs.

Youths' names are on road sheets, so they are for the people who run the event (staff of the organiser or of
a co-organiser) and for a team's own companion; a host company sees its own site's schedule, which names no
youth. Anyone else who can see the event gets a 403; someone who cannot see it, a 404.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from accounts import organisation_settings
from accounts.services import CurrentUser, require_role
from accounts.tables import Role
from core.errors import DomainError, Forbidden, InvalidInput, Refusal
from core.i18n import gettext as _
from core.i18n import lazy
from core.pdf import render_pdf
from core.web import errors_of, flash, form_data, page
from events import access
from events.services import get_event
from planning import documents, runs, services
from registration.messages import reach_text

User = Request[CurrentUser, Any, Any]


def _int(form: dict[str, str], name: str) -> int:
    value = form.get(name, "")
    if not value.isdigit():
        raise InvalidInput(lazy("Choose one of the proposed options."), field=name)
    return int(value)


async def _organiser_of(user: CurrentUser, event_id: int) -> None:
    """Changing the plan takes an organiser of the event's organisation: refused before the form is read."""
    event = await get_event(user, event_id)
    require_role(user, event["organisation"], Role.organiser)


def _json(document: dict, filename: str) -> Response[bytes]:
    return Response(
        json.dumps(document, ensure_ascii=False, indent=1, default=str).encode(),
        media_type="application/json",
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


class PlanningConsole(Controller):
    path = "/events/{event_id:int}/planning"
    include_in_schema = False

    async def _page(self, request: User, event_id: int, errors: dict | None = None, status_code: int = 200) -> Template:
        view = await services.overview(request.user, event_id)
        return page(
            "planning/planning.html",
            status_code=status_code,
            errors=errors or {},
            undo=request.query_params.get("undo", ""),
            can_edit=request.user.at_least(view["event"]["organisation"], Role.organiser),
            can_print=await _runs_event(request.user, view["event"]),  # road sheets and company schedules
            **view,
        )

    async def _back(self, request: User, event_id: int, done: Any, anchor: str = "", undo: str = "") -> Any:
        """Run a change; on a refusal, show the page again with the reason instead of losing it."""
        try:
            await done
        except Refusal as error:
            return await self._page(request, event_id, errors_of(error), error.status_code)
        target = f"/events/{event_id}/planning" + (f"?undo={undo}" if undo else "") + anchor
        return Redirect(target)

    @get("/")
    async def show(self, request: User, event_id: FromPath[int]) -> Template:
        return await self._page(request, event_id)

    @get("/run-status")
    async def run_status(self, request: User, event_id: FromPath[int], since: FromQuery[int] = 0) -> Response:
        await get_event(request.user, event_id)
        run = await runs.latest_run(event_id)
        if run and run["id"] > since and run["status"] not in runs.ACTIVE:
            return Response("", headers={"HX-Refresh": "true"})  # finished: show the new plan
        return page("planning/_run.html", run=run, event_id=event_id)

    @post("/run")
    async def run(self, request: User, event_id: FromPath[int]) -> Any:
        form = await form_data(request)
        seconds = int(form.get("seconds") or 10) if (form.get("seconds") or "10").isdigit() else 10
        return await self._back(request, event_id, runs.start_run(request.user, event_id, seconds=seconds), "#run")

    @post("/cancel")
    async def cancel(self, request: User, event_id: FromPath[int]) -> Any:
        return await self._back(request, event_id, runs.cancel_run(request.user, event_id), "#run")

    @post("/members/{registration_id:int}/move")
    async def move_member(self, request: User, event_id: FromPath[int], registration_id: FromPath[int]) -> Any:
        await _organiser_of(request.user, event_id)
        form = await form_data(request)
        team_id = _int(form, "team_id")
        undo = f"member-{registration_id}-{form['from_team']}" if form.get("from_team", "").isdigit() else ""
        return await self._back(
            request, event_id, services.move_member(request.user, event_id, registration_id, team_id), "#teams", undo
        )

    @post("/teams/{team_id:int}/companion")
    async def companion(self, request: User, event_id: FromPath[int], team_id: FromPath[int]) -> Any:
        form = await form_data(request)
        companion = int(form["companion_id"]) if form.get("companion_id", "").isdigit() else None
        return await self._back(
            request, event_id, services.set_companion(request.user, event_id, team_id, companion), "#teams"
        )

    @post("/teams/{team_id:int}/lock")
    async def lock_team(self, request: User, event_id: FromPath[int], team_id: FromPath[int]) -> Any:
        locked = (await form_data(request)).get("locked") == "1"
        return await self._back(
            request, event_id, services.set_team_lock(request.user, event_id, team_id, locked), f"#team-{team_id}"
        )

    @post("/visits/{visit_id:int}/move")
    async def move_visit(self, request: User, event_id: FromPath[int], visit_id: FromPath[int]) -> Any:
        await _organiser_of(request.user, event_id)
        form = await form_data(request)
        change = services.move_visit(
            request.user, event_id, visit_id, _int(form, "day"), form.get("start", ""), _int(form, "site_id")
        )
        return await self._back(request, event_id, change, "#itineraries")

    @post("/visits/{visit_id:int}/lock")
    async def lock_visit(self, request: User, event_id: FromPath[int], visit_id: FromPath[int]) -> Any:
        locked = (await form_data(request)).get("locked") == "1"
        return await self._back(
            request, event_id, services.set_visit_lock(request.user, event_id, visit_id, locked), "#itineraries"
        )

    @post("/publish")
    async def publish(self, request: User, event_id: FromPath[int]) -> Any:
        try:
            told = await services.publish(request.user, event_id)
        except Refusal as error:
            return await self._page(request, event_id, errors_of(error), error.status_code)
        flash(request, _("The plan is published: %(reach)s", reach=reach_text(told)))
        return Redirect(f"/events/{event_id}/planning")

    @post("/companions")
    async def add_companion(self, request: User, event_id: FromPath[int]) -> Any:
        form = await form_data(request)
        change = services.add_companion(
            request.user,
            event_id,
            form.get("full_name", ""),
            form.get("phone", ""),
            form.get("has_car") == "on",
            form.get("companion_email", ""),
        )
        return await self._back(request, event_id, change, "#companions")

    @post("/companions/{companion_id:int}/remove")
    async def remove_companion(self, request: User, event_id: FromPath[int], companion_id: FromPath[int]) -> Any:
        change = services.remove_companion(request.user, event_id, companion_id)
        return await self._back(request, event_id, change, "#companions")

    @post("/companions/{companion_id:int}/day")
    async def companion_day(self, request: User, event_id: FromPath[int], companion_id: FromPath[int]) -> Any:
        form = await form_data(request)
        change = services.set_companion_day(
            request.user, event_id, companion_id, form.get("day", ""), form.get("available") == "1"
        )
        return await self._back(request, event_id, change, "#companions")

    @post("/pairs")
    async def add_pair(self, request: User, event_id: FromPath[int]) -> Any:
        await _organiser_of(request.user, event_id)
        form = await form_data(request)
        change = services.add_pair(
            request.user, event_id, _int(form, "first"), _int(form, "second"), form.get("together") == "1"
        )
        return await self._back(request, event_id, change, "#pairs")

    @post("/pairs/{pair_id:int}/remove")
    async def remove_pair(self, request: User, event_id: FromPath[int], pair_id: FromPath[int]) -> Any:
        return await self._back(request, event_id, services.remove_pair(request.user, event_id, pair_id), "#pairs")

    @post("/travel")
    async def set_travel(self, request: User, event_id: FromPath[int]) -> Any:
        await _organiser_of(request.user, event_id)
        form = await form_data(request)
        change = services.set_travel_time(
            request.user,
            event_id,
            _int(form, "origin"),
            _int(form, "destination"),
            form.get("car_minutes", ""),
            form.get("transit_minutes", ""),
        )
        return await self._back(request, event_id, change, "#travel")

    @post("/travel/{travel_id:int}/remove")
    async def remove_travel(self, request: User, event_id: FromPath[int], travel_id: FromPath[int]) -> Any:
        change = services.remove_travel_time(request.user, event_id, travel_id)
        return await self._back(request, event_id, change, "#travel")

    @get("/instance.json")
    async def instance(self, request: User, event_id: FromPath[int]) -> Response[bytes]:
        return _json(await services.export_instance(request.user, event_id), f"rallye-{event_id}-instance.json")

    @get("/plan.json")
    async def plan(self, request: User, event_id: FromPath[int]) -> Response[bytes]:
        return _json(await services.export_plan(request.user, event_id), f"rallye-{event_id}-plan.json")

    @post("/import")
    async def import_plan(self, request: User, event_id: FromPath[int]) -> Any:
        form = await request.form()
        upload = form.get("file")
        raw = await upload.read() if hasattr(upload, "read") else str(upload or "").encode()
        try:
            await services.import_plan(request.user, event_id, raw)
        except DomainError as error:
            if not isinstance(error, Refusal):
                raise
            return await self._page(request, event_id, errors_of(error), error.status_code)
        flash(request, _("The plan was imported."))
        return Redirect(f"/events/{event_id}/planning")


# ----------------------------------------------------------------------------- the rally's documents

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


async def _pdf(request: User, template: str, filename: str, organisation_id: int, **context: Any) -> Response[bytes]:
    logo = await organisation_settings.logo_data_uri(organisation_id)  # a data: URI: core.pdf fetches nothing else
    html = request.app.template_engine.get_template(template).render(
        layout=PRINT, request=request, logo=logo, **context
    )
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
        return sheet | {"organisation_id": event["organisation"]}

    async def _site_schedule(self, request: User, event_id: int, site_id: int) -> dict:
        event = await get_event(request.user, event_id)
        schedule = await documents.site_schedule(event_id, site_id)
        await _check(request.user, event, host=schedule["site"]["host"])
        return schedule | {"organisation_id": event["organisation"]}

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
        template = "planning/road_sheet.html"
        return await _pdf(request, template, filename, sheet["organisation_id"], event=sheet["event"], sheets=[sheet])

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
        return await _pdf(
            request, template, filename, schedule["organisation_id"], event=schedule["event"], schedules=[schedule]
        )

    @get("/road-sheets.pdf")
    async def road_sheets_pdf(self, request: User, event_id: FromPath[int]) -> Response[bytes]:
        event = await get_event(request.user, event_id)
        await _check(request.user, event)
        sheets = await documents.all_road_sheets(event_id)
        summary = sheets[0]["event"] if sheets else {"title": event["title"]}
        template = "planning/road_sheet.html"
        return await _pdf(
            request, template, "feuilles-de-route.pdf", event["organisation"], event=summary, sheets=sheets
        )

    @get("/site-schedules.pdf")
    async def site_schedules_pdf(self, request: User, event_id: FromPath[int]) -> Response[bytes]:
        event = await get_event(request.user, event_id)
        await _check(request.user, event)
        schedules = await documents.all_site_schedules(event_id)
        summary = schedules[0]["event"] if schedules else {"title": event["title"]}
        template = "planning/site_schedule.html"
        return await _pdf(
            request, template, "plannings-entreprises.pdf", event["organisation"], event=summary, schedules=schedules
        )


ROUTES = [PlanningConsole, RallyDocuments]
