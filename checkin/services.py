"""Checking people in: which lists exist, who may use them, and recording scans.

A list is a half-day session of an event ("session-12") or a rally team's visit of a company ("visit-7").
A ticket is valid only on the lists of its own event, and on a visit list only for the team's members.

Per person and list, the *record* is the check-in row that is not flagged: it holds the status (présent,
en retard, absence excusée, absence non excusée), who checked the person in and when. The rules of a scan:
- a scan is recorded once per client nonce, however often the phone sends it (replays get the same answer,
  unless an earlier offline scan of the same ticket arrived in between: then they say "already");
- the earliest `scanned_at` wins: a scan earlier than the record becomes the record, the record is flagged;
- a later scan answers "already" (with who and when). It is recorded, flagged for the organiser, when it was
  made offline — `scanned_at` more than OFFLINE_AFTER before the server receives it —, because that phone
  could not know and showed green; an online duplicate is not recorded: the phone shows amber at once;
- a scan replaces an absence mark (the person came after all).

On PostgreSQL a scan is one statement (the REDEEM CTE below) that commits as it ends; two phones scanning one
ticket at the same moment do not see each other's scan, so a deferred constraint (one unflagged check-in per
person and list) refuses the second at commit, and that scan is run again to answer "already". On SQLite the
same rules run as a few statements inside the write lock, one scan after the other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache, partial
from typing import Any

from accounts.services import CurrentUser
from accounts.tables import Role
from checkin import signals as checkin_signals
from checkin.tables import AttendanceStatus, CheckIn
from checkin.tickets import DevicePrincipal
from core import signals
from core.cache import TtlCache
from core.clock import utcnow
from core.db import again_if_raced, bind, is_sqlite, read, sql_once, write_at_once
from core.errors import Forbidden, NotFound
from core.i18n import gettext as _
from core.settings import get_settings
from events import access
from registration import tokens

Principal = CurrentUser | DevicePrincipal
LIST_ID = re.compile(r"^(session|visit)-(\d{1,10})$")
LATE_AFTER = timedelta(minutes=15)  # scanned later than this after the start: "en retard"
OFFLINE_AFTER = timedelta(seconds=30)  # a scan this old when it reaches the server was made offline
FUTURE_SLACK = timedelta(minutes=5)  # a phone's clock ahead of ours by more than this is not believed
LIST_CACHE_S = 5.0
MAX_CACHED_LISTS = 5000
PRESENT = (AttendanceStatus.present, AttendanceStatus.late, AttendanceStatus.left_early)  # they came


def came():
    """The registrations someone came to, as a subquery (no rows are read)."""
    return CheckIn.select(CheckIn.registration).where(CheckIn.status.is_in(list(PRESENT)))


_lists: TtlCache[str, CheckList] = TtlCache(LIST_CACHE_S, MAX_CACHED_LISTS)  # see load_list


@dataclass(frozen=True, slots=True)
class CheckList:
    id: str
    kind: str  # "session" or "visit": also the check_in column that points at it
    key: int
    event_id: int
    organisation_id: int
    co_organisers: tuple[int, ...]
    partners: tuple[int, ...]
    event_title: str
    timezone: str
    name: str  # the session's title, or the visited site's name
    starts_at: datetime
    ends_at: datetime
    team_id: int | None = None
    team_number: int | None = None

    @property
    def title(self) -> str:
        if self.kind == "visit":
            return _("Team %(number)s at %(site)s", number=self.team_number, site=self.name)
        return self.name


_SESSION = (
    "SELECT s.id, s.event, s.title AS name, s.starts_at, s.ends_at, e.organisation, e.title AS event_title, "
    "e.timezone, NULL AS team, NULL AS team_number FROM event_session s JOIN event e ON e.id = s.event "
    "WHERE s.id = {}"
)
_VISIT = (
    "SELECT v.id, t.event, site.name, v.starts_at, v.ends_at, e.organisation, e.title AS event_title, e.timezone, "
    "t.id AS team, t.number AS team_number FROM visit v JOIN team t ON t.id = v.team "
    "JOIN event e ON e.id = t.event JOIN site ON site.id = v.site WHERE v.id = {}"
)


async def load_list(list_id: str) -> CheckList:
    """A list by its id, kept a few seconds on PostgreSQL, whose sequences never hand out an id twice. SQLite gives
    a deleted last row's id to the next one, so a kept list could answer for another event's session: there it is
    read each time, but for a scan (`redeem`), which checks the list it kept in the same trip as its write."""
    if is_sqlite():
        found = await _read_list(list_id)
        if found is None:
            raise NotFound()
        return found
    return await _kept_list(list_id)


async def _kept_list(list_id: str) -> CheckList:
    found = _lists.get(list_id)
    if found is None:
        found = await _read_list(list_id)
        if found is None:
            raise NotFound()
        _lists.set(list_id, found)
    return found


async def _read_list(list_id: str) -> CheckList | None:
    match = LIST_ID.match(list_id)
    if not match:
        return None
    kind, key = match.group(1), int(match.group(2))
    rows = await read(_SESSION if kind == "session" else _VISIT, key)
    if not rows:
        return None
    row = rows[0]
    partners = await access.partners_of(row["event"])
    return CheckList(
        id=list_id,
        kind=kind,
        key=key,
        event_id=row["event"],
        organisation_id=row["organisation"],
        co_organisers=partners.co_organisers,
        partners=partners.all,
        event_title=row["event_title"],
        timezone=row["timezone"],
        name=row["name"],
        starts_at=aware(row["starts_at"]),
        ends_at=aware(row["ends_at"]),
        team_id=row["team"],
        team_number=row["team_number"],
    )


def aware(value: datetime | str) -> datetime:
    if isinstance(value, str):  # SQLite, through an expression that lost the column's type
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=utcnow().tzinfo)


def check_access(
    principal: Principal,
    event_id: int,
    organisation_id: int,
    co_organisers: tuple[int, ...],
    partners: tuple[int, ...],
    *,
    minimum: Role = Role.staff,
) -> None:
    """404 to whoever cannot see the event (nothing leaks), 403 to who sees it without running it: staff of
    its organisation or of a co-organiser (`minimum`). A paired phone sees its one event only."""
    if isinstance(principal, DevicePrincipal):
        if principal.event_id != event_id:
            raise NotFound()
        return
    access.check(principal, organisation_id, partners, co_organisers, minimum=minimum)


def allow(principal: Principal, lst: CheckList, *, minimum: Role = Role.staff) -> None:
    check_access(principal, lst.event_id, lst.organisation_id, lst.co_organisers, lst.partners, minimum=minimum)


def who(principal: Principal, device: str) -> tuple[int | None, str]:
    """(recorded_by, device) of a check-in: a person's account, or the paired phone's name."""
    if isinstance(principal, DevicePrincipal):
        return None, principal.name
    return principal.id or None, (device or principal.full_name)[:100]


def short_name(first_name: str, last_name: str) -> str:
    """ "Inès B.": enough to recognise someone on a phone held up in a hall."""
    return f"{first_name} {last_name[:1]}.".strip() if last_name else first_name


def same_day(lst: CheckList, scanned_at: datetime) -> bool:
    """Whether a scan happened on the session's day (local time): earlier or later that day is fine."""
    tz = get_settings().tz
    return scanned_at.astimezone(tz).date() in (lst.starts_at.astimezone(tz).date(), lst.ends_at.astimezone(tz).date())


