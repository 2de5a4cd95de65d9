"""What an export may hold: one organisation's data, for one period or one event, as the user may see it.

- The registrations of the organisation's own events, and those it referred to partners' events (an ML's
  youths at an SIAE's info-coll); for one event, its registrations (only those the organisation referred when
  the event is a partner's). Who sees an event is `events.access`, through `events.services.get_event`.
- An adviser of the organisation exports only the youths they referred (`Registration.referred_by`), as their
  list of youths shows them (`registration.youths`).
- Phone numbers and e-mail addresses only for those who see them on the youths' pages
  (`registration.youths.shows_contact`): an organisation's viewers get the other columns.
- The period is in local days, both included (this calendar year by default); for one event, the event's
  whole data whatever the dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from accounts.services import CurrentUser, require_role
from accounts.tables import Role
from core.errors import NotFound
from core.settings import get_settings
from events.access import partners_of
from events.services import get_event
from events.tables import Event
from registration.tables import Registration
from registration.youths import shows_contact
from reporting.errors import InvalidDate, InvalidPeriod

MAX_PERIOD_DAYS = 400


@dataclass(frozen=True)
class Scope:
    organisation_id: int
    start: date
    end: date
    event: dict | None = None  # the one event asked for (events.services.get_event's row)
    adviser_id: int | None = None  # an adviser: only the youths they referred
    contact: bool = True  # phone and e-mail shown

    def registrations(self):
        """The registrations exported, as a condition on Registration (the period aside)."""
        referred = Registration.referring_organisation == self.organisation_id
        if self.event is not None:
            condition = Registration.event == self.event["id"]
            if self.event["organisation"] != self.organisation_id:
                condition &= referred
        else:
            own = Event.select(Event.id).where(Event.organisation == self.organisation_id)
            condition = Registration.event.is_in(own) | referred
        if self.adviser_id is not None:
            condition &= Registration.referred_by == self.adviser_id
        return condition

    @property
    def first_instant(self) -> datetime:
        return datetime.combine(self.start, time(0), tzinfo=get_settings().tz)

    @property
    def after_instant(self) -> datetime:
        """The instant the period ends (midnight after its last day)."""
        return datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=get_settings().tz)


def parse_day(value: str | None, field: str) -> date | None:
    """A date typed or sent as YYYY-MM-DD (or DD/MM/YYYY); None when empty."""
    value = (value or "").strip()
    if not value:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise InvalidDate(field=field)


def period(start: date | None, end: date | None, today: date) -> tuple[date, date]:
    """The days asked for; this calendar year when none are given, to its end when only the start is."""
    start = start or (end.replace(month=1, day=1) if end else today.replace(month=1, day=1))
    end = end or start.replace(month=12, day=31)
    if end < start or (end - start).days > MAX_PERIOD_DAYS:
        raise InvalidPeriod(field="from")
    return start, end


async def scope_for(
    user: CurrentUser, organisation_id: int, start: date, end: date, event_id: int | None = None
) -> Scope:
    """The scope of an export, or 404 outside the user's organisations or an event they do not see."""
    require_role(user, organisation_id, Role.viewer)
    event = None
    if event_id is not None:
        event = await get_event(user, event_id)  # 404 unless the user sees it
        if event["organisation"] != organisation_id and organisation_id not in (await partners_of(event_id)).all:
            raise NotFound()
    adviser = user.roles.get(organisation_id) == Role.adviser
    return Scope(
        organisation_id=organisation_id,
        start=start,
        end=end,
        event=event,
        adviser_id=user.id if adviser else None,
        contact=shows_contact(user, organisation_id),
    )
