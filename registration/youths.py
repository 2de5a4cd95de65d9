"""The youths of an organisation (/youths): who may see whom, the search, the filters, one youth's page.

Who sees a youth:
- every member of the organisation that holds the youth's record (`Participant.organisation`), whatever
  their role: an organisation's viewers see the list too (names, ages, events, attendance: what they need to
  report), but not phone numbers or e-mail addresses, which only people who contact youths need (adviser and
  above);
- an adviser of a partner organisation (any member, in fact) sees the youths they or their organisation
  referred, with their phone, and on the youth's page only the registrations they or their organisation
  referred: the rest of the youth's path belongs to the organisation holding the record.
Anyone else gets 404. An adviser's list opens on "my youths" (those they referred themselves), with a switch
to every youth they may see; everyone else's opens on every youth.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any
from urllib.parse import urlencode

from piccolo.columns.combination import WhereRaw
from piccolo.query import OrderByRaw

from accounts.services import CurrentUser, require_role
from accounts.tables import Organisation, Role, User
from core import signals
from core.cache import TtlCache
from core.clock import utcnow
from core.db import is_sqlite, write_transaction
from core.errors import Forbidden, InvalidInput, NotFound
from core.i18n import current_language, gettext, lazy
from core.labels import label
from events import access
from events.tables import Event, Format, Session
from registration import signals as registration_signals
from registration.lists import ATTENDANCE_LABELS
from registration.people import age_on, display_phone
from registration.tables import Consent, Gender, Participant, Registration, fold

PAGE_SIZE = 50
AGE_BANDS = {"16-17": (16, 17), "18-21": (18, 21), "22-25": (22, 25), "26+": (26, None)}
AGE_LABELS = {
    "16-17": lazy("16–17 years old"),
    "18-21": lazy("18–21 years old"),
    "22-25": lazy("22–25 years old"),
    "26+": lazy("26 and over"),
}
SORTS = ("name", "last_registration", "age")
SCOPES = ("mine", "all")
YES_NO = ("yes", "no")
_LAST_REGISTRATION = "(SELECT MAX(r.created_at) FROM registration r WHERE r.participant = participant.id)"

PROFILE = (
    Participant.id,
    Participant.organisation,
    Participant.first_name,
    Participant.last_name,
    Participant.phone,
    Participant.email,
    Participant.birth_date,
    Participant.postcode,
    Participant.commune,
    Participant.qpv,
    Participant.created_at,
    Participant.erased_at,
)


@dataclass(frozen=True)
class YouthFilters:
    """What the list is asked for: the search words, the filters, the order and the page."""

    q: str = ""
    scope: str = ""  # "mine" (referred by me) or "all"; "" is the user's default
    event: int | None = None
    format: str = ""
    adviser: int | None = None  # who referred them (Registration.referred_by)
    referring: int | None = None  # the referring organisation
    attended: str = ""  # "yes": came at least once; "no": registered, never came
    age: str = ""  # one of AGE_BANDS
    qpv: str = ""  # "yes" / "no"
    sort: str = "name"
    page: int = 1

    def query_string(self, **changes: Any) -> str:
        """The list's query string with `changes`: pages and sort links keep the search and the filters."""
        values = {k: v for k, v in vars(replace(self, **changes)).items() if v not in ("", None)}
        for name, default in (("page", 1), ("sort", "name")):
            if values.get(name) == default:
                values.pop(name)
        return urlencode(values)


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


def filters_from(params: dict[str, str]) -> YouthFilters:
    """The filters from a GET form; anything not understood is left out rather than refused."""
    page = _int(params.get("page", "")) or 1
    return YouthFilters(
        q=params.get("q", "").strip()[:100],
        scope=params.get("scope", "") if params.get("scope") in SCOPES else "",
        event=_int(params.get("event", "")),
        format=params.get("format", "") if params.get("format") in Format.__members__ else "",
        adviser=_int(params.get("adviser", "")),
        referring=_int(params.get("referring", "")),
        attended=params.get("attended", "") if params.get("attended") in YES_NO else "",
        age=params.get("age", "") if params.get("age") in AGE_BANDS else "",
        qpv=params.get("qpv", "") if params.get("qpv") in YES_NO else "",
        sort=params.get("sort", "") if params.get("sort") in SORTS else "name",
        page=max(page, 1),
    )