def status_at(lst: CheckList, scanned_at: datetime) -> AttendanceStatus:
    return AttendanceStatus.late if scanned_at > lst.starts_at + LATE_AFTER else AttendanceStatus.present


@dataclass(slots=True)
class Answer:
    result: str  # ok, already, unknown, wrong_list, cancelled
    reason: str
    name: str = ""
    team: str | None = None
    first_at: datetime | None = None
    first_by: str | None = None
    flagged: bool = False
    registration: int | None = None
    status: str | None = None
    session_at: datetime | None = None  # set when the session is on another day than the scan


REGISTRATION = (
    "SELECT r.id, r.event, r.status, p.first_name, p.last_name, tm.team, t.number AS team_number "
    "FROM registration r JOIN participant p ON p.id = r.participant "
    "LEFT JOIN team_member tm ON tm.registration = r.id LEFT JOIN team t ON t.id = tm.team WHERE "
)
# SQLite: the ticket, a replayed nonce and the person's record on the list, in one read. `+c.session` keeps the
# planners on the registration's index: a busy session has thousands of check-ins, a person one or two.
LOOKUP = (
    "SELECT r.id, r.event, r.status, p.first_name, p.last_name, tm.team, t.number AS team_number, "
    "(SELECT flagged FROM check_in WHERE nonce = {}) AS replayed, f.id AS first_id, f.status AS first_status, "
    "f.scanned_at AS first_at, COALESCE(u.full_name, f.device) AS first_by "
    "FROM registration r JOIN participant p ON p.id = r.participant "
    "LEFT JOIN team_member tm ON tm.registration = r.id LEFT JOIN team t ON t.id = tm.team "
    "LEFT JOIN check_in f ON f.id = (SELECT c.id FROM check_in c WHERE c.registration = r.id "
    'AND +c."{column}" = {} AND NOT c.flagged AND c.nonce <> {} ORDER BY c.scanned_at, c.id LIMIT 1) '
    "LEFT JOIN account_user u ON u.id = f.recorded_by WHERE r.ticket_hash = {}"
)
# PostgreSQL: the whole scan in one statement. `decision` says what the scan does: win (it is the record),
# flag (recorded for review) or already (not recorded); a replayed nonce decides nothing.
REDEEM = (
    """
WITH reg AS ("""
    + REGISTRATION.replace("WHERE ", "WHERE r.ticket_hash = {token}")
    + """
), listed AS (
    {listed}
), ok AS (
    SELECT id FROM reg WHERE event = {event} AND status = 'confirmed' AND ({team}::integer IS NULL OR team = {team})
        AND EXISTS (SELECT 1 FROM listed)
), mine AS (
    SELECT flagged FROM check_in WHERE nonce = {nonce}
), first AS (
    SELECT c.id, c.status, c.scanned_at, COALESCE(u.full_name, c.device) AS by FROM check_in c JOIN ok
    ON c.registration = ok.id LEFT JOIN account_user u ON u.id = c.recorded_by
    WHERE +c."{column}" = {key} AND NOT c.flagged AND c.nonce <> {nonce} ORDER BY c.scanned_at, c.id LIMIT 1
), decision AS (
    SELECT ok.id AS registration, first.id AS first_id, first.status AS first_status,
        CASE WHEN first.id IS NULL OR first.status IN ('excused', 'absent') OR first.scanned_at > {at} THEN 'win'
             WHEN {offline} THEN 'flag' ELSE 'already' END AS outcome
    FROM ok LEFT JOIN first ON true WHERE NOT EXISTS (SELECT 1 FROM mine)
), added AS (
    INSERT INTO check_in (registration, "{column}", status, scanned_at, recorded_at, recorded_by, device, nonce,
        source, flagged, notes, signature)
    SELECT registration, {key}::integer, {status}::varchar, {at}::timestamptz, {now}::timestamptz, {by}::integer,
        {device}::varchar, {nonce}::varchar, 'scan', outcome = 'flag', '', ''
    FROM decision WHERE outcome <> 'already'
    ON CONFLICT (nonce) DO NOTHING
    RETURNING flagged
), superseded AS (
    UPDATE check_in SET flagged = true FROM decision WHERE check_in.id = decision.first_id
    AND decision.outcome = 'win' AND decision.first_status IN ('present', 'late', 'left_early')
    AND EXISTS (SELECT 1 FROM added)
), cleared AS (
    DELETE FROM check_in USING decision WHERE check_in.id = decision.first_id
    AND decision.outcome = 'win' AND decision.first_status IN ('excused', 'absent') AND EXISTS (SELECT 1 FROM added)
)
SELECT reg.*, (SELECT flagged FROM mine) AS replayed, (SELECT flagged FROM added) AS added,
    first.scanned_at AS first_at, first.by AS first_by, first.status AS first_status,
    EXISTS (SELECT 1 FROM listed) AS listed
FROM (SELECT 1) AS one LEFT JOIN reg ON true LEFT JOIN first ON true
"""
)


