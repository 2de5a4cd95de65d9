"""Situations brought in from a spreadsheet (CSV): an organisation's follow-up table, a funder's tool's export.

Every row is checked as the situation form checks it (`services.situation_errors`), plus what only a file can
get wrong: a youth not found, or found twice, in the organisation's records; a situation, source or date that
does not read; the same situation twice. A preview (`dry_run`) reports each rejected row with every reason and
saves nothing; the import saves the accepted rows in one transaction, each through `record_situation` (so a
matching follow-up is done, as from the form), and never changes what is already saved.

Youths are looked for among the records the organisation holds: another organisation's youth reads as unknown,
so a file cannot tell whether someone is known elsewhere."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from accounts.services import CurrentUser, require_role
from accounts.tables import Organisation, Role
from checkin.services import came
from core import spreadsheets
from core.clock import utcnow
from core.db import write_transaction
from core.errors import InvalidInput, NotFound
from core.i18n import catalogue, lazy
from core.text import fold
from events.tables import Event
from outcomes import errors
from outcomes.services import SituationInput, record_situation, situation_errors
from outcomes.situations import SITUATION_LABELS
from outcomes.tables import FollowUp, Situation, SituationKind, Source
from registration.people import normalise_phone
from registration.tables import Participant, Registration, fold_name

MAX_ROWS = 1000
COLUMNS = {
    "phone": ("telephone", "portable", "mobile", "tel"),
    "last_name": ("nom", "nom de famille", "last name", "lastname"),
    "first_name": ("prenom", "first name", "firstname"),
    "birth_date": ("date de naissance", "date naissance", "naissance", "birth date", "date of birth"),
    "event": ("evenement", "event id", "evenement id", "titre evenement"),
    "event_date": ("date evenement", "date de l'evenement", "event date"),
    "since": ("date situation", "date de la situation", "date", "depuis", "situation date"),
    "kind": ("situation",),
    "source": ("qui", "declare par"),
    "contract_months": ("duree contrat mois", "duree contrat", "duree du contrat", "duree du contrat (mois)", "mois"),
    "employer": ("employeur", "entreprise", "company"),
    "notes": ("commentaire", "commentaires", "remarque", "comment", "notes"),
}
HEADERS = (  # the model file's header, in the users' words
    "telephone",
    "nom",
    "prenom",
    "date_naissance",
    "evenement",
    "date_evenement",
    "date_situation",
    "situation",
    "source",
    "duree_contrat_mois",
    "employeur",
    "commentaire",
)
FIELD_LABELS = {  # how a rejected row's reasons are headed in the console (the API gives `field`)
    "youth": lazy("Youth"),
    "phone": lazy("Phone"),
    "birth_date": lazy("Date of birth"),
    "event": lazy("Event"),
    "event_date": lazy("Date of the event"),
    "since": lazy("Date of the situation"),
    "kind": lazy("Situation"),
    "source": lazy("Source"),
    "contract_months": lazy("Contract length, in months"),
}
SOURCES = {
    "jeune": Source.youth,
    "le jeune": Source.youth,
    "conseiller": Source.adviser,
    "conseillere": Source.adviser,
    "employeur": Source.employer,
    "entreprise": Source.employer,
    "organisateur": Source.organiser,
    "organisatrice": Source.organiser,
    **{s.value: s for s in Source},
}


@dataclass(frozen=True)
class RowError:
    field: str
    code: str
    message: str


@dataclass
class RejectedRow:
    line: int
    who: str
    errors: list[RowError]


@dataclass
class AcceptedRow:
    line: int
    who: str
    participant: int
    data: SituationInput


@dataclass
class ImportReport:
    accepted: list[AcceptedRow] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)
    saved: int = 0  # 0 in a preview
    dry_run: bool = True


def model_file() -> bytes:
    """The CSV a user downloads to fill in: the header and one example row (UTF-8 with a BOM, so Excel shows
    the accents)."""
    example = ("06 12 34 56 78", "Benali", "Inès", "12/04/2005", "", "", "15/01/2026", "CDI", "employeur")
    row = ";".join(example + ("", "Boulangerie Martin", "Embauchée après la visite"))
    return ("\ufeff" + ";".join(HEADERS) + "\r\n" + row + "\r\n").encode()


async def import_situations(
    user: CurrentUser, organisation_id: int, content: bytes, *, dry_run: bool, now: datetime | None = None
) -> ImportReport:
    """Check every row of the file (and save the accepted ones unless `dry_run`). The organisation's
    organisers only (an API token with the write scope acts as one)."""
    require_role(user, organisation_id, Role.organiser)
    now = now or utcnow()
    report = await check_file(organisation_id, content, today=now.date())
    report.dry_run = dry_run
    if not dry_run and report.accepted:
        report.saved = await _save(user, report.accepted, now)
    return report


def _rows(content: bytes) -> list[list[str]]:
    if len(content) > spreadsheets.MAX_CSV_BYTES:
        raise errors.FileTooLarge(field="file", size=spreadsheets.MAX_CSV_BYTES // (1024 * 1024))
    rows = spreadsheets.read_rows(content)
    if not rows or all(spreadsheets.is_blank(r) for r in rows[1:]):
        raise errors.EmptyFile(field="file")
    if len(rows) - 1 > MAX_ROWS:
        raise errors.TooManyRows(field="file", rows=len(rows) - 1, limit=MAX_ROWS)
    return rows


async def check_file(organisation_id: int, content: bytes, *, today: date) -> ImportReport:
    """Each row accepted or rejected with all its reasons; the whole file refused (ImportRefused) when it is
    too large, empty, or lacks the columns every row needs."""
    rows = _rows(content)
    where = spreadsheets.columns(rows[0], COLUMNS)
    missing = [k for k in ("since", "kind") if k not in where]
    if "phone" not in where and not {"last_name", "first_name"} <= set(where):
        missing.append("phone")
    if missing:
        names = {"since": "date_situation", "kind": "situation", "phone": "telephone (ou nom, prenom)"}
        raise errors.MissingColumns(field="file", columns=", ".join(names[k] for k in missing))
    lines = [(n, spreadsheets.cells(row, where)) for n, row in enumerate(rows[1:], start=2)]
    lines = [(n, cells) for n, cells in lines if any(cells.values())]
    known = await _Known.load(organisation_id, [cells for _n, cells in lines])
    report = ImportReport()
    seen: dict[tuple[int, date, str], int] = {}
    taken: set[int] = set()  # follow-ups already answered by an earlier row
    for line, cells in lines:
        found, participant, data = await _check_row(known, cells, today)
        if participant is None or data.since is None or found:
            report.rejected.append(RejectedRow(line, _who(cells), [_error(e) for e in found]))
            continue
        key = (participant, data.since, data.kind)
        if key in known.situations or key in seen:
            again = errors.DuplicateRow(field="kind", line=seen[key]) if key in seen else None
            report.rejected.append(
                RejectedRow(line, _who(cells), [_error(again or errors.DuplicateSituation(field="kind"))])
            )
            continue
        seen[key] = line
        follow_up = known.follow_up(participant, data.event, data.since, taken)
        if follow_up:
            taken.add(follow_up)
        report.accepted.append(AcceptedRow(line, _who(cells), participant, replace(data, follow_up=follow_up)))
    return report


def _who(cells: dict[str, str]) -> str:
    return f"{cells.get('first_name', '')} {cells.get('last_name', '')}".strip() or cells.get("phone", "")


def _error(error: InvalidInput) -> RowError:
    return RowError(field=error.field or "", code=error.code, message=error.text())


async def _check_row(
    known: _Known, cells: dict[str, str], today: date
) -> tuple[list[InvalidInput], int | None, SituationInput]:
    """Every error of one row (each field once), the youth it names, and the situation as the form gives it."""
    found: list[InvalidInput] = []
    participant = known.youth(cells, found)
    since = _date(cells.get("since", ""), "since", found)
    event = known.event(participant, cells, since, found) if participant else None
    kind = known.kind(cells.get("kind", ""), found)
    source = _source(cells.get("source", ""), found)
    months = _months(cells.get("contract_months", ""), found)
    data = SituationInput(
        kind=kind,
        since=since,
        source=source,
        contract_months=months,
        employer=cells.get("employer", ""),
        notes=cells.get("notes", ""),
        event=event,
    )
    already = {e.field for e in found}
    found += [e for e in await situation_errors(data, today=today) if e.field not in already]
    return found, participant, data


def _date(value: str, name: str, found: list[InvalidInput]) -> date | None:
    if not value:
        if name == "since":
            found.append(errors.Required(field=name))
        return None
    day = spreadsheets.parse_date(value)
    if day is None:
        found.append(errors.BadDate(field=name, value=value))
    return day


def _source(value: str, found: list[InvalidInput]) -> str:
    if not value:
        return Source.organiser.value
    source = SOURCES.get(fold(value))
    if source is None:
        found.append(errors.UnknownSource(field="source", value=value))
        return Source.organiser.value
    return source.value


def _months(value: str, found: list[InvalidInput]) -> int | None:
    if not value:
        return None
    digits = value.lower().removesuffix("mois").strip()
    if not digits.isdigit():
        found.append(errors.BadNumber(field="contract_months", value=value))
        return None
    return int(digits)


def _name(text: str) -> str:
    """A situation's name as compared: folded, one space between words, one kind of apostrophe."""
    return " ".join(fold(text).replace("’", "'").split())


