"""Console pages for events, their programme, partners and series, and for sites."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from accounts import directory
from accounts.services import CurrentUser, require_role
from accounts.tables import Role
from core.errors import Forbidden, InvalidInput, Refusal
from core.forms import from_form
from core.i18n import current_language, lazy
from core.i18n import gettext as _
from core.labels import label
from core.web import errors_of, flash, form_data, form_page, page
from events import access, formats, rhythm, rules, series, services, sites
from events.holidays import next_working_day
from events.inputs import (
    DuplicateInput,
    EventInput,
    NewEventInput,
    OccurrenceMove,
    PartnerInput,
    RuleInWords,
    SeriesChange,
    SeriesInput,
    SeriesStart,
    SessionInput,
    SiteInput,
)
from events.options import OPTION_FIELDS, option_values
from events.rules import describe as describe_rule
from events.tables import EventStatus, Format, PartnerRole, SessionKind, SiteKind

User = Request[CurrentUser, Any, Any]
EVENT_CHECKBOXES = ("waiting_list",)


def _options(kind: str, enum: Any) -> list[tuple[str, str]]:
    return [(member.value, label(kind, member)) for member in enum]


def _organiser_orgs(user: CurrentUser) -> list[int]:
    return [o for o in user.organisation_ids if user.at_least(o, Role.organiser)]


def _may_create(user: CurrentUser) -> None:
    """A form that creates (an event, a series, a site) is for those who may send it: an organiser somewhere."""
    if not _organiser_orgs(user):
        raise Forbidden()


async def _site_options(user: CurrentUser) -> list[tuple[str, str]]:
    return [("", _("No site"))] + [(str(s["id"]), f"{s['name']} ({s['city']})") for s in await sites.list_sites(user)]


def _local(value, tz: str) -> str:
    return value.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%dT%H:%M") if value else ""


class EventConsole(Controller):
    path = "/events"
    include_in_schema = False

    @get("/")
    async def index(
        self,
        request: User,
        when: FromQuery[str] = "upcoming",
        format: FromQuery[str] = "",
        status: FromQuery[str] = "",
        partner: FromQuery[str] = "",
    ) -> Template:
        when = "past" if when == "past" else "upcoming"
        events = await services.list_events(
            request.user,
            when=when,
            format=format or None,
            status=status or None,
            partner=int(partner) if partner.isdigit() else None,
        )
        partner_options = [("", _("All partners"))]
        for organisation_id in request.user.organisation_ids:
            partner_options += [
                (str(p["id"]), p["name"]) for p in await directory.partners(request.user, organisation_id)
            ]
        return page(
            "events/list.html",
            events=events,
            when=when,
            values={"format": format, "status": status, "partner": partner, "when": when},
            errors={},
            format_options=[("", _("All formats"))] + _options("format", Format),
            status_options=[("", _("All statuses"))] + _options("event_status", EventStatus),
            partner_options=partner_options,
            organiser_orgs=_organiser_orgs(request.user),
        )

    @get("/new")
    async def new(self, request: User, format: FromQuery[str] = "") -> Template:
        _may_create(request.user)
        organisations = _organiser_orgs(request.user)
        if format not in Format.__members__:
            return page(
                "events/choose_format.html",
                formats=list(Format),
                builtin=formats.BUILTIN,
                descriptions=formats.DESCRIPTIONS,
            )
        chosen = Format(format)
        defaults = await formats.defaults(organisations[0], chosen) if organisations else formats.BUILTIN[chosen]
        start = next_working_day(date.today() + timedelta(days=21))  # never a Sunday or a bank holiday
        values = {
            "format": chosen.value,
            "starts_on": start.isoformat(),
            **{k: "" if defaults.get(k) is None else defaults.get(k) for k in formats.EVENT_FIELDS},
        }
        return page(
            "events/new.html",
            values=values,
            errors={},
            format=chosen,
            defaults=defaults,
            repeatable="rrule" in defaults,
        )

    @post("/new")
    async def create(self, request: User) -> Template | Redirect:
        _may_create(request.user)  # refused before the form is read
        values = await form_data(request)
        try:
            data = from_form(NewEventInput, values, checkboxes=EVENT_CHECKBOXES)
            event_id = await services.create_event(request.user, data)
        except Refusal as error:
            chosen = Format(values.get("format")) if values.get("format") in Format.__members__ else Format.rallye
            return form_page(
                "events/new.html",
                error,
                values,
                format=chosen,
                defaults=formats.BUILTIN[chosen],
                repeatable="rrule" in formats.BUILTIN[chosen],
            )
        flash(request, _("The event was created as a draft. Check its programme, then publish it."))
        return Redirect(f"/events/{event_id}")

    @get("/{event_id:int}")
    async def show(self, request: User, event_id: FromPath[int]) -> Template:
        return await _event_page(request, event_id)

    @get("/{event_id:int}/edit")
    async def edit(self, request: User, event_id: FromPath[int]) -> Template:
        event = await services.editable_event(request.user, event_id)
        values = {name: getattr(event, name) for name in EventInput.__struct_fields__}
        for name in ("registration_opens_at", "registration_closes_at"):
            values[name] = _local(values[name], event.timezone)
        values = {k: "" if v is None else v for k, v in values.items()}
        values |= {f"option_{k}": v for k, v in event.options.items() if k in OPTION_FIELDS}
        return page("events/edit.html", event=event, values=values, errors={}, **_option_context(event.options))

    @post("/{event_id:int}/edit")
    async def update(self, request: User, event_id: FromPath[int]) -> Template | Redirect:
        values = await form_data(request)
        event = await services.editable_event(request.user, event_id)
        names = _option_names(event.options)
        try:
            form = {k: v for k, v in values.items() if not k.startswith("option_")}
            data = from_form(EventInput, {**form, "timezone": event.timezone}, checkboxes=EVENT_CHECKBOXES)
            changes = _struct_dict(data) | {"options": {**event.options, **option_values(values, names)}}
            await services.update_event(request.user, event_id, changes)
        except Refusal as error:
            return form_page("events/edit.html", error, values, event=event, **_option_context(event.options))
        flash(request, _("Changes saved."))
        return Redirect(f"/events/{event_id}")

    @post("/{event_id:int}/status")
    async def status(self, request: User, event_id: FromPath[int]) -> Template | Redirect:
        await services.editable_event(request.user, event_id)  # refused before the form is read
        values = await form_data(request)
        if values.get("status", "") not in EventStatus.__members__:
            flash(request, _("Choose one of the proposed options."), "error")
            return Redirect(f"/events/{event_id}")
        target = EventStatus(values["status"])
        check = None if values.get("confirmed") else await services.status_check(request.user, event_id, target)
        if check is not None:  # publishing with warnings, or cancelling with youths to tell: ask first
            event = await services.get_event(request.user, event_id)
            return page("events/confirm_status.html", event=event, target=target, check=check)
        try:
            await services.set_status(request.user, event_id, target, reason=values.get("reason", ""))
        except Refusal as error:
            flash(request, error.text(), "error")
        else:
            flash(request, _("Status changed: %(status)s.", status=label("event_status", target)))
        return Redirect(f"/events/{event_id}")

    @post("/{event_id:int}/sessions")
    async def add_session(self, request: User, event_id: FromPath[int]) -> Template | Redirect:
        await services.editable_event(request.user, event_id)  # refused before the form is read
        values = await form_data(request)
        try:
            await services.add_session(request.user, event_id, from_form(SessionInput, values))
        except Refusal as error:
            return await _event_page(request, event_id, session_error=error, session_values=values)
        flash(request, _("Session added."))
        return Redirect(f"/events/{event_id}#programme")

    @post("/{event_id:int}/partners")
    async def set_partner(self, request: User, event_id: FromPath[int]) -> Template | Redirect:
        await services.editable_event(request.user, event_id)  # refused before the form is read
        values = await form_data(request)
        try:
            await services.set_partner(request.user, event_id, from_form(PartnerInput, values))
        except Refusal as error:
            return await _event_page(request, event_id, partner_error=error, partner_values=values)
        flash(request, _("Partner attached."))
        return Redirect(f"/events/{event_id}#partners")

    @post("/{event_id:int}/partners/{organisation_id:int}/remove")
    async def remove_partner(self, request: User, event_id: FromPath[int], organisation_id: FromPath[int]) -> Redirect:
        await services.remove_partner(request.user, event_id, organisation_id)
        flash(request, _("Partner removed."))
        return Redirect(f"/events/{event_id}#partners")

    @post("/{event_id:int}/duplicate")
    async def duplicate(self, request: User, event_id: FromPath[int]) -> Template | Redirect:
        await services.editable_event(request.user, event_id)  # refused before the form is read
        values = await form_data(request)
        try:
            new_id = await services.duplicate_event(request.user, event_id, from_form(DuplicateInput, values))
        except Refusal as error:
            return await _event_page(request, event_id, duplicate_error=error, duplicate_values=values)
        flash(request, _("Copy created as a draft."))
        return Redirect(f"/events/{new_id}")

    @post("/{event_id:int}/cancel-occurrence")
    async def cancel_occurrence(self, request: User, event_id: FromPath[int]) -> Template | Redirect:
        values = await form_data(request)
        await services.editable_event(request.user, event_id)  # refused before anything is counted
        told = 0 if values.get("confirmed") else await services.people_to_tell(event_id)
        if told:  # youths to tell: ask first, as for cancelling an event
            event = await services.get_event(request.user, event_id)
            check = services.StatusCheck(warnings=[], told=told)
            return page("events/confirm_status.html", event=event, target=EventStatus.cancelled, check=check, only=True)
        await series.cancel_occurrence(request.user, event_id, reason=values.get("reason", ""))
        flash(request, _("This date is cancelled; the other dates of the series are unchanged."))
        return Redirect(f"/events/{event_id}")

    @post("/{event_id:int}/move-occurrence")
    async def move_occurrence(self, request: User, event_id: FromPath[int]) -> Template | Redirect:
        await services.editable_event(request.user, event_id)  # refused before the form is read
        values = await form_data(request)
        try:
            await series.move_occurrence(request.user, event_id, from_form(OccurrenceMove, values))
        except Refusal as error:
            return await _event_page(request, event_id, move_error=error, move_values=values)
        flash(request, _("This date was moved; the other dates of the series are unchanged."))
        return Redirect(f"/events/{event_id}")


def _option_names(options: dict) -> list[str]:
    return [name for name in OPTION_FIELDS if name in options]


def _option_context(options: dict) -> dict:
    return {"option_names": _option_names(options), "option_fields": OPTION_FIELDS}


def _struct_dict(data: Any) -> dict:
    return {name: getattr(data, name) for name in data.__struct_fields__}


async def _event_page(request: User, event_id: int, **forms: Any) -> Template:
    user = request.user
    event = await services.get_event(user, event_id)
    can_edit = user.at_least(event["organisation"], Role.organiser)
    co_organisers = (await access.partners_of(event_id)).co_organisers
    directory_options: list[tuple[str, str]] = []
    if can_edit:
        directory_options = [(str(p["id"]), p["name"]) for p in await directory.partners(user, event["organisation"])]
    status_code = 200
    errors: dict[str, dict] = {}
    for name in ("session", "partner", "duplicate", "move"):
        error = forms.get(f"{name}_error")
        errors[name] = errors_of(error) if error else {}
        if error:
            status_code = error.status_code
    next_year = event["starts_on"] + timedelta(weeks=52)
    return page(
        "events/show.html",
        status_code=status_code,
        event=event,
        days=await services.programme(event),
        partners=await services.partners(event_id),
        can_edit=can_edit,
        runs_event=access.runs(user, event["organisation"], co_organisers, Role.staff),  # check-in
        sees_series=event["organisation"] in user.roles,  # a series belongs to its organisation alone
        next_statuses=sorted(services.STATUS_CHANGES[EventStatus(event["status"])]),
        site_options=await _site_options(user) if can_edit else [],
        kind_options=_options("session_kind", SessionKind),
        role_options=_options("partner_role", PartnerRole),
        directory_options=directory_options,
        errors=errors,
        session_values=forms.get("session_values") or {"kind": "info"},
        partner_values=forms.get("partner_values") or {},
        duplicate_values=forms.get("duplicate_values") or {"starts_on": next_year.isoformat(), "title": event["title"]},
        move_values=forms.get("move_values") or {},
        reminders=_reminders(event),
    )


def _reminders(event: dict) -> list[tuple[str, str, bool]]:
    """The automatic messages of the event's rhythm, and whether each is on."""
    chosen = rhythm.enabled(event["options"])
    return [(rule.key, _(rule.label), rule.key in chosen) for rule in rhythm.SCHEDULE]


