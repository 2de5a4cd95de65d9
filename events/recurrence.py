"""Recurring event series: iCalendar (RFC 5545) RRULE + EXDATE semantics, expanded in local wall-clock time.

A series is a rule plus a naive local start and a time zone, so "every Friday 9:00-12:00" stays 9:00-12:00 in
Paris on both sides of a daylight-saving change; only the UTC instants move. Pure and synchronous: no database, no
HTTP. Expansion is delegated to ``dateutil.rrule`` (the reference implementation); this module adds validation,
exclusions, time zones and "this and following" splits.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import MAXYEAR, UTC, datetime, time, timedelta
from itertools import islice
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrule, rrulestr

__all__ = [
    "InvalidRecurrence",
    "Occurrence",
    "Recurrence",
    "occurrences",
    "rrule_with_until",
    "split",
    "to_ical_lines",
    "validate",
]

ERROR_CODES = frozenset({"syntax", "no_occurrence", "unsupported", "bad_timezone", "bad_duration"})

_FREQS = frozenset({"YEARLY", "MONTHLY", "WEEKLY", "DAILY"})
_SUB_DAILY_FREQS = frozenset({"HOURLY", "MINUTELY", "SECONDLY"})
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# name -> (smallest, largest, signed); signed parts may count back from the end of the period with negative values.
_INT_LIST_PARTS = {
    "BYSECOND": (0, 59, False),
    "BYMINUTE": (0, 59, False),
    "BYHOUR": (0, 23, False),
    "BYMONTHDAY": (1, 31, True),
    "BYYEARDAY": (1, 366, True),
    "BYWEEKNO": (1, 53, True),
    "BYMONTH": (1, 12, False),
    "BYSETPOS": (1, 366, True),
}
_KNOWN_PARTS = frozenset({"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "WKST", *_INT_LIST_PARTS})
_OTHER_PROPERTIES = {
    "DTSTART": ("unsupported", "DTSTART must be given as the series start, not inside the rule text."),
    "EXDATE": ("unsupported", "EXDATE must be given as the series exdates, not inside the rule text."),
    "RDATE": ("unsupported", "RDATE (extra dates) is not supported; give a single RRULE."),
    "EXRULE": ("unsupported", "EXRULE is not supported; give a single RRULE and exdates."),
}
_INT_RE = re.compile(r"[+-]?\d{1,9}")
_BYDAY_RE = re.compile(r"([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)")
_UNTIL_RE = re.compile(r"(\d{8})(?:T(\d{6})(Z?))?")

# The Gregorian calendar repeats exactly every 400 years (146097 days, a whole number of weeks): see _has_occurrence.
_CALENDAR_CYCLE_YEARS = 400
_MIN_SEARCH_YEARS = 10
# More than any jump of a zone's UTC offset (Samoa skipped a whole day in 2011): occurrences further than this from
# the asked bounds in wall-clock time are skipped without converting them.
_ZONE_SLACK = timedelta(days=2)
_DAY = timedelta(days=1)


class InvalidRecurrence(ValueError):
    """A recurrence that cannot be used, with a machine-readable ``code`` and an English ``message``."""

    def __init__(self, code: str, message: str) -> None:
        if code not in ERROR_CODES:
            raise ValueError(f"Unknown InvalidRecurrence code {code!r}.")
        super().__init__(message)
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"InvalidRecurrence({self.code!r}, {self.message!r})"


@dataclass(frozen=True, slots=True)
class Recurrence:
    """A series: an RRULE value, a naive local first start, a duration, a zone and excluded local starts."""

    rrule: str
    dtstart: datetime
    duration: timedelta
    timezone: str = "Europe/Paris"
    exdates: tuple[datetime, ...] = ()


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One occurrence: its stable naive local identity, UTC bounds and position in the un-excluded series."""

    recurrence_id: datetime
    starts_at: datetime
    ends_at: datetime
    index: int


@dataclass(frozen=True, slots=True)
class _Rule:
    """A checked rule: upper-cased parts in their original order, UNTIL rewritten as naive local time."""

    parts: tuple[tuple[str, str], ...]
    count: int | None
    until: datetime | None


