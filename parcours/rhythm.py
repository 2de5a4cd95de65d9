"""The rhythm of a parcours: its template's steps turned into dated touchpoints. Pure: no I/O.

Every touchpoint is planned at a local hour (10:00 by default) in the structure's time zone, then stored in
UTC: a contract across the October clock change keeps its 10:00 meetings at 10:00 local time (08:00 UTC in
summer, 09:00 UTC in winter). Weekends move to the Monday after (the Friday before when that would leave the
contract, or for the call before hiring)."""

from __future__ import annotations

import calendar
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from parcours.tables import TouchpointKind

ANCHORS = ("start", "middle", "end", "monthly")
ROLES = ("youth", "adviser", "counsellor", "supervisor")
PRE_HIRE_DAYS = 30  # the call before hiring may come up to a month before the contract starts
HOUR = time(10)
NEAR_DAYS = 7  # a monthly contact this close to a review is dropped: the review says it all


@dataclass(frozen=True, slots=True)
class Step:
    key: str
    kind: TouchpointKind
    anchor: str  # start, middle, end, or monthly (every month after the start)
    offset_days: int
    participants: tuple[str, ...]
    minutes: int = 30

    def as_dict(self) -> dict:
        return asdict(self) | {"kind": self.kind.value, "participants": list(self.participants)}

    @classmethod
    def from_dict(cls, data: dict) -> Step:
        return cls(
            key=str(data["key"]),
            kind=TouchpointKind(data["kind"]),
            anchor=str(data["anchor"]),
            offset_days=int(data.get("offset_days", 0)),
            participants=tuple(data.get("participants", ("adviser", "counsellor"))),
            minutes=int(data.get("minutes", 30)),
        )


EVERYONE = ("youth", "adviser", "counsellor", "supervisor")
DEFAULT_STEPS: tuple[Step, ...] = (
    Step("orientation_call", TouchpointKind.phone_call, "start", -7, ("adviser", "counsellor"), 20),
    Step("start_meeting", TouchpointKind.tripartite, "start", 0, EVERYONE, 60),
    Step("monthly_contact", TouchpointKind.contact, "monthly", 0, ("adviser", "counsellor"), 15),
    Step("mid_review", TouchpointKind.review, "middle", 0, EVERYONE, 45),
    Step("final_review", TouchpointKind.tripartite, "end", -7, EVERYONE, 60),
)


@dataclass(frozen=True, slots=True)
class Planned:
    step: str
    kind: TouchpointKind
    starts_at: datetime  # aware, UTC
    minutes: int
    participants: tuple[str, ...]


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period(start: date, end: date) -> tuple[date, date]:
    """The days a touchpoint may fall on: from a month before the contract starts to its end."""
    return start - timedelta(days=PRE_HIRE_DAYS), end


def _workday(day: date, first: date, last: date, *, backwards: bool = False) -> date:
    if day.weekday() < 5:
        return day
    later = day + timedelta(days=7 - day.weekday())
    earlier = day - timedelta(days=day.weekday() - 4)
    if backwards or later > last:
        return earlier if earlier >= first else day
    return later


def at_local(day: date, zone: str, hour: time = HOUR) -> datetime:
    """`hour` on `day` in `zone`, as an aware UTC datetime."""
    return datetime.combine(day, hour, ZoneInfo(zone)).astimezone(UTC)


def plan(steps: tuple[Step, ...], start: date, end: date, zone: str, hour: time = HOUR) -> list[Planned]:
    """The touchpoints of a contract from `start` to `end` (both included), soonest first."""
    first, last = period(start, end)
    middle = start + (end - start) / 2
    days: list[tuple[date, Step]] = []
    fixed: list[date] = []
    for step in steps:
        if step.anchor == "monthly":
            continue
        anchor = {"start": start, "middle": middle, "end": end}[step.anchor]
        day = anchor + timedelta(days=step.offset_days)
        day = min(max(day, first), last)
        if step.anchor == "end" and day < start:
            day = end
        day = _workday(day, first, last, backwards=day < start)
        days.append((day, step))
        if step.anchor in ("middle", "end"):
            fixed.append(day)
    for step in steps:
        if step.anchor != "monthly":
            continue
        month = 1
        while (day := add_months(start, month) + timedelta(days=step.offset_days)) < last:
            day = _workday(day, first, last)
            if all(abs((day - other).days) > NEAR_DAYS for other in fixed) and day < max(fixed, default=last):
                days.append((day, step))
            month += 1
    days.sort(key=lambda pair: pair[0])
    return [
        Planned(step.key, step.kind, at_local(day, zone, hour), step.minutes, step.participants) for day, step in days
    ]