class SessionConsole(Controller):
    path = "/sessions"
    include_in_schema = False

    @get("/{session_id:int}/edit")
    async def edit(self, request: User, session_id: FromPath[int]) -> Template:
        session = await services.get_session(request.user, session_id)
        event = await services.editable_event(request.user, session["event"])
        values = {
            **session,
            "starts_at": _local(session["starts_at"], event.timezone),
            "ends_at": _local(session["ends_at"], event.timezone),
            "site_id": session["site"] or "",
        }
        values = {k: "" if v is None else v for k, v in values.items()}
        return page(
            "events/session_edit.html",
            session=session,
            event=event,
            values=values,
            errors={},
            site_options=await _site_options(request.user),
            kind_options=_options("session_kind", SessionKind),
        )

    @post("/{session_id:int}/edit")
    async def update(self, request: User, session_id: FromPath[int]) -> Template | Redirect:
        session = await services.get_session(request.user, session_id)
        values = await form_data(request)
        try:
            await services.update_session(request.user, session_id, from_form(SessionInput, values))
        except Refusal as error:
            event = await services.editable_event(request.user, session["event"])
            return form_page(
                "events/session_edit.html",
                error,
                values,
                session=session,
                event=event,
                site_options=await _site_options(request.user),
                kind_options=_options("session_kind", SessionKind),
            )
        flash(request, _("Session saved."))
        return Redirect(f"/events/{session['event']}#programme")

    @post("/{session_id:int}/delete")
    async def remove(self, request: User, session_id: FromPath[int]) -> Template | Redirect:
        values = await form_data(request)
        session = await services.get_session(request.user, session_id)
        told = 0 if values.get("confirmed") else await services.session_audience(request.user, session_id)
        if told:  # youths will be texted: say how many and ask first
            event = await services.get_event(request.user, session["event"])
            return page("events/confirm_session_removal.html", event=event, session=session, told=told)
        await services.delete_session(request.user, session_id, reason=values.get("reason", ""))
        flash(request, _("Session removed."))
        return Redirect(f"/events/{session['event']}#programme")