def validate(rec: Recurrence) -> None:
    """Raise InvalidRecurrence unless the series is well-formed and has at least one (non-excluded) occurrence."""
    _, rule = _check(rec)
    if rule.count == 0:
        raise InvalidRecurrence("no_occurrence", "COUNT=0 never produces an occurrence.")
    if rule.until is not None and rule.until < rec.dtstart:
        raise InvalidRecurrence(
            "no_occurrence", f"UNTIL ({_format(rule.until)}) is before the start ({_format(rec.dtstart)})."
        )
    if not _has_occurrence(rule, rec.dtstart):
        raise InvalidRecurrence("no_occurrence", f"The rule {rec.rrule!r} never produces an occurrence.")
    if rec.exdates:
        excluded = frozenset(rec.exdates)
        # At most len(excluded) occurrences can be excluded, so one more is enough to find a kept one.
        if all(start in excluded for start in islice(_expand(rule, rec.dtstart), len(excluded) + 1)):
            raise InvalidRecurrence("no_occurrence", "Every occurrence of the series is excluded by its exdates.")


def occurrences(
    rec: Recurrence,
    *,
    after: datetime | None = None,
    before: datetime | None = None,
    limit: int = 500,
) -> list[Occurrence]:
    """Occurrences in series order whose start is in [after, before), at most ``limit``, exdates skipped."""
    zone, rule = _check(rec)
    lower = None if after is None else _local(_aware(after, "after"), zone) - _ZONE_SLACK
    upper = None if before is None else _local(_aware(before, "before"), zone) + _ZONE_SLACK
    if limit <= 0 or not _has_occurrence(rule, rec.dtstart):
        return []
    excluded = frozenset(rec.exdates)
    found: list[Occurrence] = []
    # Indexes count from the very first occurrence (rotations depend on it), so expansion always starts at dtstart.
    for index, start in enumerate(_expand(rule, rec.dtstart)):
        if upper is not None and start >= upper:
            break
        if start in excluded or (lower is not None and start < lower):
            continue
        occurrence = _occurrence(start, index, rec.duration, zone)
        # Checked per occurrence rather than by breaking: a wall time moved forward out of a DST gap can start
        # after the occurrence that follows it.
        if (after is not None and occurrence.starts_at < after) or (
            before is not None and occurrence.starts_at >= before
        ):
            continue
        found.append(occurrence)
        if len(found) >= limit:
            break
    return found


def split(rec: Recurrence, at: datetime) -> tuple[Recurrence | None, Recurrence]:
    """Cut the series before occurrence ``at`` (naive local): (head or None, tail starting at ``at``)."""
    _, rule = _check(rec)
    if not isinstance(at, datetime) or at.tzinfo is not None:
        raise InvalidRecurrence("syntax", "The split point must be a naive local datetime (an occurrence's id).")
    if at in rec.exdates:
        raise InvalidRecurrence("no_occurrence", f"{_format(at)} is excluded from the series, not an occurrence.")
    consumed = 0
    last_before: datetime | None = None
    is_occurrence = False
    if at >= rec.dtstart and _has_occurrence(rule, rec.dtstart):
        for start in _expand(rule, rec.dtstart):
            if start >= at:
                is_occurrence = start == at
                break
            consumed += 1
            last_before = start
    if not is_occurrence:
        raise InvalidRecurrence("no_occurrence", f"{_format(at)} is not an occurrence of the series.")

    head = None
    # Kept even when every one of its occurrences is excluded: those cancellations are part of the series' history.
    if last_before is not None:
        head = replace(
            rec,
            rrule=rrule_with_until(rec.rrule, last_before),
            exdates=tuple(d for d in rec.exdates if d < at),
        )
    tail_rule = rec.rrule if rule.count is None else _with_part(rec.rrule, "COUNT", str(rule.count - consumed))
    tail = replace(rec, rrule=tail_rule, dtstart=at, exdates=tuple(d for d in rec.exdates if d >= at))
    return head, tail