# --------------------------------------------------------------------------- who sees whom


def is_adviser(user: CurrentUser) -> bool:
    """Advises youths, runs nothing: their list opens on the youths they referred."""
    return (
        bool(user.roles)
        and not any(user.at_least(o, Role.staff) for o in user.roles)
        and any(user.at_least(o, Role.adviser) for o in user.roles)
    )


def referred_by_us(user: CurrentUser):
    """Registrations the user or one of their organisations referred (a condition on Registration)."""
    return (Registration.referred_by == user.id) | Registration.referring_organisation.is_in(
        user.organisation_ids or [-1]
    )


# The organisation holding a registration's youth: a join Piccolo builds at some cost, built once.
_HOLDER = Registration.participant.organisation


def _registration_seen(user: CurrentUser):
    """The registrations the user sees: all of their organisations' youths', and those they referred."""
    return _HOLDER.is_in(user.organisation_ids or [-1]) | referred_by_us(user)


def my_youths(user: CurrentUser):
    """The youths the user referred ("my youths", an adviser's list), as a subquery of participant ids."""
    return Registration.select(Registration.participant).where(Registration.referred_by == user.id)


def my_youths_registrations(user: CurrentUser):
    """The registrations of the user's own youths that the user sees (as on their list and the youths' pages),
    a condition on Registration: what an adviser's digest speaks of."""
    return Registration.participant.is_in(my_youths(user)) & _registration_seen(user)


# The youths of other organisations a user referred, per user and roles: a youth just referred to a partner
# shows in the user's "all" list within seconds (their own "mine" list and the youth's page read it afresh).
REFERRED_ELSEWHERE_TTL = 10
_referred_cache: TtlCache[tuple, list[int]] = TtlCache(REFERRED_ELSEWHERE_TTL, 2_000)


async def _referred_elsewhere(user: CurrentUser) -> list[int]:
    """The youths of other organisations the user or their organisations referred: usually few (none for an
    organiser's own staff), read once so that the list's condition stays a plain one on indexed columns."""
    key = user.cache_key
    cached = _referred_cache.get(key)
    if cached is None:
        mine = user.organisation_ids or [-1]
        query = Registration.select(Registration.participant).where(referred_by_us(user) & _HOLDER.not_in(mine))
        cached = _referred_cache.set(key, [r["participant"] for r in await query.distinct()])
    return cached


async def _seen(user: CurrentUser, scope: str, elsewhere: list[int]):
    """The youths the user sees, as a condition on Participant (scope "mine": those they referred)."""
    if scope == "mine":
        return Participant.id.is_in(
            Registration.select(Registration.participant).where(Registration.referred_by == user.id)
        )
    seen = Participant.organisation.is_in(user.organisation_ids or [-1])
    return seen | Participant.id.is_in(elsewhere) if elsewhere else seen


def _contact_seen(user: CurrentUser, elsewhere: list[int]):
    """The youths whose phone and e-mail the user sees: an organisation's viewers do not see them."""
    seen = Participant.organisation.is_in([o for o in user.roles if user.at_least(o, Role.adviser)] or [-1])
    return seen | Participant.id.is_in(elsewhere) if elsewhere else seen


def shows_contact(user: CurrentUser, organisation_id: int) -> bool:
    """Whether the user sees the phone of a youth of `organisation_id` they may see at all."""
    return organisation_id not in user.roles or user.at_least(organisation_id, Role.adviser)