SITE_CHECKBOXES = ("accessible",)


def _opening_hours(form: dict[str, str]) -> list[dict[str, object]]:
    """One window per day from the form's "open_<weekday>_start/end" pairs; an empty day is closed."""
    windows = []
    for weekday in range(7):
        start, end = form.get(f"open_{weekday}_start", ""), form.get(f"open_{weekday}_end", "")
        if start or end:
            windows.append({"weekday": weekday, "start": start[:5], "end": end[:5]})
    return windows


def _without_opening(form: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in form.items() if not k.startswith("open_")}


def _opening_values(windows: list[dict]) -> dict[str, str]:
    values = {}
    for window in windows:
        values[f"open_{window['weekday']}_start"] = window["start"]
        values[f"open_{window['weekday']}_end"] = window["end"]
    return values


def _site_form_context() -> dict:
    return {
        "weekday_names": [
            format_date(date(2024, 1, 1 + d), "EEEE", locale=current_language.get()).capitalize() for d in range(7)
        ],
        "kind_options": _options("site_kind", SiteKind),
        "sector_options": [("", _("Not specified"))] + [(s, label("sector", s)) for s in sites.SECTORS],
    }


class SiteConsole(Controller):
    path = "/sites"
    include_in_schema = False

    @get("/")
    async def index(self, request: User) -> Template:
        editable = bool(_organiser_orgs(request.user))  # "Add" and "Change" for those who may
        return page("events/sites.html", sites=await sites.list_sites(request.user), editable=editable)

    @get("/new")
    async def new(self, request: User) -> Template:
        _may_create(request.user)
        return page(
            "events/site_form.html",
            site=None,
            values={"capacity_per_slot": 1, "visit_minutes": 45},
            errors={},
            **_site_form_context(),
        )

    @post("/new")
    async def create(self, request: User) -> Template | Redirect:
        _may_create(request.user)  # refused before the form is read
        values = await form_data(request)
        try:
            data = from_form(
                SiteInput,
                _without_opening(values),
                checkboxes=SITE_CHECKBOXES,
                lists={"opening_hours": _opening_hours(values)},
            )
            await sites.create_site(request.user, data)
        except Refusal as error:
            return form_page("events/site_form.html", error, values, site=None, **_site_form_context())
        flash(request, _("Site saved."))
        return Redirect("/sites/")

    @get("/{site_id:int}/edit")
    async def edit(self, request: User, site_id: FromPath[int]) -> Template:
        site = await sites.get_site(request.user, site_id)
        require_role(request.user, site["organisation"], Role.organiser)  # as to send the form
        values = {k: "" if v is None else v for k, v in site.items()} | _opening_values(site["opening_hours"] or [])
        return page("events/site_form.html", site=site, values=values, errors={}, **_site_form_context())

    @post("/{site_id:int}/edit")
    async def update(self, request: User, site_id: FromPath[int]) -> Template | Redirect:
        site = await sites.get_site(request.user, site_id)
        require_role(request.user, site["organisation"], Role.organiser)  # refused before the form is read
        values = await form_data(request)
        try:
            data = from_form(
                SiteInput,
                _without_opening(values),
                checkboxes=SITE_CHECKBOXES,
                lists={"opening_hours": _opening_hours(values)},
            )
            await sites.update_site(request.user, site_id, data)
        except Refusal as error:
            return form_page("events/site_form.html", error, values, site=site, **_site_form_context())
        flash(request, _("Site saved."))
        return Redirect("/sites/")