def rrule_with_until(rrule: str, until_local: datetime) -> str:
    """The rule with UNTIL set to ``until_local`` (naive local, like DTSTART) and without COUNT."""
    if not isinstance(until_local, datetime) or until_local.tzinfo is not None:
        raise InvalidRecurrence("syntax", "UNTIL must be a naive local datetime, like the series start.")
    without_count = ";".join(f"{name}={value}" for name, value in _split_parts(rrule) if name != "COUNT")
    return _with_part(without_count, "UNTIL", _format(until_local))


def to_ical_lines(rec: Recurrence) -> list[str]:
    """DTSTART, RRULE and EXDATE content lines for an iCalendar VEVENT."""
    zone, rule = _check(rec)
    tzid = f"TZID={rec.timezone}"
    # RFC 5545 requires UNTIL in UTC when DTSTART carries a TZID, so the local UNTIL is converted here.
    parts = [
        f"{name}={_to_utc(rule.until, zone).strftime('%Y%m%dT%H%M%SZ') if name == 'UNTIL' and rule.until else value}"
        for name, value in rule.parts
    ]
    lines = [f"DTSTART;{tzid}:{_format(rec.dtstart)}", "RRULE:" + ";".join(parts)]
    if rec.exdates:
        lines.append(f"EXDATE;{tzid}:" + ",".join(_format(d) for d in sorted(set(rec.exdates))))
    return lines


def _check(rec: Recurrence) -> tuple[ZoneInfo, _Rule]:
    """Check everything that needs no expansion; return the zone and the parsed rule."""
    if not isinstance(rec.dtstart, datetime):
        raise InvalidRecurrence("syntax", "The series start must be a datetime.")
    if rec.dtstart.tzinfo is not None:
        raise InvalidRecurrence(
            "syntax", "The series start must be a naive local wall-clock time; the zone goes in `timezone`."
        )
    if rec.dtstart.microsecond:
        # dateutil silently drops microseconds from DTSTART, which would change every recurrence id.
        raise InvalidRecurrence("syntax", "The series start must be a whole number of seconds.")
    zone = _zone(rec.timezone)
    if not isinstance(rec.duration, timedelta) or not timedelta(0) < rec.duration < _DAY:
        raise InvalidRecurrence(
            "bad_duration", f"The duration must be more than 0 and less than 24 hours, not {rec.duration}."
        )
    for exdate in rec.exdates:
        if not isinstance(exdate, datetime) or exdate.tzinfo is not None:
            raise InvalidRecurrence("syntax", f"Excluded dates must be naive local datetimes, not {exdate!r}.")
    return zone, _parse_rule(rec.rrule, zone)