# --------------------------------------------------------------------------- the search and the filters


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _age_condition(band: str, today: date):
    low, high = AGE_BANDS[band]
    condition = Participant.birth_date <= _years_before(today, low)
    if high is not None:
        condition &= Participant.birth_date > _years_before(today, high + 1)
    return condition


def phone_digits(text: str) -> str | None:
    """The national digits (without the leading 0) of a phone number typed any French way, or its last
    digits: "06 12 34 56 78", "+33 6 12…", "0033…", "5678". None when `text` is not a number."""
    digits = re.sub(r"[\s.\-+()/]", "", text)
    if not digits.isdigit():
        return None
    for prefix in ("0033", "33"):
        if digits.startswith(prefix) and len(digits) >= len(prefix) + 9:
            return digits[len(prefix) :]
    return digits[1:] if digits.startswith("0") and len(digits) == 10 else digits


def _search_condition(user: CurrentUser, q: str, elsewhere: list[int]):
    digits = phone_digits(q)
    if digits is not None:
        # A number: the end of a phone (their own digits only for those who may see phones), or a postcode
        # (all or its start: "26" is the Drôme).
        condition = Participant.phone.like(f"%{digits}") & _contact_seen(user, elsewhere) if len(digits) >= 2 else None
        if len(digits) <= 5:
            by_place = Participant.postcode.like(f"{digits}%")
            condition = by_place if condition is None else condition | by_place
        return condition
    return _name_condition(q)


def _name_condition(q: str):
    """Each word typed starts a word of the name, in any order: "ines ben", "Benali Inès". On SQLite the
    names' full-text index answers (a migration of 2026-12-06 keeps it); PostgreSQL's trigram index serves
    the LIKEs."""
    words = [word for word in fold(q).split() if re.search(r"\w", word)]
    if not words:
        return None
    if is_sqlite():
        match = " ".join('"{}"*'.format(word.replace('"', "")) for word in words)
        return WhereRaw(
            "participant.id IN (SELECT rowid FROM participant_search WHERE participant_search MATCH {})", match
        )
    condition = None
    for word in words:
        word = re.sub(r"[%_\\]", "", word)
        starts = Participant.search_name.like(f"{word}%") | Participant.search_name.like(f"% {word}%")
        condition = starts if condition is None else condition & starts
    return condition


def _registration_filters(user: CurrentUser, f: YouthFilters) -> list:
    conditions = []
    if f.event is not None:
        conditions.append(Registration.event == f.event)
    if f.format:
        conditions.append(Registration.event.format == f.format)
    if f.adviser is not None:
        conditions.append(Registration.referred_by == f.adviser)
    if f.referring is not None:
        conditions.append(Registration.referring_organisation == f.referring)
    return conditions


def _and(conditions: list):
    combined = conditions[0]
    for condition in conditions[1:]:
        combined &= condition
    return combined


async def _conditions(user: CurrentUser, f: YouthFilters, today: date) -> list:
    # Another organisation's youths the user referred: needed for "all" and for a phone search only (an
    # adviser's own list is "those I referred", whoever holds them).
    needed = f.scope != "mine" or bool(f.q and phone_digits(f.q))
    elsewhere = await _referred_elsewhere(user) if needed else []
    conditions = [await _seen(user, f.scope, elsewhere)]
    if f.q and (search := _search_condition(user, f.q, elsewhere)) is not None:
        conditions.append(search)
    if f.age:
        conditions.append(_age_condition(f.age, today))
    if f.qpv:
        conditions.append(Participant.qpv == (f.qpv == "yes"))
    registration_filters = _registration_filters(user, f)
    if registration_filters or f.attended:
        # Only the registrations the user sees count: a partner's adviser filters on their own referrals.
        seen = _and([_registration_seen(user), *registration_filters])
        conditions.append(Participant.id.is_in(Registration.select(Registration.participant).where(seen)))
        if f.attended:
            came = await signals.first(registration_signals.came_to) or [-1]  # nobody came without check-in
            attended = Registration.select(Registration.participant).where(seen & Registration.id.is_in(came))
            conditions.append(
                Participant.id.is_in(attended) if f.attended == "yes" else Participant.id.not_in(attended)
            )
    return conditions


