"""Console pages and API for events."""

from __future__ import annotations

from datetime import date, datetime

import msgspec
from litestar import Controller, Request, get
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from app.accounts.services import CurrentUser
from app.web import page
from events import services


class EventConsole(Controller):
    path = "/events"
    include_in_schema = False

    @get("/")
    async def index(self, request: Request[CurrentUser, dict, object], when: FromQuery[str] = "upcoming") -> Template:
        when = "past" if when == "past" else "upcoming"
        events = await services.list_events(request.user, when=when)
        return page("events/list.html", events=events, when=when)

    @get("/{event_id:int}")
    async def show(self, request: Request[CurrentUser, dict, object], event_id: FromPath[int]) -> Template:
        event = await services.get_event(request.user, event_id)
        return page(
            "events/show.html",
            event=event,
            days=await services.programme(event),
            partners=await services.partners(event_id),
        )


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
    place: str
    capacity: int | None


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
    figures: FiguresOut
    sessions: list[SessionOut] | None = None


def _event_out(event: dict, days: list | None = None) -> EventOut:
    figures = event["figures"]
    sessions = None
    if days is not None:
        sessions = [
            SessionOut(
                id=s["id"],
                title=s["title"],
                kind=s["kind"],
                starts_at=s["starts_at"],
                ends_at=s["ends_at"],
                place=s["place"] or s["site_name"] or "",
                capacity=s["capacity"],
            )
            for _, day in days
            for s in day
        ]
    return EventOut(
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
        figures=FiguresOut(
            capacity=figures.capacity,
            registered=figures.registered,
            waiting=figures.waiting,
            pending=figures.pending,
            present=figures.present,
        ),
        sessions=sessions,
    )


class EventApi(Controller):
    path = "/api/events"
    tags = ["events"]

    @get("/", summary="Events of the user's organisations and partnerships")
    async def index(
        self, request: Request[CurrentUser, dict, object], when: FromQuery[str] = "upcoming"
    ) -> list[EventOut]:
        events = await services.list_events(request.user, when="past" if when == "past" else "upcoming")
        return [_event_out(e) for e in events]

    @get("/{event_id:int}", summary="One event with its programme and figures")
    async def show(self, request: Request[CurrentUser, dict, object], event_id: FromPath[int]) -> EventOut:
        event = await services.get_event(request.user, event_id)
        return _event_out(event, await services.programme(event))