WORDS = ("every", "unit", "weekday", "week", "until", "count")
UNITS = (("weeks", lazy("weeks")), ("months", lazy("months")))
WEEKS = (("1", lazy("first")), ("2", lazy("second")), ("3", lazy("third")), ("4", lazy("fourth")), ("-1", lazy("last")))
MEETING_PLACES = (SiteKind.mission_locale, SiteKind.siae, SiteKind.social_centre, SiteKind.outdoors)


def _words(values: dict) -> dict[str, str]:
    return {k: str(values[k]) for k in WORDS if k in values}


def _preview(values: dict[str, str]) -> dict:
    """The preview's context: the rule, its sentence and next dates, or why they cannot be worked out yet."""
    try:
        rule = series.rule_of(from_form(RuleInWords, _words(values)), str(values.get("rrule", "")))
        shown = from_form(SeriesStart, {k: str(values.get(k, "")) for k in ("first_start", "duration_minutes")})
        found = series.preview(rule, shown.first_start, shown.duration_minutes, "Europe/Paris")
    except Refusal as error:
        return {"preview": None, "error": error.text()}
    return {"preview": found, "rule": rule}


async def _series_form(user: CurrentUser, values: dict, chosen: Format, error: Refusal | None = None) -> Template:
    """The new-series form: the repetition in words (or an expert's rule), and places, meeting places first."""
    listed = await sites.list_sites(user)
    context = {
        "format": chosen,
        "site_groups": [
            (_("Meeting places"), [s for s in listed if s["kind"] in MEETING_PLACES]),
            (_("Companies"), [s for s in listed if s["kind"] not in MEETING_PLACES]),
        ],
        "site_options": await _site_options(user),
        "units": [(v, _(t)) for v, t in UNITS],
        "weeks": [(v, _(t)) for v, t in WEEKS],
        "weekdays": [(code, label("weekday", str(i))) for i, code in enumerate(rules.WEEKDAYS)],
        "shown": _preview(values),
    }
    if error is not None:
        return form_page("events/series_new.html", error, values, **context)
    return page("events/series_new.html", values=values, errors={}, **context)