def _zone(name: str) -> ZoneInfo:
    """The IANA zone called ``name``."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError, TypeError):
        raise InvalidRecurrence("bad_timezone", f"Unknown time zone {name!r}.") from None


def _split_parts(text: str) -> list[tuple[str, str]]:
    """Split RRULE text into upper-cased (NAME, VALUE) pairs, rejecting anything that is not one RRULE value."""
    if not isinstance(text, str):
        raise InvalidRecurrence("syntax", "The rule must be text such as FREQ=WEEKLY;BYDAY=FR.")
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[len("RRULE:") :].strip()
    if ":" in body or "\n" in body or "\r" in body:
        raise _pasted_lines_error(body)
    if not body:
        raise InvalidRecurrence("syntax", "The rule is empty.")
    parts: list[tuple[str, str]] = []
    for raw in body.split(";"):
        if not raw.strip():
            continue  # tolerate a trailing or doubled ";"
        name, value = _rule_part(raw)
        if any(seen == name for seen, _ in parts):
            raise InvalidRecurrence("syntax", f"Rule part {name} is given more than once.")
        parts.append((name, value))
    return parts


def _pasted_lines_error(body: str) -> InvalidRecurrence:
    """Several iCalendar content lines pasted in: say which property does not belong."""
    for line in body.splitlines():
        name = re.split(r"[:;]", line.strip(), maxsplit=1)[0].upper()
        if name in _OTHER_PROPERTIES:
            return InvalidRecurrence(*_OTHER_PROPERTIES[name])
    return InvalidRecurrence("syntax", "The rule must be a single RRULE value such as FREQ=WEEKLY;BYDAY=FR.")


def _rule_part(raw: str) -> tuple[str, str]:
    """One NAME=VALUE part of the rule, upper-cased, with a known name."""
    name, sep, value = (piece.strip().upper() for piece in raw.partition("="))
    if name in _OTHER_PROPERTIES:
        raise InvalidRecurrence(*_OTHER_PROPERTIES[name])
    if not sep or not name or not value:
        raise InvalidRecurrence("syntax", f"Rule part {raw.strip()!r} is not of the form NAME=VALUE.")
    if name not in _KNOWN_PARTS:
        raise InvalidRecurrence("syntax", f"Unknown rule part {name!r}.")
    return name, value


def _parse_rule(text: str, zone: ZoneInfo) -> _Rule:
    """Parse and check an RRULE value against RFC 5545, raising InvalidRecurrence naming the bad part."""
    parts = dict(_split_parts(text))
    freq = _frequency(parts)
    count, until = _count_and_until(parts, zone)
    _check_number_lists(parts)
    _check_weekdays(parts, freq)
    if "WKST" in parts and parts["WKST"] not in _WEEKDAYS:
        raise InvalidRecurrence("syntax", f"WKST={parts['WKST']} is not a weekday (MO to SU).")
    _check_combinations(parts, freq)

    normalised = tuple((name, _format(until) if name == "UNTIL" and until else value) for name, value in parts.items())
    return _Rule(parts=normalised, count=count, until=until)


def _frequency(parts: dict[str, str]) -> str:
    """FREQ, which must be there and at most daily."""
    freq = parts.get("FREQ")
    if freq is None:
        raise InvalidRecurrence("syntax", "The rule has no FREQ part (e.g. FREQ=WEEKLY).")
    if freq in _SUB_DAILY_FREQS:
        raise InvalidRecurrence("unsupported", f"FREQ={freq} is not supported: a series repeats at most daily.")
    if freq not in _FREQS:
        raise InvalidRecurrence("syntax", f"Unknown frequency FREQ={freq}.")
    return freq


def _count_and_until(parts: dict[str, str], zone: ZoneInfo) -> tuple[int | None, datetime | None]:
    """INTERVAL checked, then COUNT or UNTIL (not both)."""
    if "INTERVAL" in parts and _integer(parts["INTERVAL"], "INTERVAL") < 1:
        raise InvalidRecurrence("syntax", "INTERVAL must be at least 1.")
    count = None
    if "COUNT" in parts:
        count = _integer(parts["COUNT"], "COUNT")
        if count < 0:
            raise InvalidRecurrence("syntax", "COUNT cannot be negative.")
    until = None
    if "UNTIL" in parts:
        if count is not None:
            raise InvalidRecurrence("syntax", "COUNT and UNTIL cannot both be given.")
        until = _parse_until(parts["UNTIL"], zone)
    return count, until


def _check_number_lists(parts: dict[str, str]) -> None:
    """Every number of the BY... number lists within its range."""
    for name, (smallest, largest, signed) in _INT_LIST_PARTS.items():
        if name not in parts:
            continue
        for item in parts[name].split(","):
            value = _integer(item, name)
            if not (smallest <= abs(value) <= largest if signed else smallest <= value <= largest):
                lowest = -largest if signed else smallest
                raise InvalidRecurrence("syntax", f"{name}={item} is out of range ({lowest} to {largest}).")


def _check_weekdays(parts: dict[str, str], freq: str) -> None:
    """BYDAY's weekdays, numbered only where the frequency allows it."""
    if "BYDAY" in parts:
        for item in parts["BYDAY"].split(","):
            match = _BYDAY_RE.fullmatch(item)
            if not match:
                raise InvalidRecurrence("syntax", f"BYDAY={item} is not a weekday such as MO, +2TU or -1FR.")
            if match[1] is not None:
                nth = int(match[1])
                if not 1 <= abs(nth) <= 53:
                    raise InvalidRecurrence("syntax", f"BYDAY={item}: the position must be 1 to 53 or -53 to -1.")
                # dateutil silently ignores the position for other frequencies; RFC 5545 forbids it.
                if freq not in ("MONTHLY", "YEARLY"):
                    raise InvalidRecurrence(
                        "syntax", f"BYDAY={item} (a numbered weekday) needs FREQ=MONTHLY or FREQ=YEARLY."
                    )
                if "BYWEEKNO" in parts:
                    raise InvalidRecurrence(
                        "syntax", f"BYDAY={item} (a numbered weekday) cannot be used with BYWEEKNO."
                    )


