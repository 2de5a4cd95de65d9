"""The Exports page: choose an export, a period (this calendar year by default) or an event, a format; the
file comes from /organisations/<id>/exports/<kind>.<format>, the address an event's page links to."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from accounts.services import CurrentUser
from core.clock import utcnow
from core.settings import get_settings
from core.web import page
from reporting import services
from reporting.responses import download

User = Request[CurrentUser, Any, Any]


def _today() -> date:
    return utcnow().astimezone(get_settings().tz).date()


async def _page(user: CurrentUser, values: dict[str, str], errors: dict[str, str], status_code: int = 200) -> Template:
    organisation = services.as_id(values.get("organisation")) or user.current_organisation
    choices = await services.page_choices(user, organisation if organisation in user.roles else None)
    order = ("kind", "from", "to", "format")
    first_error = next((name for name in order if name in errors), None)
    return page(
        "reporting/exports.html",
        status_code=status_code,
        values={"organisation": str(organisation or ""), **values},
        errors=errors,
        first_error=first_error,
        **choices,
    )


class ExportsConsole(Controller):
    path = "/exports"
    include_in_schema = False

    @get("/")
    async def index(self, request: User) -> Template:
        today = _today()
        values = {"from": today.replace(month=1, day=1).isoformat(), "to": today.replace(month=12, day=31).isoformat()}
        values.update({k: v for k, v in request.query_params.items() if k in ("kind", "event", "organisation")})
        values.setdefault("format", "xlsx")
        values.setdefault("kind", "registrations")
        return await _page(request.user, values, {})

    @get("/download")
    async def ask(self, request: User) -> Template | Redirect:
        values = {k: str(v).strip() for k, v in request.query_params.items()}
        asked, errors = services.check_form(request.user, values, _today())
        if asked is None:
            return await _page(request.user, values, errors, status_code=400)
        query = {"from": values.get("from", ""), "to": values.get("to", ""), "event": asked.event_id or ""}
        query = {k: v for k, v in query.items() if v}
        return Redirect(f"/organisations/{asked.organisation_id}/exports/{asked.file}?{urlencode(query)}")


class ExportFiles(Controller):
    path = "/organisations/{organisation_id:int}/exports"
    include_in_schema = False

    @get("/{file:str}")
    async def file(
        self,
        request: User,
        organisation_id: FromPath[int],
        file: FromPath[str],
        start: Annotated[str | None, QueryParameter(name="from")] = None,
        end: Annotated[str | None, QueryParameter(name="to")] = None,
        event: Annotated[str | None, QueryParameter(name="event")] = None,
    ) -> Response:
        found = await services.export(
            request.user,
            organisation_id,
            file,
            start=start,
            end=end,
            event_id=services.as_id(event),
            today=_today(),
        )
        return download(found)


ROUTES = [ExportsConsole, ExportFiles]