def _ordered(query, sort: str):
    if sort == "age":  # the youngest first; unknown ages last
        return query.order_by(OrderByRaw("birth_date IS NULL, birth_date DESC, id"))
    if sort == "last_registration":  # the latest registered first; never registered last
        return query.order_by(OrderByRaw(f"{_LAST_REGISTRATION} IS NULL, {_LAST_REGISTRATION} DESC, id"))
    return query.order_by(Participant.last_name, Participant.first_name, Participant.id)


@dataclass(slots=True)
class YouthRow:
    """One line of the list, ready to show (an object: the template reads attributes at no cost)."""

    id: int
    first_name: str
    last_name: str
    phone: str | None  # None: the user does not see it (an organisation's viewers); "": none known
    phone_display: str  # as people write it: "06 12 34 56 78"
    age: int | None
    postcode: str
    qpv: bool
    registrations: int  # of those the user sees
    registration_ids: list[int] = field(default_factory=list)  # the same, for what higher features add
    last_event: str = ""  # their latest registration the user sees: its event, date and status
    last_starts_on: date | None = None
    last_status: str = ""
    attendance: str = ""  # what was recorded there
    hours: float | None = None  # attended, all events (an adviser's own youths: the adviser's loop)
    latest: str = ""  # their latest situation, in words (the same)


@dataclass
class YouthList:
    filters: YouthFilters
    rows: list[YouthRow]
    total: int
    pages: int
    adviser_view: bool  # the user is an adviser: the switch between "my youths" and all of them shows
    options: dict[str, list[tuple[Any, str]]] = field(default_factory=dict)


