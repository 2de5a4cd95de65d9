"""The exports: for each, its French header (through the catalogues) and its rows, read a page at a time.

Dates are ISO (2026-03-05), times local to the minute (2026-03-05 14:30), phone numbers in national form
(06 12 34 56 78); labels are those of the console. The FSE+ rules are in docs/reporting.md.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from checkin.console import status_label
from checkin.presence import ATTENDED, attended, minutes
from checkin.services import aware
from core.clock import utcnow
from core.i18n import gettext as _
from core.i18n import lazy
from core.labels import label
from outcomes.situations import CATEGORY_LABELS, RESULT_LABELS, SITUATION_LABELS, SOURCE_LABELS, category
from outcomes.tables import Result, Situation
from registration.tables import Registration, RegistrationStatus
from reporting import fse
from reporting.cells import age_band, contact, hours
from reporting.rows import local, local_day, pages, youths_at_sessions, zone
from reporting.scope import Scope

Rows = Callable[[Scope], AsyncIterator[list[Any]]]


@dataclass(frozen=True)
class Export:
    kind: str
    title: str  # msgid
    description: str  # msgid
    header: tuple[str, ...]  # msgids
    rows: Rows

    def header_text(self) -> list[str]:
        return [_(h) for h in self.header]


# --------------------------------------------------------------------------- registrations

# One registration's status, as a row reads it (the console's labels name groups: "Inscrits").
REGISTRATION_STATUS = {
    "pending": lazy("Registration status: to confirm"),
    "confirmed": lazy("Registration status: registered"),
    "waiting": lazy("Registration status: waiting list"),
    "cancelled": lazy("Registration status: cancelled"),
    "refused": lazy("Registration status: refused"),
}

_REGISTRATION_COLUMNS = (
    Registration.id,
    Registration.status,
    Registration.source,
    Registration.created_at,
    Registration.cancelled_at,
    Registration.participant.last_name.as_alias("last_name"),
    Registration.participant.first_name.as_alias("first_name"),
    Registration.participant.birth_date.as_alias("birth_date"),
    Registration.participant.phone.as_alias("phone"),
    Registration.participant.email.as_alias("email"),
    Registration.participant.postcode.as_alias("postcode"),
    Registration.participant.commune.as_alias("commune"),
    Registration.participant.qpv.as_alias("qpv"),
    Registration.event.title.as_alias("event_title"),
    Registration.event.format.as_alias("format"),
    Registration.event.starts_on.as_alias("starts_on"),
    Registration.session.title.as_alias("session_title"),
    Registration.referred_by.full_name.as_alias("adviser"),
    Registration.referring_organisation.name.as_alias("referring"),
)
_event_starts = Registration.event.starts_on


async def registration_rows(scope: Scope) -> AsyncIterator[list[Any]]:
    def query(last: int):
        q = Registration.select(*_REGISTRATION_COLUMNS).where(scope.registrations() & (Registration.id > last))
        if scope.event is None:
            q = q.where((_event_starts >= scope.start) & (_event_starts <= scope.end))
        return q.order_by(Registration.id)

    async for r in pages(query):
        yield [
            r["last_name"],
            r["first_name"],
            r["birth_date"],
            age_band(r["birth_date"], r["starts_on"]),
            *contact(scope, r),
            r["postcode"],
            r["commune"],
            r["qpv"],
            r["event_title"],
            label("format", r["format"]),
            r["starts_on"],
            r["session_title"] or "",
            _(REGISTRATION_STATUS[r["status"]]),
            label("source", r["source"]),
            r["adviser"] or "",
            r["referring"] or "",
            local(r["created_at"]),
            local(r["cancelled_at"]),
        ]


# --------------------------------------------------------------------------- attendance


async def attendance_rows(scope: Scope) -> AsyncIterator[list[Any]]:
    """One row per youth with a place (or recorded anyway) and session. Without any record, a session that
    has ended reads as an unexcused absence, one still to come as nothing yet."""
    now = utcnow()
    async for registration, session, record in youths_at_sessions(scope):
        if registration["status"] != RegistrationStatus.confirmed and record is None:
            continue
        starts, ends, tz = aware(session["starts_at"]), aware(session["ends_at"]), zone(session["timezone"])
        status = record["status"] if record else ("absent" if ends <= now else None)
        entered = aware(record["scanned_at"]) if record and record["scanned_at"] else None
        left = aware(record["exited_at"]) if record and record["exited_at"] else None
        shown = status in ATTENDED
        yield [
            registration["last_name"],
            registration["first_name"],
            registration["birth_date"],
            session["event_title"],
            session["title"],
            local_day(starts, tz),
            local(starts, tz)[11:],
            local(ends, tz)[11:],
            status_label(status),
            local(entered, tz)[11:] if shown else "",
            local(left, tz)[11:] if shown else "",
            hours(minutes(attended(status, starts, ends, entered, left))),
        ]


# --------------------------------------------------------------------------- outcomes

_RESULT_COLUMNS = (
    Result.id,
    Result.kind,
    Result.company_name,
    Result.recorded_at,
    Result.company.name.as_alias("company_label"),
    Result.recorded_by.full_name.as_alias("author"),
    Result.registration.participant.last_name.as_alias("last_name"),
    Result.registration.participant.first_name.as_alias("first_name"),
    Result.registration.event.title.as_alias("event_title"),
)
_SITUATION_COLUMNS = (
    Situation.id,
    Situation.kind,
    Situation.since,
    Situation.employer,
    Situation.source,
    Situation.recorded_at,
    Situation.recorded_by.full_name.as_alias("author"),
    Situation.participant.last_name.as_alias("last_name"),
    Situation.participant.first_name.as_alias("first_name"),
    Situation.event.title.as_alias("event_title"),
)


def _results(scope: Scope) -> Callable[[int], Any]:
    registrations = Registration.select(Registration.id).where(scope.registrations())

    def query(last: int):
        q = Result.select(*_RESULT_COLUMNS).where(
            Result.registration.is_in(registrations) & Result.withdrawn_at.is_null() & (Result.id > last)
        )
        if scope.event is None:
            q = q.where((Result.recorded_at >= scope.first_instant) & (Result.recorded_at < scope.after_instant))
        return q.order_by(Result.id)

    return query


def _situations(scope: Scope) -> Callable[[int], Any]:
    """The situations of the youths exported, dated in the period; for one event, those following it or
    dated from its first day."""
    youths = Registration.select(Registration.participant).where(scope.registrations())

    def query(last: int):
        q = Situation.select(*_SITUATION_COLUMNS).where(Situation.participant.is_in(youths) & (Situation.id > last))
        if scope.event is None:
            q = q.where((Situation.since >= scope.start) & (Situation.since <= scope.end))
        else:
            q = q.where((Situation.event == scope.event["id"]) | (Situation.since >= scope.event["starts_on"]))
        return q.order_by(Situation.id)

    return query


async def outcome_rows(scope: Scope) -> AsyncIterator[list[Any]]:
    """Results on the spot, then situations."""
    async for r in pages(_results(scope)):
        yield [
            _("Result on the spot"),
            r["last_name"],
            r["first_name"],
            local_day(aware(r["recorded_at"])),
            r["event_title"] or "",
            _(RESULT_LABELS[r["kind"]]),
            "",
            r["company_label"] or r["company_name"],
            "",
            r["author"] or "",
            local(aware(r["recorded_at"])),
        ]
    async for s in pages(_situations(scope)):
        yield [
            _("Situation"),
            s["last_name"],
            s["first_name"],
            s["since"],
            s["event_title"] or "",
            _(SITUATION_LABELS[s["kind"]]),
            _(CATEGORY_LABELS[category(s["kind"])]),
            s["employer"],
            _(SOURCE_LABELS[s["source"]]),
            s["author"] or "",
            local(aware(s["recorded_at"])),
        ]


# --------------------------------------------------------------------------- Mission Locale re-entry

ML_STATUS = {
    "registered": lazy("Session status: registered"),
    "refused_by_youth": lazy("Session status: refused by the youth"),
    "refused_by_organiser": lazy("Session status: refused by the organiser"),
    "attended": lazy("Session status: attended"),
}


def ml_status(registration_status: str, record: dict | None) -> str | None:
    """The ML's session status: attended when recorded present, late or leaving early; a cancellation is
    the youth's refusal, a refusal the organiser's; a place is "registered". Waiting lists and registrations
    awaiting approval are not statuses an ML records: left out (None)."""
    if record is not None and record["status"] in ATTENDED:
        return "attended"
    return {
        RegistrationStatus.confirmed: "registered",
        RegistrationStatus.cancelled: "refused_by_youth",
        RegistrationStatus.refused: "refused_by_organiser",
    }.get(RegistrationStatus(registration_status))


async def ml_rows(scope: Scope) -> AsyncIterator[list[Any]]:
    async for registration, session, record in youths_at_sessions(scope):
        status = ml_status(registration["status"], record)
        if status is None:
            continue
        starts, tz = aware(session["starts_at"]), zone(session["timezone"])
        yield [
            registration["last_name"],
            registration["first_name"],
            registration["birth_date"],
            *contact(scope, registration),
            local_day(starts, tz),
            local(starts, tz)[11:],
            session["event_title"],
            session["title"],
            session["organiser"],
            _(ML_STATUS[status]),
            status,
        ]


# --------------------------------------------------------------------------- the list

ADDRESS = (lazy("Last name"), lazy("First name"), lazy("Birth date"))
CONTACT = (lazy("Phone"), lazy("E-mail"))

EXPORTS: dict[str, Export] = {
    e.kind: e
    for e in (
        Export(
            "registrations",
            lazy("Registrations"),
            lazy("Each registration: the youth, where they live, the event, its status and who referred them."),
            (
                *ADDRESS,
                lazy("Age band"),
                *CONTACT,
                lazy("Postcode"),
                lazy("Town"),
                lazy("QPV"),
                lazy("Event"),
                lazy("Format"),
                lazy("Event start"),
                lazy("Session"),
                lazy("Status"),
                lazy("Source"),
                lazy("Adviser"),
                lazy("Referring organisation"),
                lazy("Registered on"),
                lazy("Cancelled on"),
            ),
            registration_rows,
        ),
        Export(
            "attendance",
            lazy("Attendance and hours"),
            lazy("One row per youth and session: attendance status, entry and exit times, hours attended."),
            (
                *ADDRESS,
                lazy("Event"),
                lazy("Session"),
                lazy("Date"),
                lazy("Start"),
                lazy("End"),
                lazy("Attendance"),
                lazy("Entry"),
                lazy("Exit"),
                lazy("Hours attended"),
            ),
            attendance_rows,
        ),
        Export(
            "outcomes",
            lazy("Outcomes"),
            lazy("Results on the spot (with the company and who recorded them) and situations at follow-up dates."),
            (
                lazy("Type"),
                lazy("Last name"),
                lazy("First name"),
                lazy("Date"),
                lazy("Event"),
                lazy("Result or situation"),
                lazy("Category"),
                lazy("Company or employer"),
                lazy("Source"),
                lazy("Recorded by"),
                lazy("Recorded on"),
            ),
            outcome_rows,
        ),
        Export(
            "fse",
            lazy("FSE+ participants"),
            lazy("One row per youth who came in the period: entry and exit dates, situation at entry and at exit."),
            fse.HEADER,
            fse.rows,
        ),
        Export(
            "mission-locale",
            lazy("Mission Locale re-entry"),
            lazy("One row per youth and session, with the statuses of the Mission Locale's own system."),
            (
                *ADDRESS,
                *CONTACT,
                lazy("Date"),
                lazy("Start"),
                lazy("Event"),
                lazy("Session"),
                lazy("Organising structure"),
                lazy("Status"),
                lazy("Status code"),
            ),
            ml_rows,
        ),
    )
}
FORMATS = ("csv", "xlsx")