def _check_combinations(parts: dict[str, str], freq: str) -> None:
    """Combinations RFC 5545 rules out but dateutil would quietly accept."""
    # FREQ=HOURLY is refused; BYHOUR=9,14 (or several minutes or seconds) would give several dates a day all the same.
    for name in ("BYHOUR", "BYMINUTE", "BYSECOND"):
        if "," in parts.get(name, ""):
            raise InvalidRecurrence(
                "unsupported", f"{name}={parts[name]} is not supported: a series repeats at most daily."
            )
    if "BYWEEKNO" in parts and freq != "YEARLY":
        raise InvalidRecurrence("syntax", "BYWEEKNO can only be used with FREQ=YEARLY.")
    if "BYYEARDAY" in parts and freq != "YEARLY":
        raise InvalidRecurrence("syntax", "BYYEARDAY can only be used with FREQ=YEARLY.")
    if "BYMONTHDAY" in parts and freq == "WEEKLY":
        raise InvalidRecurrence("syntax", "BYMONTHDAY cannot be used with FREQ=WEEKLY.")
    if "BYSETPOS" in parts and not any(name.startswith("BY") and name != "BYSETPOS" for name in parts):
        raise InvalidRecurrence("syntax", "BYSETPOS needs another BY... part to select from.")


def _integer(text: str, name: str) -> int:
    """``text`` as an integer, or a syntax error naming the rule part."""
    if not _INT_RE.fullmatch(text):
        raise InvalidRecurrence("syntax", f"{name}={text} is not a whole number.")
    return int(text)


def _parse_until(text: str, zone: ZoneInfo) -> datetime:
    """UNTIL as naive local time: local date-times as is, UTC ones (...Z) converted, dates as their last second."""
    match = _UNTIL_RE.fullmatch(text)
    try:
        if not match:
            raise ValueError
        day = datetime.strptime(match[1], "%Y%m%d")
        if match[2] is None:
            # A date-only UNTIL includes that whole day, as calendar clients read it.
            return datetime.combine(day.date(), time(23, 59, 59))
        moment = datetime.strptime(match[1] + match[2], "%Y%m%d%H%M%S")
    except ValueError:
        raise InvalidRecurrence(
            "syntax", f"UNTIL={text} is not a date-time such as 20271231T235959 (local) or 20271231T225959Z."
        ) from None
    if match[3]:
        return moment.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None, fold=0)
    return moment


def _with_part(text: str, name: str, value: str) -> str:
    """The rule with part ``name`` set to ``value`` in place (appended when absent)."""
    parts = _split_parts(text)
    if all(part != name for part, _ in parts):
        parts.append((name, value))
    return ";".join(f"{part}={value if part == name else old}" for part, old in parts)


def _expand(rule: _Rule, dtstart: datetime) -> Iterator[datetime]:
    """The naive local starts generated by the rule, in order (exdates not applied)."""
    return _expand_parts(rule.parts, dtstart)