def _situation_names() -> dict[str, str]:
    """Each situation by its code and its label in French and English, folded: "CDI", "Chômage"…"""
    names: dict[str, str] = {}
    for kind, label in SITUATION_LABELS.items():
        names[_name(kind.value)] = kind.value
        for language in ("fr", "en"):
            text = catalogue(language).gettext(label)
            names[_name(text)] = kind.value
            names.setdefault(_name(re.sub(r"·\w+", "", text)), kind.value)  # "Inactif·ve" is written "Inactif"
            short = text.split(" (")[0]  # "Contrat à durée indéterminée (CDI)" is also written without the brackets
            names.setdefault(_name(short), kind.value)
            if "(" in text:  # and as what is in them: "CDI", "PMSMP"
                names.setdefault(_name(text.split("(")[1].rstrip(")")), kind.value)
    names.update({_name(k.name.replace("_", " ")): k.value for k in SituationKind})
    return names


@dataclass
class _Known:
    """What the rows are checked against, read once for the whole file: the organisation's youths named in
    it, its events, their registrations, open follow-ups and recorded situations."""

    organisation: int
    by_phone: dict[str, list[dict]]
    by_name: dict[tuple[str, date | None], list[dict]]
    events: list[dict]
    registrations: dict[tuple[int, int], int]  # (youth, event) -> registration
    attended: dict[int, list[dict]]  # youth -> events they came to, the latest first
    follow_ups: dict[int, list[dict]]  # registration -> open follow-ups
    situations: set[tuple[int, date, str]]
    names: dict[str, str]

    @classmethod
    async def load(cls, organisation: int, rows: list[dict[str, str]]) -> _Known:
        phones = {p for p in (_phone_or_none(r.get("phone", "")) for r in rows) if p}
        folded = {fold_name(r.get("first_name", ""), r.get("last_name", "")) for r in rows} - {""}
        youths: list[dict] = []
        for part in _chunks(sorted(phones)):
            youths += await _youths(organisation, Participant.phone.is_in(part))
        for part in _chunks(sorted(folded)):
            youths += await _youths(organisation, Participant.search_name.is_in(part))
        youths = list({y["id"]: y for y in youths}.values())
        by_phone: dict[str, list[dict]] = {}
        by_name: dict[tuple[str, date | None], list[dict]] = {}
        for y in youths:
            by_phone.setdefault(y["phone"], []).append(y)
            by_name.setdefault((y["search_name"], y["birth_date"]), []).append(y)
        events = await Event.select(Event.id, Event.title, Event.starts_on).where(Event.organisation == organisation)
        ids = [y["id"] for y in youths]
        registrations, came_to = await _registrations(ids, [e["id"] for e in events])
        return cls(
            organisation=organisation,
            by_phone=by_phone,
            by_name=by_name,
            events=events,
            registrations={(r["participant"], r["event"]): r["id"] for r in registrations},
            attended=_attended(registrations, came_to, {e["id"]: e for e in events}),
            follow_ups=await _open_follow_ups([r["id"] for r in registrations]),
            situations=await _situations(ids),
            names=_situation_names(),
        )

    def youth(self, cells: dict[str, str], found: list[InvalidInput]) -> int | None:
        """The one youth of the organisation the row names, by phone, else by name and date of birth."""
        phone, name = cells.get("phone", ""), fold_name(cells.get("first_name", ""), cells.get("last_name", ""))
        birth = _date(cells.get("birth_date", ""), "birth_date", found)
        if phone:
            try:
                matches = self.by_phone.get(normalise_phone(phone), [])
            except InvalidInput as error:
                found.append(error)
                return None
            if len(matches) > 1 and name:  # a shared phone (siblings): the name tells them apart
                matches = [y for y in matches if y["search_name"] == name]
        elif name and birth and " " in name:
            matches = self.by_name.get((name, birth), [])
        else:
            found.append(errors.YouthNotIdentified(field="youth"))
            return None
        if not matches and phone and name and birth:  # a new phone number: the name and birth date still tell
            matches = self.by_name.get((name, birth), [])
        if len(matches) != 1:
            found.append((errors.AmbiguousYouth if matches else errors.UnknownYouth)(field="youth"))
            return None
        return matches[0]["id"]

    def event(self, youth: int, cells: dict[str, str], since: date | None, found: list[InvalidInput]) -> int | None:
        """The event the row names (its number, or its title and date), which the youth is registered to;
        else the latest event of the organisation the youth came to, up to the situation's date."""
        value = cells.get("event", "")
        if not value:
            return next(
                (e["id"] for e in self.attended.get(youth, []) if since is None or e["starts_on"] <= since), None
            )
        day = _date(cells.get("event_date", ""), "event_date", found)
        if value.isdigit():
            matches = [e for e in self.events if e["id"] == int(value)]
        else:
            matches = [e for e in self.events if fold(e["title"]) == fold(value) and day in (None, e["starts_on"])]
        matches = [e for e in matches if (youth, e["id"]) in self.registrations]
        if len(matches) != 1:
            found.append(errors.UnknownEvent(field="event", value=value))
            return None
        return matches[0]["id"]

    def kind(self, value: str, found: list[InvalidInput]) -> str:
        if not value:
            found.append(errors.Required(field="kind"))
            return ""
        kind = self.names.get(_name(value))
        if kind is None:
            found.append(errors.UnknownSituation(field="kind", value=value))
            return ""
        return kind

    def follow_up(self, youth: int, event: int | None, since: date, taken: set[int]) -> int | None:
        """The youth's open follow-up of that event falling nearest the situation's date (one row answers one)."""
        registration = self.registrations.get((youth, event)) if event else None
        open_ones = [f for f in self.follow_ups.get(registration or 0, []) if f["id"] not in taken]
        if not open_ones:
            return None
        return min(open_ones, key=lambda f: (abs((f["due_on"] - since).days), f["due_on"]))["id"]


