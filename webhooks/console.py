"""The organisation's webhooks page (admins): endpoints, their secret shown once, tests, deliveries.
The rules: webhooks.services."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from accounts import services as accounts
from accounts.services import CurrentUser
from core.errors import Refusal
from core.i18n import gettext as _
from core.i18n import lazy
from core.web import flash, page
from webhooks import services
from webhooks.tables import EventType

User = Request[CurrentUser, dict, object]

EVENT_LABELS = {
    EventType.registration_created: lazy("A youth registers (or joins the waiting list)"),
    EventType.registration_cancelled: lazy("A registration is cancelled"),
    EventType.checkin_recorded: lazy("Attendance is recorded (scan, walk-in, by hand)"),
    EventType.outcome_recorded: lazy("An outcome is recorded (a result on the spot, a situation)"),
}


def _event_options() -> list[tuple[str, str]]:
    return [(event.value, _(text)) for event, text in EVENT_LABELS.items()]


async def _posted(request: User) -> tuple[dict[str, str], list[str]]:
    form = await request.form()
    values = {key: str(form.get(key, "")).strip() for key in ("url", "description")}
    return values, [str(v) for v in form.getall("events", [])]


class WebhooksConsole(Controller):
    path = "/organisations/{organisation_id:int}/webhooks"
    include_in_schema = False

    async def _list(self, user: CurrentUser, organisation_id: int, status_code: int = 200, **form: Any) -> Template:
        return page(
            "webhooks/endpoints.html",
            status_code=status_code,
            organisation=await accounts.get_organisation(user, organisation_id),
            endpoints=await services.endpoints(user, organisation_id),
            event_options=_event_options(),
            values=form.get("values") or {},
            chosen=form.get("chosen") or [e.value for e in EventType],
            errors=form.get("errors") or {},
        )

    async def _endpoint(
        self, user: CurrentUser, organisation_id: int, endpoint_id: int, new_secret: str = "", status_code: int = 200
    ) -> Template:
        return page(
            "webhooks/endpoint.html",
            status_code=status_code,
            organisation=await accounts.get_organisation(user, organisation_id),
            endpoint=await services.endpoint(user, organisation_id, endpoint_id),
            deliveries=await services.deliveries(user, organisation_id, endpoint_id),
            event_options=_event_options(),
            new_secret=new_secret,
        )

    @get("/")
    async def index(self, request: User, organisation_id: FromPath[int]) -> Template:
        return await self._list(request.user, organisation_id)

    @post("/")
    async def add(self, request: User, organisation_id: FromPath[int]) -> Template:
        values, chosen = await _posted(request)
        user = request.user
        await services.endpoints(user, organisation_id)  # 404 / 403 before reading what was typed
        found = services.endpoint_errors(values["url"], chosen)
        try:
            if found:
                raise found[0]
            endpoint_id, secret = await services.add_endpoint(
                user, organisation_id, values["url"], chosen, values["description"]
            )
        except Refusal as error:
            errors = {e.field or "__all__": e.text() for e in (found or [error])}
            return await self._list(
                user, organisation_id, error.status_code, values=values, chosen=chosen, errors=errors
            )
        return await self._endpoint(user, organisation_id, endpoint_id, new_secret=secret, status_code=201)

    @get("/{endpoint_id:int}")
    async def show(self, request: User, organisation_id: FromPath[int], endpoint_id: FromPath[int]) -> Template:
        return await self._endpoint(request.user, organisation_id, endpoint_id)

    @post("/{endpoint_id:int}/secret")
    async def rotate(self, request: User, organisation_id: FromPath[int], endpoint_id: FromPath[int]) -> Template:
        secret = await services.rotate_secret(request.user, organisation_id, endpoint_id)
        return await self._endpoint(request.user, organisation_id, endpoint_id, new_secret=secret)

    @post("/{endpoint_id:int}/events")
    async def events(self, request: User, organisation_id: FromPath[int], endpoint_id: FromPath[int]) -> Redirect:
        _values, chosen = await _posted(request)
        try:
            await services.set_events(request.user, organisation_id, endpoint_id, chosen)
            flash(request, _("The endpoint now receives the events chosen."))
        except Refusal as error:
            flash(request, error.text(), "error")
        return Redirect(f"/organisations/{organisation_id}/webhooks/{endpoint_id}")

    @post("/{endpoint_id:int}/disable")
    async def disable(self, request: User, organisation_id: FromPath[int], endpoint_id: FromPath[int]) -> Redirect:
        await services.disable(request.user, organisation_id, endpoint_id)
        flash(request, _("Endpoint disabled: no event is sent to it any more."))
        return Redirect(f"/organisations/{organisation_id}/webhooks/{endpoint_id}")

    @post("/{endpoint_id:int}/enable")
    async def enable(self, request: User, organisation_id: FromPath[int], endpoint_id: FromPath[int]) -> Redirect:
        try:
            await services.enable(request.user, organisation_id, endpoint_id)
            flash(request, _("Endpoint enabled: the next events are sent to it."))
        except Refusal as error:
            flash(request, error.text(), "error")
        return Redirect(f"/organisations/{organisation_id}/webhooks/{endpoint_id}")

    @post("/{endpoint_id:int}/test")
    async def test(self, request: User, organisation_id: FromPath[int], endpoint_id: FromPath[int]) -> Redirect:
        try:
            await services.send_test(request.user, organisation_id, endpoint_id)
            flash(request, _("Test event queued: its delivery appears below within a few seconds."))
        except Refusal as error:
            flash(request, error.text(), "error")
        return Redirect(f"/organisations/{organisation_id}/webhooks/{endpoint_id}")

    @post("/{endpoint_id:int}/delete")
    async def delete(self, request: User, organisation_id: FromPath[int], endpoint_id: FromPath[int]) -> Redirect:
        await services.delete(request.user, organisation_id, endpoint_id)
        flash(request, _("Endpoint deleted."))
        return Redirect(f"/organisations/{organisation_id}/webhooks")


ROUTES = [WebhooksConsole]