async def youth_list(user: CurrentUser, filters: YouthFilters, *, today: date | None = None) -> YouthList:
    """One page of the youths the user sees, searched, filtered and sorted, with the total."""
    today = today or utcnow().date()
    adviser_view = is_adviser(user)
    if not filters.scope:
        filters = replace(filters, scope="mine" if adviser_view else "all")
    where = _and(await _conditions(user, filters, today))
    records = await _page(where, filters)
    if filters.page == 1 and len(records) < PAGE_SIZE:
        total = len(records)  # all of them on the first page (a phone number, a rare name): nothing to count
    else:
        total = await _counted(user, filters, where)
    pages = max(1, -(-total // PAGE_SIZE))
    if filters.page > pages:  # past the end (a bookmark of a list that has shrunk): the last page
        filters = replace(filters, page=pages)
        records = await _page(where, filters)
    rows = await _summaries(user, records, today)
    if filters.scope == "mine":
        await _adviser_loop(rows)
    return YouthList(filters, rows, total, pages, adviser_view, await _options(user))


# The number of youths a search finds, per user, roles and filters (not the page): it sizes the pagination, and
# counting thousands of youths on every page turn cost more than the page itself. A youth registered a moment
# ago shows at once on its page of the list; the total catches up within seconds.
COUNT_TTL = 10
_count_cache: TtlCache[tuple, int] = TtlCache(COUNT_TTL, 2_000)


async def _counted(user: CurrentUser, filters: YouthFilters, where) -> int:
    key = (*user.cache_key, replace(filters, page=1))
    total = _count_cache.get(key)
    if total is None:
        total = _count_cache.set(key, await Participant.count().where(where))
    return total


# The registrations' columns the list reads, joined once here rather than on every request.
_SUMMARY_COLUMNS = (
    Registration.id,
    Registration.participant,
    Registration.status,
    Registration.referred_by,
    Registration.referring_organisation,
    Registration.event.title.as_alias("event_title"),
    Registration.event.starts_on.as_alias("starts_on"),
)


async def _page(where, filters: YouthFilters) -> list[dict]:
    """The page's youths, their ids chosen in a subquery: in name order they come from one index
    (participant_youth_list) without visiting the rows of the organisation's other youths."""
    page = (
        _ordered(Participant.select(Participant.id).where(where), filters.sort)
        .limit(PAGE_SIZE)
        .offset((filters.page - 1) * PAGE_SIZE)
    )
    if not is_sqlite():
        # PostgreSQL would hash-join the subquery with every youth of the table (measured: 1.7 ms against
        # 0.1 ms at 10,000): it is given the ids instead.
        page = [r["id"] for r in await page] or [-1]
    return await _ordered(Participant.select(*PROFILE).where(Participant.id.is_in(page)), filters.sort)


async def _summaries(user: CurrentUser, records: list[dict], today: date) -> list[YouthRow]:
    """Each youth's line: age, phone if the user sees it, their registrations (the ones the user sees): how
    many, the latest and what was recorded of their attendance there."""
    registrations = await (
        Registration.select(*_SUMMARY_COLUMNS)
        .where(Registration.participant.is_in([r["id"] for r in records] or [-1]))
        .order_by(Registration.created_at)
    )
    # Of another organisation's youth, only the registrations the user or their organisations referred.
    holders = {r["id"]: r["organisation"] in user.roles for r in records}
    registrations = [
        r
        for r in registrations
        if holders[r["participant"]] or r["referred_by"] == user.id or r["referring_organisation"] in user.roles
    ]
    by_youth: dict[int, list[dict]] = {}
    for registration in registrations:
        by_youth.setdefault(registration["participant"], []).append(registration)
    # The line shows what was recorded at each youth's latest registration only.
    attendance = await signals.merged(
        registration_signals.attendance_wanted, registration_ids=[mine[-1]["id"] for mine in by_youth.values()]
    )
    rows = []
    for record in records:
        mine = by_youth.get(record["id"], [])
        row = YouthRow(
            id=record["id"],
            first_name=record["first_name"],
            last_name=record["last_name"],
            phone=record["phone"] if shows_contact(user, record["organisation"]) and not record["erased_at"] else None,
            phone_display=display_phone(record["phone"]) if record["phone"] and not record["erased_at"] else "",
            age=age_on(record["birth_date"], today) if record["birth_date"] else None,
            postcode=record["postcode"],
            qpv=record["qpv"],
            registrations=len(mine),
            registration_ids=[r["id"] for r in mine],
        )
        if mine:
            last = mine[-1]
            row.last_event, row.last_starts_on = last["event_title"], last["starts_on"]
            row.last_status = label("registration_status", last["status"])
            recorded = attendance.get(last["id"])
            row.attendance = gettext(ATTENDANCE_LABELS[recorded]) if recorded in ATTENDANCE_LABELS else ""
        rows.append(row)
    return rows


async def _adviser_loop(rows: list[YouthRow]) -> None:
    """For an adviser's own youths: the hours each attended and what followed, from the registrations the list
    already read (those the adviser sees, as on the youth's page)."""
    minutes = await signals.merged(
        registration_signals.attended_time, registration_ids=[i for row in rows for i in row.registration_ids]
    )
    latest = await signals.merged(registration_signals.latest_outcomes, participant_ids=[row.id for row in rows])
    for row in rows:
        total = sum(sum(minutes.get(i, {}).values()) for i in row.registration_ids)
        row.hours = round(total / 60, 1) if total else None
        row.latest = latest.get(row.id, "")


# The filters' choices per user and roles: a new event or adviser shows in them within a minute, and a change
# of roles is a new key (CurrentUser.cache_key).
OPTIONS_TTL = 60
_options_cache: TtlCache[tuple, dict[str, list[tuple[Any, str]]]] = TtlCache(OPTIONS_TTL, 2_000)


async def _options(user: CurrentUser) -> dict[str, list[tuple[Any, str]]]:
    key = (*user.cache_key, current_language.get())
    cached = _options_cache.get(key)
    if cached is None:
        cached = _options_cache.set(key, await _read_options(user))
    return cached


def _short(text: str, length: int = 24) -> str:
    """A choice short enough for a select on a phone: a select is as wide as its longest choice."""
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


async def _read_options(user: CurrentUser) -> dict[str, list[tuple[Any, str]]]:
    """The choices of the filters: the events the user sees, who referred their youths, from where."""
    events = await (
        Event.select(Event.id, Event.title, Event.starts_on)
        .where(access.visible_to(user))
        .order_by(Event.starts_on, ascending=False)
        .limit(200)
    )
    referrers = (
        Registration.select(Registration.referred_by)
        .where(_registration_seen(user) & Registration.referred_by.is_not_null())
        .distinct()
    )
    advisers = await User.select(User.id, User.full_name).where(User.id.is_in(referrers)).order_by(User.full_name)
    referring = (
        Registration.select(Registration.referring_organisation)
        .where(_registration_seen(user) & Registration.referring_organisation.is_not_null())
        .distinct()
    )
    organisations = (
        await Organisation.select(Organisation.id, Organisation.name)
        .where(Organisation.id.is_in(referring))
        .order_by(Organisation.name)
    )
    return {
        "format": [(f.value, label("format", f.value)) for f in Format],
        "age": [(band, gettext(text)) for band, text in AGE_LABELS.items()],
        "event": [(e["id"], f"{_short(e['title'])} {e['starts_on']:%d/%m/%y}") for e in events],
        "adviser": [(a["id"], _short(a["full_name"])) for a in advisers],
        "referring": [(o["id"], _short(o["name"])) for o in organisations],
    }


# --------------------------------------------------------------------------- one youth


async def visible_youth(user: CurrentUser, participant_id: int) -> tuple[dict, bool]:
    """The youth's record and whether the user sees all of it (a member of the organisation holding it) or
    only what they referred; 404 when they may not see the youth at all."""
    youth = (
        await Participant.select(*PROFILE, Participant.sms_opt_out_at, Participant.channel)
        .where(Participant.id == participant_id)
        .first()
    )
    if youth is None:
        raise NotFound()
    if youth["organisation"] in user.roles:
        return youth, True
    referred = await Registration.exists().where((Registration.participant == participant_id) & referred_by_us(user))
    if not referred:
        raise NotFound()
    return youth, False


async def seen_registrations(user: CurrentUser, participant_id: int) -> tuple[dict, bool, list[int]]:
    """The youth (404 when unseen), whether the user holds their record, and the ids of the registrations the
    user sees: all of them for the holder's members, those they referred for a partner (as on the youth's page)."""
    youth, holder = await visible_youth(user, participant_id)
    query = Registration.select(Registration.id).where(Registration.participant == participant_id)
    if not holder:
        query = query.where(referred_by_us(user))
    return youth, holder, [row["id"] for row in await query]


async def youth_page(user: CurrentUser, participant_id: int, *, today: date | None = None) -> dict[str, Any]:
    """Everything the youth's page shows: their details, consents, registrations with attendance per
    session, and the records that may be the same person (for those who may merge them).

    What higher features add (outcomes: situations and results) comes through `registration.signals.youth_page`,
    merged into this dict under their own key."""
    today = today or utcnow().date()
    youth, holder = await visible_youth(user, participant_id)
    youth["age"] = age_on(youth["birth_date"], today) if youth["birth_date"] else None
    youth["shows_contact"] = shows_contact(user, youth["organisation"])
    query = Registration.select(
        Registration.id,
        Registration.event,
        Registration.status,
        Registration.source,
        Registration.created_at,
        Registration.event.title.as_alias("event_title"),
        Registration.event.starts_on.as_alias("starts_on"),
        Registration.event.format.as_alias("format"),
        Registration.referred_by.full_name.as_alias("adviser_name"),
        Registration.referring_organisation.name.as_alias("referring_name"),
    ).where(Registration.participant == participant_id)
    if not holder:
        query = query.where(referred_by_us(user))
    registrations = await query.order_by(Registration.event.starts_on, ascending=False)
    await _sessions_and_attendance(user, registrations)
    consents = await (
        Consent.select(Consent.kind, Consent.given_at, Consent.withdrawn_at, Consent.given_by)
        .where(Consent.participant == participant_id)
        .order_by(Consent.given_at)
    )
    organisation = youth["organisation"]
    return {
        "youth": youth,
        "holder": holder,
        "registrations": registrations,
        "consents": consents if holder else [],
        "duplicates": await likely_duplicates(youth)
        if user.at_least(organisation, Role.staff) and not youth["erased_at"]
        else [],
        "can_merge": user.at_least(organisation, Role.organiser),
        "can_edit": user.at_least(organisation, Role.adviser),
        **await signals.merged(
            registration_signals.youth_page,
            user=user,
            participant_id=participant_id,
            registration_ids=[r["id"] for r in registrations],
        ),
    }


async def _sessions_and_attendance(user: CurrentUser, registrations: list[dict]) -> None:
    """Each registration's sessions with what was recorded there (check-in knows), and whether the user sees
    the event's page (a youth may have been referred through a public link to an event the user does not see)."""
    event_ids = [r["event"] for r in registrations] or [-1]
    sessions = await (
        Session.select(Session.id, Session.event, Session.title, Session.starts_at)
        .where(Session.event.is_in(event_ids))
        .order_by(Session.starts_at)
    )
    recorded = await signals.merged(
        registration_signals.attendance_by_session, registration_ids=[r["id"] for r in registrations]
    )
    durations = await signals.merged(
        registration_signals.attended_time, registration_ids=[r["id"] for r in registrations]
    )
    visible = {e["id"] for e in await Event.select(Event.id).where(access.visible_to(user) & Event.id.is_in(event_ids))}
    for registration in registrations:
        statuses = recorded.get(registration["id"], {})
        minutes = durations.get(registration["id"], {})
        registration["event_visible"] = registration["event"] in visible
        registration["sessions"] = [
            {
                **s,
                "attendance": gettext(ATTENDANCE_LABELS[statuses[s["id"]]]) if s["id"] in statuses else "",
                "minutes": minutes.get(s["id"]),
            }
            for s in sessions
            if s["event"] == registration["event"]
        ]


async def likely_duplicates(youth: dict) -> list[dict]:
    """Other records of the same organisation that may be the same person: the same phone, or the same
    first and last names (accents and case aside) and birth date."""
    same_person = Participant.phone == youth["phone"]
    if youth["birth_date"]:
        same_person |= (Participant.search_name == (await _folded_name(youth["id"]))) & (
            Participant.birth_date == youth["birth_date"]
        )
    return await (
        Participant.select(*PROFILE)
        .where(
            (Participant.organisation == youth["organisation"])
            & (Participant.id != youth["id"])
            & same_person
            & Participant.erased_at.is_null()
        )
        .order_by(Participant.id)
    )


async def _folded_name(participant_id: int) -> str:
    row = await Participant.select(Participant.search_name).where(Participant.id == participant_id).first()
    return row["search_name"] if row else ""


async def set_details(user: CurrentUser, participant_id: int, qpv: bool, gender: str) -> None:
    """Record what the funders' figures need (priority neighbourhood, gender): members of the organisation
    holding the record, adviser and above (a partner's adviser sees the youth but does not keep their record:
    403)."""
    youth, _holder = await visible_youth(user, participant_id)
    if youth["organisation"] not in user.roles:
        raise Forbidden()
    require_role(user, youth["organisation"], Role.adviser)
    if gender not in Gender.__members__.values():
        raise InvalidInput(lazy("Choose one of the proposed options."), field="gender")
    async with write_transaction():
        await Participant.update({Participant.qpv: qpv, Participant.gender: gender}).where(
            Participant.id == participant_id
        )