def _phone_or_none(raw: str) -> str | None:
    try:
        return normalise_phone(raw) if raw else None
    except InvalidInput:
        return None


def _chunks(values: list, size: int = 500) -> Iterable[list]:
    """Lists short enough for one IN (…) on SQLite."""
    return (values[i : i + size] for i in range(0, len(values), size))


async def _youths(organisation: int, condition) -> list[dict]:
    return await Participant.select(
        Participant.id, Participant.phone, Participant.search_name, Participant.birth_date
    ).where((Participant.organisation == organisation) & condition)


async def _registrations(youths: list[int], events: list[int]) -> tuple[list[dict], set[int]]:
    rows: list[dict] = []
    for part in _chunks(youths):
        rows += await Registration.select(Registration.id, Registration.participant, Registration.event).where(
            Registration.participant.is_in(part) & Registration.event.is_in(events or [-1])
        )
    came_to: set[int] = set()
    for part in _chunks([r["id"] for r in rows]):
        came_to |= {
            r["id"]
            for r in await Registration.select(Registration.id).where(
                Registration.id.is_in(part) & Registration.id.is_in(came())
            )
        }
    return rows, came_to


def _attended(registrations: list[dict], came_to: set[int], events: dict[int, dict]) -> dict[int, list[dict]]:
    attended: dict[int, list[dict]] = {}
    for r in registrations:
        if r["id"] in came_to:
            attended.setdefault(r["participant"], []).append(events[r["event"]])
    for found in attended.values():
        found.sort(key=lambda e: (e["starts_on"], e["id"]), reverse=True)
    return attended