@cache
def _redeem_sql(column: str) -> str:
    return REDEEM.replace("{column}", column).replace("{listed}", LISTED[column])


# Whether the list's session or visit still belongs to its event: a scan checks it in the statement that writes,
# since a list is kept a moment (`_kept_list`) and SQLite gives a deleted last row's id to the next one.
LISTED = {
    "session": "SELECT 1 FROM event_session WHERE id = {key} AND event = {event}",
    "visit": "SELECT 1 FROM visit v JOIN team t ON t.id = v.team WHERE v.id = {key} AND t.event = {event}",
}


def refusal(lst: CheckList, reg: dict[str, Any] | None) -> Answer | None:
    """Why this ticket is not for this list, if it is not."""
    if reg is None or reg.get("id") is None:
        return Answer("unknown", "unknown_ticket")
    name, team = short_name(reg["first_name"], reg["last_name"]), _team(reg)
    if reg["event"] != lst.event_id:
        return Answer("wrong_list", "other_event", name, team)
    if reg["status"] in ("cancelled", "refused"):
        return Answer("cancelled", f"registration_{reg['status']}", name, team, registration=reg["id"])
    if reg["status"] != "confirmed":
        return Answer("wrong_list", f"registration_{reg['status']}", name, team, registration=reg["id"])
    if lst.team_id is not None and reg["team"] != lst.team_id:
        return Answer("wrong_list", "other_team", name, team, registration=reg["id"])
    return None


