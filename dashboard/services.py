"""Who may read an organisation's dashboard and bilan, and the scope a request asks for."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from accounts.organisation_settings import logo_data_uri
from accounts.services import CurrentUser, require_role
from accounts.tables import Organisation, Role
from core.clock import utcnow
from core.errors import InvalidInput, NotFound
from core.forms import check_day
from core.i18n import lazy
from core.settings import get_settings
from dashboard.figures import Figures, Scope, figures
from events.tables import Event, EventPartner, EventStatus, Format, Session

MAX_DAYS = 3 * 366  # three years at most: the dashboard reads every registration of its period


class InvalidPeriod(InvalidInput):
    code = "invalid_period"
    message = lazy("Choose a start date before the end date, at most three years apart.")


@dataclass
class Dashboard:
    organisation: dict[str, Any]
    figures: Figures
    event: dict[str, Any] | None = None
    logo: str = ""  # a data: URI, for the bilan
    sessions: list[dict[str, Any]] = field(default_factory=list)  # an event's bilan: what was held
    partners: list[str] = field(default_factory=list)


def _day(value: str, default: date, field: str) -> date:
    if not value:
        return default
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InvalidPeriod(field=field) from None
    check_day(day, field)
    return day


def scope_of(user: CurrentUser, params: dict[str, str]) -> Scope:
    """The scope asked for: an organisation of the user's (their first by default), the current calendar year
    by default, a format if chosen. Any member may read their organisation's figures: they are counts."""
    organisation = params.get("organisation", "")
    organisation_id = int(organisation) if organisation.isdigit() else user.current_organisation
    if organisation_id is None:
        raise NotFound()
    require_role(user, organisation_id, Role.viewer)
    today = utcnow().astimezone(get_settings().tz).date()
    start = _day(params.get("from", ""), date(today.year, 1, 1), "from")
    end = _day(params.get("to", ""), date(today.year, 12, 31), "to")
    if end < start or (end - start).days > MAX_DAYS:
        raise InvalidPeriod(field="from")
    fmt = params.get("format", "")
    return Scope(organisation_id, start, end, fmt if fmt in Format.__members__.values() else "")


async def dashboard(user: CurrentUser, scope: Scope) -> Dashboard:
    organisation = await Organisation.select().where(Organisation.id == scope.organisation).first()
    return Dashboard(organisation, await figures(scope))


async def event_bilan(user: CurrentUser, event_id: int) -> Dashboard:
    """One event's figures, for the members of the organisation that runs it."""
    event = await Event.select().where(Event.id == event_id).first()
    if event is None or event["organisation"] not in user.roles or event["status"] == EventStatus.draft:
        raise NotFound()
    scope = Scope(event["organisation"], event["starts_on"], event["ends_on"], event=event_id)
    organisation = await Organisation.select().where(Organisation.id == event["organisation"]).first()
    sessions = (
        await Session.select(Session.title, Session.starts_at)
        .where(Session.event == event_id)
        .order_by(Session.starts_at)
    )
    partners = await EventPartner.select(EventPartner.organisation.name.as_alias("name")).where(
        EventPartner.event == event_id
    )
    return Dashboard(
        organisation,
        await figures(scope),
        event,
        logo=await logo_data_uri(event["organisation"]),
        sessions=sessions,
        partners=sorted({p["name"] for p in partners}),
    )


async def with_logo(board: Dashboard) -> Dashboard:
    board.logo = board.logo or await logo_data_uri(board.organisation["id"])
    return board
