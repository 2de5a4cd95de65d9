"""Calendar links: the console page that makes, lists, revokes and renews them, and the public feed itself.

`GET /feeds/<token>.ics` needs no account and no session: the secret link is the permission. Calendar
servers (Google, Apple, Outlook) fetch it every few hours from shared addresses, so it is not rate-limited
per IP; the token has 256 random bits.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from accounts.services import CurrentUser
from accounts.tables import Organisation, Role
from calendars import feeds
from calendars.tables import FeedKind
from core.errors import InvalidInput, NotFound, Refusal
from core.i18n import gettext as _
from core.i18n import lazy
from core.web import errors_of, flash, form_data, page
from events.tables import Event, Format
from planning.tables import Companion, Team, Visit

User = Request[CurrentUser, Any, Any]
RECENT = timedelta(days=7)  # a rally that ended last week can still be offered


async def subject_options(user: CurrentUser) -> list[tuple[str, list[tuple[str, str]]]]:
    """What the user may subscribe to, grouped for a <select>: (group label, [(value "kind:id", text)])."""
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    staff_of = [o for o in user.organisation_ids if user.at_least(o, Role.staff)]
    organisations = await Organisation.select(Organisation.id, Organisation.name).where(
        Organisation.id.is_in(staff_of or [-1])
    )
    if organisations:
        groups.append(
            (
                _("Organisations"),
                [(f"organisation:{o['id']}", _("All sessions of %(name)s", name=o["name"])) for o in organisations],
            )
        )
    if user.roles:
        groups.append((_("Adviser"), [(f"adviser:{user.id}", _("The events of the youths I referred"))]))
    organiser_of = [o for o in user.organisation_ids if user.at_least(o, Role.organiser)]
    rallies = await Event.select(Event.id, Event.title).where(
        Event.organisation.is_in(organiser_of or [-1])
        & (Event.format == Format.rallye)
        & (Event.ends_on >= date.today() - RECENT)
    )
    if not rallies:
        return groups
    titles = {r["id"]: r["title"] for r in rallies}
    ids = sorted(titles) or [-1]
    companions = await Companion.select(Companion.id, Companion.full_name, Companion.event).where(
        Companion.event.is_in(ids)
    )
    teams = await Team.select(Team.id, Team.number, Team.event).where(Team.event.is_in(ids)).order_by(Team.number)
    sites = (
        await Visit.select(Visit.site.id.as_alias("id"), Visit.site.name.as_alias("name"))
        .where(Visit.team.event.is_in(ids))
        .distinct()
    )
    if companions:
        groups.append(
            (
                _("Rally companions"),
                [
                    (f"companion:{c['id']}", f"{c['full_name']} ({titles[c['event']]})")
                    for c in sorted(companions, key=lambda c: c["full_name"])
                ],
            )
        )
    if teams:
        groups.append(
            (
                _("Rally teams"),
                [
                    (f"team:{t['id']}", _("Team %(number)s (%(event)s)", number=t["number"], event=titles[t["event"]]))
                    for t in teams
                ],
            )
        )
    if sites:
        site_rows = sorted(sites, key=lambda s: s["name"])
        groups.append((_("Visited sites"), [(f"site:{s['id']}", s["name"]) for s in site_rows]))
    return groups


def _link(token: str, label: str) -> dict[str, str]:
    return {"https": feeds.feed_url(token), "webcal": feeds.webcal_url(token), "label": label}


async def _page(user: CurrentUser, status_code: int = 200, **context: Any) -> Template:
    return page(
        "events/feeds.html",
        status_code=status_code,
        feeds=await feeds.list_feeds(user),
        groups=await subject_options(user),
        errors=context.pop("errors", {}),
        values=context.pop("values", {}),
        **context,
    )


def _subject(value: str) -> tuple[FeedKind, int]:
    kind, _sep, subject = value.partition(":")
    if kind not in FeedKind.__members__ or not subject.isdigit():
        raise InvalidInput(lazy("Choose one of the proposed calendars."), field="subject")
    return FeedKind(kind), int(subject)


class CalendarFeedConsole(Controller):
    path = "/calendar-feeds"
    include_in_schema = False

    @get("/")
    async def index(self, request: User) -> Template:
        return await _page(request.user)

    @post("/")
    async def create(self, request: User) -> Template:
        values = await form_data(request)
        try:
            kind, subject = _subject(values.get("subject", ""))
            token = await feeds.create_feed(request.user, kind, subject)
        except Refusal as error:
            return await _page(request.user, error.status_code, errors=errors_of(error), values=values)
        label = dict(option for _group, options in await subject_options(request.user) for option in options)
        return await _page(request.user, new_link=_link(token, label.get(values["subject"], "")))

    @post("/{feed_id:int}/revoke")
    async def revoke(self, request: User, feed_id: FromPath[int]) -> Redirect:
        await feeds.revoke_feed(request.user, feed_id)
        flash(request, _("The link is revoked: calendars subscribed to it no longer update."))
        return Redirect("/calendar-feeds")

    @post("/{feed_id:int}/renew")
    async def renew(self, request: User, feed_id: FromPath[int]) -> Template:
        label = next((f["label"] for f in await feeds.list_feeds(request.user) if f["id"] == feed_id), "")
        token = await feeds.renew_feed(request.user, feed_id)
        return await _page(request.user, new_link=_link(token, label), renewed=True)


@get("/feeds/{name:str}", opt={"public": True}, include_in_schema=False)
async def calendar_feed(name: FromPath[str]) -> Response[bytes]:
    """A subscribed calendar; the path is /feeds/<token>.ics (Litestar path parameters take whole segments)."""
    token = name.removesuffix(".ics")
    if token == name or not token:
        raise NotFound()
    return Response(
        await feeds.feed_calendar(token),
        media_type="text/calendar",  # Litestar adds "; charset=utf-8" to text types
        headers={"cache-control": "private, max-age=300", "content-disposition": 'inline; filename="tremplin.ics"'},
    )


ROUTES = [CalendarFeedConsole, calendar_feed]
