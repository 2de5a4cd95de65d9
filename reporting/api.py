"""The exports through the JSON API's tokens: the same files as the console, scoped the same way (a `read`
token exports as its organisation's viewer: no phone numbers or e-mail addresses)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, QueryParameter

from accounts.services import CurrentUser
from reporting import services
from reporting.console import _today
from reporting.exports import EXPORTS, FORMATS
from reporting.responses import download

User = Request[CurrentUser, Any, Any]
_FILES = ", ".join(f"`{kind}.{fmt}`" for kind in EXPORTS for fmt in FORMATS)


class ExportsApi(Controller):
    path = "/api/organisations/{organisation_id:int}/exports"
    tags = ["exports"]

    @get(
        "/{file:str}",
        summary="An export of the organisation's data as a CSV or XLSX file",
        description=(
            f"`file` is one of {_FILES}. CSV: UTF-8 with a byte-order mark, `;` between cells. Text that a "
            "spreadsheet would read as a formula (=, +, -, @) is prefixed with '. `from` and `to` (YYYY-MM-DD, "
            "both included) default to this calendar year; `event` exports one event whatever the dates. A "
            "period without data gives the header row alone. Each export is recorded in the audit log."
        ),
        responses={
            200: ResponseSpec(data_container=bytes, media_type="text/csv", description="The file (CSV or XLSX)")
        },
    )
    async def export(
        self,
        request: User,
        organisation_id: FromPath[int],
        file: FromPath[str],
        start: Annotated[str | None, QueryParameter(name="from", description="first day, YYYY-MM-DD")] = None,
        end: Annotated[str | None, QueryParameter(name="to", description="last day, YYYY-MM-DD")] = None,
        event: Annotated[int | None, QueryParameter(description="one event's id")] = None,
    ) -> Response:
        found = await services.export(
            request.user, organisation_id, file, start=start, end=end, event_id=event, today=_today()
        )
        return download(found)


ROUTES = [ExportsApi]
