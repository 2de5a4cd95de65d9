"""What a client sends to create or change events, sessions, sites and series.

The same structs type the API's JSON bodies and the console's forms (see app/forms.py).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec

from core.forms import Clock, Input
from events.tables import EventStatus, Format, PartnerRole, SessionKind, SiteKind

Text = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Positive = Annotated[int, msgspec.Meta(ge=1)]
Age = Annotated[int, msgspec.Meta(ge=0, le=120)]


class EventInput(Input, kw_only=True):
    title: Text
    starts_on: date
    ends_on: date | None = None
    description: str = ""
    capacity: Positive | None = None
    waiting_list: bool = True
    age_min: Age | None = None
    age_max: Age | None = None
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    meeting_point: str = ""
    contact_phone: str = ""
    timezone: str = "Europe/Paris"
    options: dict[str, Any] = {}


class NewEventInput(EventInput, kw_only=True):
    format: Format
    organisation_id: int | None = None  # defaults to the user's first organisation where they organise
    from_format: bool = True  # build the programme from the format's defaults


class SessionInput(Input, kw_only=True):
    title: Text
    kind: SessionKind = SessionKind.info
    starts_at: datetime  # naive values are read in the event's time zone
    ends_at: datetime
    site_id: int | None = None
    place: str = ""
    capacity: Positive | None = None


class StatusInput(Input):
    status: EventStatus


class PartnerInput(Input):
    organisation_id: int
    role: PartnerRole


class DuplicateInput(Input):
    starts_on: date
    title: str | None = None


class OpeningWindow(Input):
    weekday: Annotated[int, msgspec.Meta(ge=0, le=6)]
    start: Clock  # "09:00"
    end: Clock


class SiteInput(Input, kw_only=True):
    name: Text
    kind: SiteKind = SiteKind.company
    sector: str = ""
    address: str = ""
    postcode: str = ""
    city: str = ""
    latitude: float | None = None
    longitude: float | None = None
    accessible: bool = False
    access_notes: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    capacity_per_slot: Positive = 1
    max_teams: Positive | None = None
    visit_minutes: Positive = 45
    opening_hours: list[OpeningWindow] = []
    host_id: int | None = None
    organisation_id: int | None = None


class SeriesInput(Input, kw_only=True):
    title: Text
    format: Format
    rrule: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
    first_start: datetime  # naive local wall-clock time of the first occurrence
    duration_minutes: Annotated[int, msgspec.Meta(ge=5, le=24 * 60 - 1)]
    timezone: str = "Europe/Paris"
    site_id: int | None = None
    rotation_site_ids: list[int] = []
    place: str = ""
    capacity: Positive | None = None
    description: str = ""
    organisation_id: int | None = None
    months_ahead: Annotated[int, msgspec.Meta(ge=1, le=24)] = 12


class RuleInWords(Input, kw_only=True):
    """A repetition composed in words (events.rules.build): every N weeks on a weekday, or every N months on the
    first … last weekday, until a day or for a number of dates."""

    every: Annotated[int, msgspec.Meta(ge=1, le=12)] = 1
    unit: Literal["weeks", "months"] = "weeks"
    weekday: Literal["MO", "TU", "WE", "TH", "FR", "SA", "SU"] = "MO"
    week: Annotated[int, msgspec.Meta(ge=-1, le=4)] = 1
    until: date | None = None
    count: Annotated[int, msgspec.Meta(ge=1, le=100)] | None = None


class SeriesStart(Input, kw_only=True):
    """When a new series starts and how long each date lasts (for its preview)."""

    first_start: datetime  # naive local wall-clock time
    duration_minutes: Annotated[int, msgspec.Meta(ge=5, le=24 * 60 - 1)]


class OccurrenceMove(Input):
    starts_at: datetime  # naive local
    ends_at: datetime


class SeriesChange(Input, kw_only=True):
    """ "This and following" (from_event_id set) or the whole series (None)."""

    from_event_id: int | None = None
    title: str | None = None
    start_time: Clock | None = None  # "09:30": new local start time of the occurrences
    duration_minutes: int | None = None
    capacity: int | None = None
    place: str | None = None
    rrule: str | None = None