def _team(reg: dict[str, Any]) -> str | None:
    return str(reg["team_number"]) if reg.get("team_number") is not None else None


async def redeem(
    principal: Principal, list_id: str, token: str, nonce: str, scanned_at: datetime, device: str = ""
) -> tuple[Answer, CheckList]:
    lst = await _kept_list(list_id)
    try:
        allow(principal, lst)
    except (Forbidden, NotFound):  # perhaps a kept list whose id now names another event's session (SQLite)
        _lists.pop(list_id)
        lst = await _kept_list(list_id)
        allow(principal, lst)
    now = utcnow()
    scanned_at = aware(scanned_at)
    if scanned_at > now + FUTURE_SLACK:
        scanned_at = now
    offline = now - scanned_at > OFFLINE_AFTER
    recorded_by, device = who(principal, device)
    status = status_at(lst, scanned_at)
    if not is_sqlite():
        named = {
            "token": tokens.digest(token),  # tickets are found by their digest (registration.tokens)
            "event": lst.event_id,
            "team": lst.team_id,
            "nonce": nonce,
            "key": lst.key,
            "at": scanned_at,
            "offline": offline,
            "status": status.value,
            "now": now,
            "by": recorded_by,
            "device": device,
        }
        query, values = bind(_redeem_sql(lst.kind), named, [])
        row = (await again_if_raced(lambda: sql_once(query, *values)))[0]
        if not row["listed"]:
            _lists.pop(list_id)
            return await redeem(principal, list_id, token, nonce, scanned_at, device)  # on the list read afresh
        if row["added"] is False:  # this scan is the record; the statement has committed: tell partners now
            await announce(row["id"], status, scanned_at)
        return _answer(lst, row, row["replayed"], row["added"], scanned_at, status, device, principal), lst
    digest = tokens.digest(token)
    try:
        reg, replayed, added = await again_if_raced(
            lambda: write_at_once(
                partial(_redeem_here, lst, digest, nonce, scanned_at, now, status, recorded_by, device, offline)
            )
        )
    except _ListReplaced:
        _lists.pop(list_id)
        return await redeem(principal, list_id, token, nonce, scanned_at, device)  # on the list read afresh
    if added is False:  # this scan is the record; it has committed: tell partners now
        await announce(reg["id"], status, scanned_at)
    return _answer(lst, reg, replayed, added, scanned_at, status, device, principal), lst


