"""The youth's own calendar file, from their personal page (/r/<link>/calendar.ics): a download or a subscription."""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.params import FromPath

from calendars.invitations import for_registration
from registration.public import mine


class PersonalCalendar(Controller):
    path = "/r"
    include_in_schema = False
    opt = {"public": True}

    @get("/{token:str}/calendar.ics")
    async def calendar_file(self, token: FromPath[str]) -> Response[bytes]:
        registration = await mine(token)
        body = await for_registration(registration, method="PUBLISH")  # a file or a subscription
        return Response(
            body,
            media_type="text/calendar",
            headers={"content-disposition": 'attachment; filename="evenement.ics"'},
        )


ROUTES = [PersonalCalendar]