class SeriesConsole(Controller):
    path = "/series"
    include_in_schema = False

    @get("/new")
    async def new(self, request: User, format: FromQuery[str] = "info_collective") -> Template:
        _may_create(request.user)
        chosen = Format(format) if format in Format.__members__ else Format.info_collective
        defaults = formats.BUILTIN[chosen]
        first = defaults["programme"][0]
        rule = defaults.get("rrule", "FREQ=WEEKLY;BYDAY=MO")
        words = rules.composed(rule)  # the builder shows the format's rule in words; an unusual one stays raw
        values = {
            "format": chosen.value,
            **(words or {"rrule": rule}),
            "first_start": f"{(date.today() + timedelta(days=14)).isoformat()}T{first[3]}",
            "duration_minutes": _minutes(first[3], first[4]),
            "capacity": defaults.get("capacity") or "",
            "title": label("format", chosen),
        }
        return await _series_form(request.user, values, chosen)

    @post("/preview")
    async def preview(self, request: User) -> Template:
        """The rule in words and its next dates, as the organiser composes it (htmx)."""
        return page("events/_series_preview.html", **_preview(await form_data(request)))

    @post("/new")
    async def create(self, request: User) -> Template | Redirect:
        _may_create(request.user)  # refused before the form is read
        values = await form_data(request)
        form = await request.form()
        rotation = [int(v) for v in form.getall("rotation_site_ids", []) if str(v).isdigit()]
        chosen = Format(values.get("format")) if values.get("format") in Format.__members__ else Format.info_collective
        try:
            rule = series.rule_of(from_form(RuleInWords, _words(values)), values.get("rrule", ""))
            data = from_form(
                SeriesInput,
                {k: v for k, v in values.items() if k != "rotation_site_ids" and k not in WORDS} | {"rrule": rule},
                lists={"rotation_site_ids": rotation},
            )
            series_id = await series.create_series(request.user, data)
        except Refusal as error:
            return await _series_form(request.user, values, chosen, error)
        flash(request, _("The series and its dates were created."))
        return Redirect(f"/series/{series_id}")

    @get("/{series_id:int}")
    async def show(self, request: User, series_id: FromPath[int]) -> Template:
        row = await series.get_series(request.user, series_id)
        return page("events/series_show.html", series=row, values={}, errors={}, describe_rule=describe_rule)

    @post("/{series_id:int}/change")
    async def change(self, request: User, series_id: FromPath[int]) -> Template | Redirect:
        values = await form_data(request)
        try:
            data = from_form(SeriesChange, values)
            target = await series.change_series(request.user, series_id, data)
        except Refusal as error:
            row = await series.get_series(request.user, series_id)
            return form_page("events/series_show.html", error, values, series=row, describe_rule=describe_rule)
        flash(request, _("The series was changed."))
        return Redirect(f"/series/{target}")