def _expand_parts(parts: tuple[tuple[str, str], ...], dtstart: datetime) -> Iterator[datetime]:
    """The naive local starts generated by checked rule parts from ``dtstart``."""
    named = dict(parts)
    named.setdefault("WKST", "MO")  # dateutil's default is calendar.firstweekday(), process-global; RFC 5545 says MO
    if named["FREQ"] != "WEEKLY" or "BYSETPOS" not in named:
        return _dateutil(named, dtstart)
    # dateutil starts the first weekly period at DTSTART rather than at the week start, so BYSETPOS counts positions
    # in a truncated week (dateutil issue #1398) and a series split mid-week would lose or gain occurrences. Expand
    # from the week start instead and drop what precedes DTSTART; COUNT then has to be applied here.
    count = named.pop("COUNT", None)
    named.setdefault("BYDAY", _WEEKDAYS[dtstart.weekday()])  # dateutil's default comes from DTSTART, which moves
    week_start = dtstart - timedelta(days=(dtstart.weekday() - _WEEKDAYS.index(named["WKST"])) % 7)
    starts = (start for start in _dateutil(named, week_start) if start >= dtstart)
    return starts if count is None else islice(starts, int(count))


def _dateutil(named: dict[str, str], dtstart: datetime) -> Iterator[datetime]:
    """dateutil's expansion of the rule parts from ``dtstart``."""
    text = ";".join(f"{name}={value}" for name, value in named.items())
    try:
        expansion: rrule = rrulestr(text, dtstart=dtstart)
    except ValueError as error:  # _parse_rule should have caught everything; keep dateutil's reason if not
        raise InvalidRecurrence("syntax", f"Invalid rule {text!r}: {error}.") from None
    return iter(expansion)


def _has_occurrence(rule: _Rule, dtstart: datetime) -> bool:
    """Whether the rule produces an occurrence, searching a bounded span (at least 10 years) so it cannot hang."""
    # dateutil only stops on a produced candidate (past UNTIL or COUNT) or in year 9999, so a rule that never matches
    # (Feb 30) scans every year up to 9999: seconds for FREQ=DAILY. The Gregorian calendar repeats exactly every
    # 400 years (146097 days, a whole number of weeks), so the same rule shifted by a multiple of 400 years to just
    # before 9999 gives the same answer with a 10 to 410-year scan.
    shift = MAXYEAR - _CALENDAR_CYCLE_YEARS + 1 + dtstart.year % _CALENDAR_CYCLE_YEARS - dtstart.year
    while dtstart.year + shift > MAXYEAR - _MIN_SEARCH_YEARS:
        shift -= _CALENDAR_CYCLE_YEARS
    parts = rule.parts
    if rule.until is not None:
        if rule.until < dtstart:
            return False
        parts = tuple(part for part in parts if part[0] != "UNTIL")
        # An UNTIL shifted past 9999 is beyond the end of the search anyway.
        if rule.until.year + shift <= MAXYEAR:
            parts += (("UNTIL", _format(rule.until.replace(year=rule.until.year + shift))),)
    return next(_expand_parts(parts, dtstart.replace(year=dtstart.year + shift)), None) is not None


def _occurrence(start: datetime, index: int, duration: timedelta, zone: ZoneInfo) -> Occurrence:
    """The occurrence generated at naive local ``start``; its end is ``duration`` later on the wall clock."""
    starts_at = _to_utc(start, zone)
    # From the real local start (moved out of a DST gap if need be), so the end can never precede the start.
    ends_at = _to_utc(_local(starts_at, zone) + duration, zone)
    return Occurrence(recurrence_id=start, starts_at=starts_at, ends_at=ends_at, index=index)


def _to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """Naive local wall time to aware UTC: gap times move forward by the gap, ambiguous ones take the first."""
    # PEP 495: fold=0 uses the offset in force before the transition, which gives exactly both rules.
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC)


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    """Aware datetime to naive local wall time."""
    return moment.astimezone(zone).replace(tzinfo=None, fold=0)


def _aware(moment: datetime, name: str) -> datetime:
    """``moment`` unchanged, or a ValueError when it is naive (bounds are instants, not wall times)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"`{name}` must be a timezone-aware datetime.")
    return moment


def _format(moment: datetime) -> str:
    """iCalendar local date-time form, YYYYMMDDTHHMMSS (zero-padded even before year 1000)."""
    return (
        f"{moment.year:04d}{moment.month:02d}{moment.day:02d}T{moment.hour:02d}{moment.minute:02d}{moment.second:02d}"
    )
