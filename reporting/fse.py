"""The European Social Fund (FSE+) participants' export: each youth who came in the period, once, with their
entry and exit dates and their situation at entry and at exit (the rules: docs/reporting.md).

- entry = the day of the first session they attended in the period (present, late or left early), exit = the
  day of the last one;
- situation at entry = the latest situation dated on or before the entry day; none recorded: "No situation recorded"
  (a youth is not assumed to be job-seeking: FSE+ counts what was observed);
- situation at exit = the latest situation dated on or after the exit day (a follow-up at 1, 3 or 6 months),
  with its IAE category; none yet: empty, the 6-month survey is what the phone and e-mail are for.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from checkin.presence import ATTENDED, attended, minutes
from checkin.services import aware
from checkin.tables import CheckIn
from core.i18n import gettext as _
from core.i18n import lazy
from outcomes.situations import CATEGORY_LABELS, SITUATION_LABELS, category
from outcomes.tables import Situation
from registration.tables import Participant, Registration
from reporting.cells import age_band, contact, hours
from reporting.rows import local_day, pages
from reporting.scope import Scope

YOUTHS_PER_BATCH = 1000
NOT_RECORDED = lazy("No situation recorded")

HEADER = (
    lazy("Last name"),
    lazy("First name"),
    lazy("Birth date"),
    lazy("Age band at entry"),
    lazy("Phone"),
    lazy("E-mail"),
    lazy("Postcode"),
    lazy("Town"),
    lazy("QPV"),
    lazy("Entry date"),
    lazy("Exit date"),
    lazy("Sessions attended"),
    lazy("Hours attended"),
    lazy("Situation at entry"),
    lazy("Category at entry"),
    lazy("Situation at exit"),
    lazy("Category at exit"),
    lazy("Date of the situation at exit"),
)


@dataclass
class Path:
    """What a youth attended in the period."""

    entry: date
    exit: date
    sessions: set[int] = field(default_factory=set)
    minutes: int = 0


_CHECK_IN_COLUMNS = (
    CheckIn.id,
    CheckIn.session,
    CheckIn.status,
    CheckIn.scanned_at,
    CheckIn.exited_at,
    CheckIn.registration.participant.as_alias("participant"),
    CheckIn.session.starts_at.as_alias("starts_at"),
    CheckIn.session.ends_at.as_alias("ends_at"),
)
_session_starts = CheckIn.session.starts_at


async def paths(scope: Scope) -> dict[int, Path]:
    """{participant: Path} of the youths who came: attended check-ins of the registrations exported."""
    registrations = Registration.select(Registration.id).where(scope.registrations())

    def query(last: int):
        q = CheckIn.select(*_CHECK_IN_COLUMNS).where(
            CheckIn.registration.is_in(registrations)
            & CheckIn.status.is_in(list(ATTENDED))
            & CheckIn.flagged.eq(False)
            & CheckIn.session.is_not_null()
            & (CheckIn.id > last)
        )
        if scope.event is None:
            q = q.where((_session_starts >= scope.first_instant) & (_session_starts < scope.after_instant))
        else:
            q = q.where(CheckIn.session.event == scope.event["id"])
        return q.order_by(CheckIn.id)

    found: dict[int, Path] = {}
    async for row in pages(query):
        starts, ends = aware(row["starts_at"]), aware(row["ends_at"])
        day = local_day(starts)
        path = found.setdefault(row["participant"], Path(day, day))
        path.entry, path.exit = min(path.entry, day), max(path.exit, day)
        if row["session"] not in path.sessions:  # a youth's record at a session counts once
            path.sessions.add(row["session"])
            entered = aware(row["scanned_at"]) if row["scanned_at"] else None
            left = aware(row["exited_at"]) if row["exited_at"] else None
            path.minutes += minutes(attended(row["status"], starts, ends, entered, left))
    return found


def at_entry(situations: list[dict], entry: date) -> dict | None:
    before = [s for s in situations if s["since"] <= entry]
    return max(before, key=lambda s: (s["since"], s["recorded_at"], s["id"])) if before else None


def at_exit(situations: list[dict], exit_day: date) -> dict | None:
    after = [s for s in situations if s["since"] >= exit_day]
    return max(after, key=lambda s: (s["since"], s["recorded_at"], s["id"])) if after else None


def _situation_cells(situation: dict | None, *, dated: bool) -> list[Any]:
    if situation is None:
        return [_(NOT_RECORDED) if not dated else "", "", *([""] if dated else [])]
    cells = [_(SITUATION_LABELS[situation["kind"]]), _(CATEGORY_LABELS[category(situation["kind"])])]
    return [*cells, situation["since"]] if dated else cells


async def rows(scope: Scope) -> AsyncIterator[list[Any]]:
    found = await paths(scope)
    ids = list(found)
    for i in range(0, len(ids), YOUTHS_PER_BATCH):
        batch = ids[i : i + YOUTHS_PER_BATCH]
        youths = await (
            Participant.select(
                Participant.id,
                Participant.last_name,
                Participant.first_name,
                Participant.birth_date,
                Participant.phone,
                Participant.email,
                Participant.postcode,
                Participant.commune,
                Participant.qpv,
            )
            .where(Participant.id.is_in(batch))
            .order_by(Participant.last_name)
            .order_by(Participant.first_name)
            .order_by(Participant.id)
        )
        situations: dict[int, list[dict]] = {}
        for s in await Situation.select(
            Situation.id, Situation.participant, Situation.kind, Situation.since, Situation.recorded_at
        ).where(Situation.participant.is_in(batch)):
            situations.setdefault(s["participant"], []).append(s)
        for y in youths:
            path, theirs = found[y["id"]], situations.get(y["id"], [])
            yield [
                y["last_name"],
                y["first_name"],
                y["birth_date"],
                age_band(y["birth_date"], path.entry),
                *contact(scope, y),
                y["postcode"],
                y["commune"],
                y["qpv"],
                path.entry,
                path.exit,
                len(path.sessions),
                hours(path.minutes),
                *_situation_cells(at_entry(theirs, path.entry), dated=False),
                *_situation_cells(at_exit(theirs, path.exit), dated=True),
            ]