def _redeem_here(
    lst: CheckList,
    digest: str,
    nonce: str,
    scanned_at: datetime,
    now: datetime,
    status: AttendanceStatus,
    recorded_by: int | None,
    device: str,
    offline: bool,
    connection: Any,
) -> tuple[dict[str, Any] | None, bool | None, bool | None]:
    """A scan on SQLite, inside `write_at_once` (no await): the ticket's registration, whether the
    nonce was seen (replayed: its flag) and whether this scan was added (False: it is the record; True: recorded
    for review; None: not recorded). One read for the ticket, a replayed nonce and the person's record."""
    if connection.execute(*_listed(lst)).fetchone() is None:
        raise _ListReplaced()
    reg = connection.execute(_LOOKUP[lst.kind], [nonce, lst.key, nonce, digest]).fetchone()
    if refusal(lst, reg) is not None:
        return reg, None, None
    if reg["replayed"] is not None:
        return reg, bool(reg["replayed"]), None
    first = reg if reg["first_id"] is not None else None
    wins = first is None or first["first_status"] in ("excused", "absent") or first["first_at"] > scanned_at
    if not wins and not offline:
        return reg, None, None
    connection.execute(
        _INSERT_SCAN[lst.kind],
        [reg["id"], lst.key, status.value, scanned_at, now, recorded_by, device, nonce, not wins],
    )
    if wins and first is not None:
        if first["first_status"] in PRESENT:
            connection.execute("UPDATE check_in SET flagged = 1 WHERE id = ?", [first["first_id"]])
        else:
            connection.execute("DELETE FROM check_in WHERE id = ?", [first["first_id"]])
    return reg, None, not wins


class _ListReplaced(Exception):
    """The cached list's session or visit was deleted, and its id given to a new one (SQLite)."""


def _listed(lst: CheckList) -> tuple[str, list[Any]]:
    query, values = bind(LISTED[lst.kind], {"key": lst.key, "event": lst.event_id}, [])
    return query.replace("{}", "?"), values


_LOOKUP = {kind: LOOKUP.replace("{column}", kind).replace("{}", "?") for kind in ("session", "visit")}
_INSERT_SCAN = {
    kind: f'INSERT INTO check_in (registration, "{kind}", status, scanned_at, recorded_at, recorded_by, device, '
    "nonce, source, flagged, notes, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'scan', ?, '', '')"
    for kind in ("session", "visit")
}


async def announce(registration_id: int, status: AttendanceStatus, at: datetime) -> None:
    """Tell the features above (partners' webhooks) that someone's attendance was recorded."""
    await signals.send(checkin_signals.checked_in, registration_id=registration_id, status=status.value, at=at)


def _answer(
    lst: CheckList,
    reg: dict[str, Any] | None,
    replayed: bool | None,
    added: bool | None,
    scanned_at: datetime,
    status: AttendanceStatus,
    device: str,
    principal: Principal,
) -> Answer:
    refused = refusal(lst, reg)
    if refused is not None:
        return refused
    assert reg is not None
    name, team = short_name(reg["first_name"], reg["last_name"]), _team(reg)
    if replayed is False or added is False:  # this scan is the record
        by = principal.full_name if isinstance(principal, CurrentUser) and principal.id else device
        if not same_day(lst, scanned_at):  # recorded, but the wrong list was probably chosen: say which day
            return Answer("ok", "other_day", name, team, scanned_at, by, False, reg["id"], status.value, lst.starts_at)
        return Answer("ok", "checked_in", name, team, scanned_at, by, False, reg["id"], status.value)
    first_at = aware(reg["first_at"]) if reg.get("first_at") else None
    flagged = bool(replayed or added)
    return Answer(
        "already", "already_checked_in", name, team, first_at, reg["first_by"], flagged, reg["id"], reg["first_status"]
    )