async def _open_follow_ups(registrations: list[int]) -> dict[int, list[dict]]:
    found: dict[int, list[dict]] = {}
    for part in _chunks(registrations):
        for f in await FollowUp.select(FollowUp.id, FollowUp.registration, FollowUp.due_on).where(
            FollowUp.registration.is_in(part) & FollowUp.done_at.is_null()
        ):
            found.setdefault(f["registration"], []).append(f)
    return found


async def _situations(youths: list[int]) -> set[tuple[int, date, str]]:
    found: set[tuple[int, date, str]] = set()
    for part in _chunks(youths):
        rows = await Situation.select(Situation.participant, Situation.since, Situation.kind).where(
            Situation.participant.is_in(part)
        )
        found |= {(s["participant"], s["since"], s["kind"]) for s in rows}
    return found


async def _save(user: CurrentUser, accepted: list[AcceptedRow], now: datetime) -> int:
    """Record the accepted rows together: all of them or none. A situation recorded since the preview (by a
    colleague, a second click) is not recorded twice."""
    async with write_transaction():
        already = await _situations(sorted({row.participant for row in accepted}))
        saved = 0
        for row in accepted:
            if (row.participant, row.data.since, row.data.kind) in already:
                continue
            await record_situation(user, row.participant, row.data, now=now)
            saved += 1
    return saved


def may_import(user: CurrentUser) -> bool:
    """Whether the console offers the import (the user organises their current organisation's events)."""
    organisation = user.current_organisation
    return organisation is not None and user.at_least(organisation, Role.organiser)


async def importing_organisation(user: CurrentUser) -> dict:
    """The organisation the user imports for (the one their console shows), when they organise its events."""
    organisation = user.current_organisation
    if organisation is None:
        raise NotFound()
    require_role(user, organisation, Role.organiser)
    return await Organisation.select(Organisation.id, Organisation.name).where(Organisation.id == organisation).first()
