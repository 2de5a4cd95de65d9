"""The JSON API for events, sessions, sites, series, formats and the partner directory.

Authenticated by the console session or by an organisation's API token (Bearer).
Handlers parse, call one service and shape the answer; the rules live in the services.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import msgspec
from litestar import Controller, Request, delete, get, patch, post, put
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from accounts import directory
from accounts.services import CurrentUser, require_role
from accounts.tables import Role
from core.forms import convert
from events import formats, series, services, sites
from events.inputs import (
    DuplicateInput,
    NewEventInput,
    OccurrenceMove,
    PartnerInput,
    SeriesChange,
    SeriesInput,
    SessionInput,
    SiteInput,
    StatusInput,
)
from events.tables import Format

User = Request[CurrentUser, Any, Any]


class FiguresOut(msgspec.Struct):
    capacity: int | None
    registered: int
    waiting: int
    pending: int
    present: int


class SessionOut(msgspec.Struct):
    id: int
    title: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    site_id: int | None
    place: str
    capacity: int | None


class PartnerOut(msgspec.Struct):
    organisation_id: int
    name: str
    role: str


class EventOut(msgspec.Struct):
    id: int
    title: str
    format: str
    status: str
    organisation: int
    organisation_name: str
    starts_on: date
    ends_on: date
    timezone: str
    capacity: int | None
    waiting_list: bool
    description: str
    series_id: int | None
    figures: FiguresOut
    options: dict[str, Any] = {}
    sessions: list[SessionOut] | None = None
    partners: list[PartnerOut] | None = None


def _figures(figures: services.Figures) -> FiguresOut:
    return FiguresOut(figures.capacity, figures.registered, figures.waiting, figures.pending, figures.present)


def _session_out(s: dict) -> SessionOut:
    return SessionOut(
        id=s["id"],
        title=s["title"],
        kind=s["kind"],
        starts_at=s["starts_at"],
        ends_at=s["ends_at"],
        site_id=s["site"],
        place=s["place"],
        capacity=s["capacity"],
    )


async def _event_out(event: dict, *, detail: bool = False) -> EventOut:
    out = EventOut(
        id=event["id"],
        title=event["title"],
        format=event["format"],
        status=event["status"],
        organisation=event["organisation"],
        organisation_name=event["organisation_name"],
        starts_on=event["starts_on"],
        ends_on=event["ends_on"],
        timezone=event["timezone"],
        capacity=event["capacity"],
        waiting_list=event["waiting_list"],
        description=event["description"],
        series_id=event["series"],
        figures=_figures(event["figures"]),
        options=event["options"] if isinstance(event["options"], dict) else msgspec.json.decode(event["options"]),
    )
    if detail:
        out.sessions = [_session_out(s) for _, day in await services.programme(event) for s in day]
        out.partners = [
            PartnerOut(p["organisation"], p["name"], p["role"]) for p in await services.partners(event["id"])
        ]
    return out


class EventApi(Controller):
    path = "/api/events"
    tags = ["events"]

    @get("/", summary="Events of the user's organisations and partnerships")
    async def index(
        self,
        request: User,
        when: FromQuery[str] = "upcoming",
        format: FromQuery[Format | None] = None,
        status: FromQuery[str | None] = None,
        partner: FromQuery[int | None] = None,
    ) -> list[EventOut]:
        events = await services.list_events(
            request.user, when="past" if when == "past" else "upcoming", format=format, status=status, partner=partner
        )
        return [await _event_out(e) for e in events]

    @post("/", summary="Create an event, by default from its format's programme", status_code=HTTP_201_CREATED)
    async def create(self, request: User, data: JSONBody[NewEventInput]) -> EventOut:
        event_id = await services.create_event(request.user, data)
        return await _event_out(await services.get_event(request.user, event_id), detail=True)

    @get("/{event_id:int}", summary="One event with its programme, partners and figures")
    async def show(self, request: User, event_id: FromPath[int]) -> EventOut:
        return await _event_out(await services.get_event(request.user, event_id), detail=True)

    @patch("/{event_id:int}", summary="Change some fields of an event")
    async def update(self, request: User, event_id: FromPath[int], data: JSONBody[dict[str, Any]]) -> EventOut:
        await services.update_event(request.user, event_id, data)
        return await _event_out(await services.get_event(request.user, event_id), detail=True)

    @post("/{event_id:int}/status", summary="Publish, close, cancel or mark done", status_code=200)
    async def status(self, request: User, event_id: FromPath[int], data: JSONBody[StatusInput]) -> EventOut:
        await services.set_status(request.user, event_id, data.status)
        return await _event_out(await services.get_event(request.user, event_id))

    @post(
        "/{event_id:int}/duplicate",
        summary='Copy an event to new dates ("same as last year")',
        status_code=HTTP_201_CREATED,
    )
    async def duplicate(self, request: User, event_id: FromPath[int], data: JSONBody[DuplicateInput]) -> EventOut:
        new_id = await services.duplicate_event(request.user, event_id, data)
        return await _event_out(await services.get_event(request.user, new_id), detail=True)

    @post("/{event_id:int}/sessions", summary="Add a session to the programme", status_code=HTTP_201_CREATED)
    async def add_session(self, request: User, event_id: FromPath[int], data: JSONBody[SessionInput]) -> SessionOut:
        session_id = await services.add_session(request.user, event_id, data)
        return _session_out(await services.get_session(request.user, session_id))

    @put("/{event_id:int}/partners", summary="Attach a partner organisation with its role")
    async def set_partner(self, request: User, event_id: FromPath[int], data: JSONBody[PartnerInput]) -> EventOut:
        await services.set_partner(request.user, event_id, data)
        return await _event_out(await services.get_event(request.user, event_id), detail=True)

    @delete(
        "/{event_id:int}/partners/{organisation_id:int}", summary="Detach a partner", status_code=HTTP_204_NO_CONTENT
    )
    async def remove_partner(self, request: User, event_id: FromPath[int], organisation_id: FromPath[int]) -> None:
        await services.remove_partner(request.user, event_id, organisation_id)

    @post("/{event_id:int}/cancel-occurrence", summary="Cancel this occurrence of a series only", status_code=200)
    async def cancel_occurrence(self, request: User, event_id: FromPath[int]) -> EventOut:
        await series.cancel_occurrence(request.user, event_id)
        return await _event_out(await services.get_event(request.user, event_id))

    @post("/{event_id:int}/move-occurrence", summary="Move this occurrence of a series only", status_code=200)
    async def move_occurrence(self, request: User, event_id: FromPath[int], data: JSONBody[OccurrenceMove]) -> EventOut:
        await series.move_occurrence(request.user, event_id, data)
        return await _event_out(await services.get_event(request.user, event_id), detail=True)


class SessionApi(Controller):
    path = "/api/sessions"
    tags = ["events"]

    @put("/{session_id:int}", summary="Change a session")
    async def update(self, request: User, session_id: FromPath[int], data: JSONBody[SessionInput]) -> SessionOut:
        await services.update_session(request.user, session_id, data)
        return _session_out(await services.get_session(request.user, session_id))

    @delete("/{session_id:int}", summary="Remove a session", status_code=HTTP_204_NO_CONTENT)
    async def remove(self, request: User, session_id: FromPath[int]) -> None:
        await services.delete_session(request.user, session_id)


class SiteOut(SiteInput, kw_only=True):
    id: int


def _site_out(row: dict) -> SiteOut:
    fields = {k: row[k] for k in SiteInput.__struct_fields__ if k in row}
    return convert(SiteOut, {**fields, "id": row["id"], "host_id": row["host"], "organisation_id": row["organisation"]})


class SiteApi(Controller):
    path = "/api/sites"
    tags = ["sites"]

    @get("/", summary="Sites of the user's organisations")
    async def index(self, request: User) -> list[SiteOut]:
        return [_site_out(s) for s in await sites.list_sites(request.user)]

    @post("/", summary="Create a site", status_code=HTTP_201_CREATED)
    async def create(self, request: User, data: JSONBody[SiteInput]) -> SiteOut:
        return _site_out(await sites.get_site(request.user, await sites.create_site(request.user, data)))

    @get("/{site_id:int}", summary="One site")
    async def show(self, request: User, site_id: FromPath[int]) -> SiteOut:
        return _site_out(await sites.get_site(request.user, site_id))

    @put("/{site_id:int}", summary="Change a site")
    async def update(self, request: User, site_id: FromPath[int], data: JSONBody[SiteInput]) -> SiteOut:
        await sites.update_site(request.user, site_id, data)
        return _site_out(await sites.get_site(request.user, site_id))


class OccurrenceOut(msgspec.Struct):
    event_id: int
    status: str
    starts_on: date
    recurrence_id: str | None
    detached: bool


class SeriesOut(msgspec.Struct):
    id: int
    title: str
    format: str
    rrule: str
    first_start: str
    duration_minutes: int
    timezone: str
    occurrences: list[OccurrenceOut]


def _series_out(row: dict) -> SeriesOut:
    return SeriesOut(
        id=row["id"],
        title=row["title"],
        format=row["format"],
        rrule=row["rrule"],
        first_start=row["dtstart_local"],
        duration_minutes=row["duration_minutes"],
        timezone=row["timezone"],
        occurrences=[
            OccurrenceOut(o["id"], o["status"], o["starts_on"], o["recurrence_id"], o["detached"])
            for o in row["occurrences"]
        ],
    )


class SeriesApi(Controller):
    path = "/api/series"
    tags = ["series"]

    @post("/", summary="Create a recurring series (RRULE) and its occurrences", status_code=HTTP_201_CREATED)
    async def create(self, request: User, data: JSONBody[SeriesInput]) -> SeriesOut:
        return _series_out(await series.get_series(request.user, await series.create_series(request.user, data)))

    @get("/{series_id:int}", summary="A series and its occurrences")
    async def show(self, request: User, series_id: FromPath[int]) -> SeriesOut:
        return _series_out(await series.get_series(request.user, series_id))

    @patch("/{series_id:int}", summary="Change the whole series, or this occurrence and the following ones")
    async def change(self, request: User, series_id: FromPath[int], data: JSONBody[SeriesChange]) -> SeriesOut:
        target = await series.change_series(request.user, series_id, data)
        return _series_out(await series.get_series(request.user, target))


class PartnerOrganisationOut(msgspec.Struct):
    id: int
    name: str
    kind: str
    siae_kind: str
    city: str
    phone: str
    notes: str


class ContactOut(directory.ContactInput, kw_only=True):
    id: int
    organisation_name: str


class DirectoryApi(Controller):
    path = "/api/organisations/{organisation_id:int}"
    tags = ["partners"]

    @get("/partners", summary="The organisation's partner directory")
    async def partners(self, request: User, organisation_id: FromPath[int]) -> list[PartnerOrganisationOut]:
        rows = await directory.partners(request.user, organisation_id)
        return [convert(PartnerOrganisationOut, r) for r in rows]

    @post("/partners", summary="Add an organisation to the directory", status_code=HTTP_201_CREATED)
    async def add_partner(
        self, request: User, organisation_id: FromPath[int], data: JSONBody[directory.PartnerOrganisationInput]
    ) -> PartnerOrganisationOut:
        new_id = await directory.add_partner(request.user, organisation_id, data)
        rows = await directory.partners(request.user, organisation_id)
        return convert(PartnerOrganisationOut, next(r for r in rows if r["id"] == new_id))

    @get("/contacts", summary="People at partner organisations")
    async def contacts(self, request: User, organisation_id: FromPath[int]) -> list[ContactOut]:
        rows = await directory.contacts(request.user, organisation_id)
        return [convert(ContactOut, {**r, "organisation_id": r["organisation"]}) for r in rows]

    @post("/contacts", summary="Add a contact person", status_code=HTTP_201_CREATED)
    async def add_contact(
        self, request: User, organisation_id: FromPath[int], data: JSONBody[directory.ContactInput]
    ) -> ContactOut:
        contact_id = await directory.add_contact(request.user, organisation_id, data)
        rows = await directory.contacts(request.user, organisation_id)
        row = next(r for r in rows if r["id"] == contact_id)
        return convert(ContactOut, {**row, "organisation_id": row["organisation"]})

    @get("/formats/{format:str}", summary="The defaults of a format for this organisation")
    async def format_defaults(
        self, request: User, organisation_id: FromPath[int], format: FromPath[Format]
    ) -> dict[str, Any]:
        require_role(request.user, organisation_id, Role.viewer)
        return msgspec.to_builtins(await formats.defaults(organisation_id, format))

    @put("/formats/{format:str}", summary="Change the organisation's defaults of a format")
    async def save_format_defaults(
        self, request: User, organisation_id: FromPath[int], format: FromPath[Format], data: JSONBody[dict[str, Any]]
    ) -> dict[str, Any]:
        await formats.save_defaults(request.user, organisation_id, format, data)
        return msgspec.to_builtins(await formats.defaults(organisation_id, format))


ROUTES = [EventApi, SessionApi, SiteApi, SeriesApi, DirectoryApi]