def _minutes(start: str, end: str) -> int:
    sh, sm = (int(x) for x in start.split(":"))
    eh, em = (int(x) for x in end.split(":"))
    return (eh * 60 + em) - (sh * 60 + sm)


class FormatConsole(Controller):
    """An organisation's own defaults for each format: what new events start from."""

    path = "/organisations/{organisation_id:int}/formats"
    include_in_schema = False

    async def _page(self, user: CurrentUser, organisation_id: int, status_code: int = 200, **forms: Any) -> Template:
        require_role(user, organisation_id, Role.organiser)
        cards = []
        for format in Format:
            values = await formats.defaults(organisation_id, format)
            form_values = {
                "capacity": values.get("capacity") or "",
                "days": values.get("days", 1),
                "rrule": values.get("rrule", ""),
            }
            form_values |= {f"option_{k}": v for k, v in values.items() if k in OPTION_FIELDS}
            errors = {}
            if forms.get("format") == format:
                form_values, errors = forms["values"], forms["errors"]
            cards.append(
                {
                    "format": format,
                    "values": form_values,
                    "errors": errors,
                    "repeats": "rrule" in values,
                    "option_names": _option_names(values),
                }
            )
        return page(
            "events/formats.html",
            status_code=status_code,
            cards=cards,
            option_fields=OPTION_FIELDS,
            organisation_id=organisation_id,
        )

    @get("/")
    async def index(self, request: User, organisation_id: FromPath[int]) -> Template:
        return await self._page(request.user, organisation_id)

    @post("/{format:str}")
    async def save(
        self, request: User, organisation_id: FromPath[int], format: FromPath[Format]
    ) -> Template | Redirect:
        values = await form_data(request)
        require_role(request.user, organisation_id, Role.organiser)
        current = await formats.defaults(organisation_id, format)
        try:
            saved = {
                "days": _whole(values.get("days", ""), "days", 1),
                "capacity": _whole(values["capacity"], "capacity", 1) if values.get("capacity") else None,
            }
            if "rrule" in current:
                saved["rrule"] = values.get("rrule", "").strip() or current["rrule"]
            saved |= option_values(values, _option_names(current))
            await formats.save_defaults(request.user, organisation_id, format, saved)
        except Refusal as error:
            return await self._page(
                request.user,
                organisation_id,
                error.status_code,
                format=format,
                values=values,
                errors=errors_of(error),
            )
        flash(request, _("Defaults saved: new events of this format start from them."))
        return Redirect(f"/organisations/{organisation_id}/formats/#format-{format.value}")


def _whole(raw: str, field: str, minimum: int) -> int:
    if not raw.strip().isdigit() or len(raw.strip()) > 9 or int(raw) < minimum:
        raise InvalidInput(lazy("Enter a whole number."), field=field)
    return int(raw)


ROUTES = [EventConsole, SessionConsole, SiteConsole, SeriesConsole, FormatConsole]
