"""Recurring series keep their local wall-clock time in Paris, follow RFC 5545 like dateutil, and split cleanly."""

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from hypothesis import given, settings
from hypothesis import strategies as st

from events.recurrence import (
    InvalidRecurrence,
    Occurrence,
    Recurrence,
    occurrences,
    rrule_with_until,
    split,
    to_ical_lines,
    validate,
)

PARIS = ZoneInfo("Europe/Paris")
WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
START = datetime(2027, 1, 12, 9, 30)
SLOT = timedelta(hours=1, minutes=30)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def in_paris(moment: datetime) -> datetime:
    """Naive Paris wall-clock time of an instant."""
    return moment.astimezone(PARIS).replace(tzinfo=None)


def wall_clock(occurrence: Occurrence) -> tuple[datetime, datetime]:
    return in_paris(occurrence.starts_at), in_paris(occurrence.ends_at)


def ids(rec: Recurrence | None) -> list[datetime]:
    return [] if rec is None else ids_up_to(rec, 10_000)


def ids_up_to(rec: Recurrence, limit: int) -> list[datetime]:
    return [o.recurrence_id for o in occurrences(rec, limit=limit)]


def last_sunday(year: int, month: int) -> date:
    end = date(year, month, 31)
    return end - timedelta(days=(end.weekday() - 6) % 7)


def eu_summer_time(local: datetime) -> bool:
    """EU rule, independently of the tz database; exact for hours outside 01:00-03:00."""
    return last_sunday(local.year, 3) <= local.date() < last_sunday(local.year, 10)


# --- Expansion in local time -------------------------------------------------------------------------------------


def test_info_sessions_every_two_months_on_the_second_tuesday():
    info = Recurrence(
        "FREQ=MONTHLY;INTERVAL=2;BYDAY=+2TU", datetime(2027, 1, 12, 9, 30), timedelta(hours=1, minutes=30)
    )
    validate(info)

    sessions = occurrences(info, limit=4)

    assert [o.recurrence_id for o in sessions] == [
        datetime(2027, 1, 12, 9, 30),
        datetime(2027, 3, 9, 9, 30),
        datetime(2027, 5, 11, 9, 30),
        datetime(2027, 7, 13, 9, 30),
    ]
    assert all(o.recurrence_id.weekday() == 1 and 8 <= o.recurrence_id.day <= 14 for o in sessions)
    assert [wall_clock(o)[0].time() for o in sessions] == [time(9, 30)] * 4
    assert [wall_clock(o)[1].time() for o in sessions] == [time(11)] * 4
    assert [o.starts_at for o in sessions] == [
        utc(2027, 1, 12, 8, 30),
        utc(2027, 3, 9, 8, 30),
        utc(2027, 5, 11, 7, 30),
        utc(2027, 7, 13, 7, 30),
    ]
    assert [o.index for o in sessions] == [0, 1, 2, 3]


def test_friday_permanence_keeps_nine_oclock_across_both_dst_changes():
    permanence = Recurrence("FREQ=WEEKLY;BYDAY=FR", datetime(2027, 3, 5, 9), timedelta(hours=3))

    spring = occurrences(permanence, after=utc(2027, 3, 1), before=utc(2027, 4, 1))
    autumn = occurrences(permanence, after=utc(2027, 10, 1), before=utc(2027, 11, 13))

    assert [o.recurrence_id.day for o in spring] == [5, 12, 19, 26]
    assert [o.recurrence_id.day for o in autumn] == [1, 8, 15, 22, 29, 5, 12]
    for o in spring + autumn:
        assert o.recurrence_id.weekday() == 4
        start, end = wall_clock(o)
        assert (start.time(), end.time()) == (time(9), time(12))
        summer = date(2027, 3, 28) <= start.date() < date(2027, 10, 31)
        assert o.starts_at.hour == (7 if summer else 8)
        assert o.ends_at.hour == (10 if summer else 11)
    assert [o.starts_at.hour for o in spring] == [8, 8, 8, 8]  # the switch happens on Sunday 28 March
    assert [o.starts_at.hour for o in autumn] == [7, 7, 7, 7, 7, 8, 8]  # and back on Sunday 31 October


def test_a_slot_in_the_spring_forward_gap_moves_an_hour_later():
    night = Recurrence("FREQ=DAILY", datetime(2027, 3, 27, 2, 30), timedelta(minutes=30))

    saturday, sunday, monday = occurrences(night, limit=3)

    assert sunday.recurrence_id == datetime(2027, 3, 28, 2, 30)  # the identity stays the rule's wall time
    assert sunday.starts_at == utc(2027, 3, 28, 1, 30)  # 02:30 does not exist: 03:30 CEST
    assert wall_clock(sunday) == (datetime(2027, 3, 28, 3, 30), datetime(2027, 3, 28, 4))
    assert sunday.ends_at - sunday.starts_at == timedelta(minutes=30)
    assert saturday.starts_at == utc(2027, 3, 27, 1, 30)  # 02:30 CET
    assert monday.starts_at == utc(2027, 3, 29, 0, 30)  # 02:30 CEST


def test_an_ambiguous_fall_back_slot_takes_the_first_of_the_two_times():
    night = Recurrence("FREQ=DAILY", datetime(2027, 10, 30, 2, 30), timedelta(hours=1))

    saturday, sunday, monday = occurrences(night, limit=3)

    assert sunday.recurrence_id == datetime(2027, 10, 31, 2, 30)
    assert sunday.starts_at == utc(2027, 10, 31, 0, 30)  # 02:30 CEST, the first pass
    assert sunday.starts_at.astimezone(PARIS).utcoffset() == timedelta(hours=2)
    # One hour on the wall clock, 02:30 -> 03:30, is two real hours that night.
    assert sunday.ends_at == utc(2027, 10, 31, 2, 30)
    assert saturday.starts_at == utc(2027, 10, 30, 0, 30)
    assert monday.starts_at == utc(2027, 11, 1, 1, 30)


def test_a_session_spanning_the_spring_change_ends_at_its_wall_clock_time():
    evening = Recurrence("FREQ=DAILY;COUNT=1", datetime(2027, 3, 28, 1, 0), timedelta(hours=3))

    (session,) = occurrences(evening)

    assert wall_clock(session) == (datetime(2027, 3, 28, 1), datetime(2027, 3, 28, 4))
    assert session.ends_at - session.starts_at == timedelta(hours=2)


def test_the_first_working_day_of_each_week_counts_the_whole_first_week():
    # dateutil alone starts the first week at DTSTART (its issue #1398) and would give Wednesday 6 January first.
    mondays = Recurrence("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1;COUNT=3", datetime(2027, 1, 6, 9), SLOT)

    assert [o.recurrence_id.date() for o in occurrences(mondays)] == [
        date(2027, 1, 11),
        date(2027, 1, 18),
        date(2027, 1, 25),
    ]
    head, tail = split(mondays, datetime(2027, 1, 18, 9))
    assert ids(head) + ids(tail) == ids(mondays)


# --- Exclusions, bounds, limits ----------------------------------------------------------------------------------


def test_monthly_rotation_between_three_missions_locales_survives_a_cancelled_month():
    missions = ["Mission Locale de Lille", "Mission Locale de Roubaix", "Mission Locale de Tourcoing"]
    rotation = Recurrence(
        "FREQ=MONTHLY;BYDAY=+1TH",
        datetime(2027, 1, 7, 14),
        timedelta(hours=2),
        exdates=(datetime(2027, 2, 4, 14), datetime(2027, 4, 1, 14)),
    )

    sessions = occurrences(rotation, limit=4)

    assert [o.recurrence_id.date() for o in sessions] == [
        date(2027, 1, 7),
        date(2027, 3, 4),
        date(2027, 5, 6),
        date(2027, 6, 3),
    ]
    assert [o.index for o in sessions] == [0, 2, 4, 5]
    assert [missions[o.index % 3] for o in sessions] == [missions[0], missions[2], missions[1], missions[2]]


def test_a_calendar_page_shows_only_sessions_starting_inside_its_bounds():
    permanence = Recurrence("FREQ=WEEKLY;BYDAY=FR", datetime(2027, 1, 1, 9), timedelta(hours=3))
    paris_midnight = datetime(2027, 2, 1, tzinfo=PARIS)

    february = occurrences(permanence, after=paris_midnight, before=datetime(2027, 3, 1, tzinfo=PARIS))
    from_the_fifth = occurrences(permanence, after=utc(2027, 2, 5, 8), before=utc(2027, 2, 19, 8))
    new_york = occurrences(permanence, after=datetime(2027, 2, 5, 3, tzinfo=timezone(timedelta(hours=-5))), limit=1)

    assert [o.recurrence_id.day for o in february] == [5, 12, 19, 26]
    assert [o.index for o in february] == [5, 6, 7, 8]
    assert [o.recurrence_id.day for o in from_the_fifth] == [5, 12]  # after is inclusive, before exclusive
    assert [o.recurrence_id for o in new_york] == [datetime(2027, 2, 5, 9)]


def test_an_endless_series_is_capped_by_the_limit():
    daily = Recurrence("FREQ=DAILY", datetime(2027, 1, 1, 10), timedelta(hours=1))

    assert len(occurrences(daily)) == 500
    assert [o.index for o in occurrences(daily, limit=3)] == [0, 1, 2]
    assert len(occurrences(daily, after=utc(2027, 1, 1), before=utc(2028, 1, 1), limit=10)) == 10
    assert occurrences(daily, limit=0) == []


def test_a_series_that_ended_has_nothing_after_its_end():
    ended = Recurrence("FREQ=WEEKLY;UNTIL=20270129T100000", datetime(2027, 1, 1, 10), timedelta(hours=1))

    assert len(occurrences(ended)) == 5
    assert occurrences(ended, after=utc(2027, 2, 1)) == []


def test_bounds_must_be_instants_not_wall_times():
    daily = Recurrence("FREQ=DAILY", datetime(2027, 1, 1, 10), timedelta(hours=1))

    with pytest.raises(ValueError, match="after"):
        occurrences(daily, after=datetime(2027, 1, 1))


def test_an_impossible_rule_simply_has_no_occurrences():
    never = Recurrence("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", datetime(2027, 1, 1, 10), timedelta(hours=1))

    assert occurrences(never) == []


# --- Validation --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "code", "named"),
    [
        ("FREQ=WEEKLY;BYDAY=XX", "syntax", "BYDAY=XX"),
        ("FREQ=WEEKLY;BYDAY=FR;FOO=1", "syntax", "FOO"),
        ("FREQ=FORTNIGHTLY", "syntax", "FORTNIGHTLY"),
        ("BYDAY=FR", "syntax", "FREQ"),
        ("FREQ=DAILY;INTERVAL=0", "syntax", "INTERVAL"),
        ("FREQ=DAILY;COUNT=three", "syntax", "COUNT"),
        ("FREQ=MONTHLY;BYMONTHDAY=32", "syntax", "BYMONTHDAY=32"),
        ("FREQ=DAILY;UNTIL=2027-12-31", "syntax", "UNTIL"),
        ("FREQ=DAILY;COUNT=3;UNTIL=20271231T000000", "syntax", "COUNT and UNTIL"),
        ("FREQ=WEEKLY;BYDAY=+2TU", "syntax", "BYDAY=+2TU"),
        ("FREQ=DAILY;FREQ=WEEKLY", "syntax", "FREQ"),
        ("FREQ=DAILY;;BYHOUR", "syntax", "BYHOUR"),
        ("", "syntax", "empty"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "no_occurrence", "never"),
        ("FREQ=DAILY;BYMONTH=4;BYMONTHDAY=31", "no_occurrence", "never"),
        ("FREQ=DAILY;UNTIL=20261231T093000", "no_occurrence", "before the start"),
        ("FREQ=WEEKLY;COUNT=0", "no_occurrence", "COUNT=0"),
        ("FREQ=HOURLY;INTERVAL=2", "unsupported", "HOURLY"),
        ("FREQ=MINUTELY", "unsupported", "MINUTELY"),
        ("FREQ=DAILY;BYHOUR=9,14", "unsupported", "BYHOUR"),
        ("FREQ=WEEKLY;BYDAY=FR;BYMINUTE=0,30", "unsupported", "BYMINUTE"),
        ("FREQ=DAILY;BYSECOND=0,1", "unsupported", "BYSECOND"),
        ("FREQ=DAILY;DTSTART=20270112T093000", "unsupported", "DTSTART"),
        ("DTSTART;TZID=Europe/Paris:20270112T093000\nRRULE:FREQ=DAILY", "unsupported", "DTSTART"),
    ],
)
def test_organisers_get_a_clear_reason_for_an_unusable_rule(rule, code, named):
    with pytest.raises(InvalidRecurrence) as caught:
        validate(Recurrence(rule, START, SLOT))

    assert caught.value.code == code
    assert named in caught.value.message


def test_an_impossible_rule_without_end_is_rejected_without_scanning_forever():
    # dateutil alone scans every year up to 9999 for these; the suite's timeout guards against a regression.
    for rule in ["FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "FREQ=DAILY;BYHOUR=9;BYSETPOS=2", "FREQ=MONTHLY;BYDAY=+6MO"]:
        with pytest.raises(InvalidRecurrence) as caught:
            validate(Recurrence(rule, START, SLOT))
        assert caught.value.code == "no_occurrence"


def test_a_series_whose_every_session_is_cancelled_is_rejected():
    three = Recurrence("FREQ=WEEKLY;COUNT=3", START, SLOT, exdates=tuple(START + timedelta(weeks=n) for n in range(3)))
    two_of_three = Recurrence("FREQ=WEEKLY;COUNT=3", START, SLOT, exdates=three.exdates[:2])

    with pytest.raises(InvalidRecurrence) as caught:
        validate(three)

    assert caught.value.code == "no_occurrence"
    validate(two_of_three)


@pytest.mark.parametrize("zone", ["Europe/Pariss", "Mars/Olympus_Mons", "", "../etc/passwd", "Europe"])
def test_an_unknown_time_zone_is_rejected(zone):
    with pytest.raises(InvalidRecurrence) as caught:
        validate(Recurrence("FREQ=DAILY", START, SLOT, timezone=zone))

    assert caught.value.code == "bad_timezone"


@pytest.mark.parametrize("duration", [timedelta(0), timedelta(minutes=-30), timedelta(hours=24), timedelta(days=2)])
def test_a_session_must_last_between_nothing_and_a_day(duration):
    with pytest.raises(InvalidRecurrence) as caught:
        validate(Recurrence("FREQ=DAILY", START, duration))

    assert caught.value.code == "bad_duration"


def test_the_start_is_a_local_wall_time_not_an_instant():
    with pytest.raises(InvalidRecurrence) as caught:
        validate(Recurrence("FREQ=DAILY", START.replace(tzinfo=PARIS), SLOT))

    assert caught.value.code == "syntax"


def test_rules_are_read_like_calendars_write_them():
    lower_case = Recurrence("rrule:freq=weekly;byday=fr;count=2", datetime(2027, 1, 1, 9), SLOT)
    utc_until = Recurrence("FREQ=WEEKLY;BYDAY=FR;UNTIL=20270708T220000Z", datetime(2027, 6, 4, 9), SLOT)
    date_until = Recurrence("FREQ=WEEKLY;BYDAY=FR;UNTIL=20270709", datetime(2027, 6, 4, 9), SLOT)

    for rec in (lower_case, utc_until, date_until):
        validate(rec)
    assert len(occurrences(lower_case)) == 2
    # 22:00Z on 8 July is midnight in Paris, so Friday 9 July is out; a date-only UNTIL includes its day.
    assert occurrences(utc_until)[-1].recurrence_id == datetime(2027, 7, 2, 9)
    assert occurrences(date_until)[-1].recurrence_id == datetime(2027, 7, 9, 9)


# --- Calendars ---------------------------------------------------------------------------------------------------


def test_calendar_export_carries_the_zone_and_a_utc_until():
    rec = Recurrence(
        "FREQ=MONTHLY;INTERVAL=2;BYDAY=+2TU;UNTIL=20270713T093000",
        START,
        SLOT,
        exdates=(datetime(2027, 5, 11, 9, 30), datetime(2027, 3, 9, 9, 30)),
    )

    assert to_ical_lines(rec) == [
        "DTSTART;TZID=Europe/Paris:20270112T093000",
        "RRULE:FREQ=MONTHLY;INTERVAL=2;BYDAY=+2TU;UNTIL=20270713T073000Z",
        "EXDATE;TZID=Europe/Paris:20270309T093000,20270511T093000",
    ]
    assert to_ical_lines(Recurrence("FREQ=DAILY", START, SLOT))[1:] == ["RRULE:FREQ=DAILY"]


def test_an_end_date_replaces_the_count_or_the_previous_end():
    assert rrule_with_until("FREQ=WEEKLY;COUNT=10;BYDAY=FR", datetime(2027, 3, 5, 9)) == (
        "FREQ=WEEKLY;BYDAY=FR;UNTIL=20270305T090000"
    )
    assert rrule_with_until("FREQ=WEEKLY;UNTIL=20271231T000000;BYDAY=FR", datetime(2027, 3, 5, 9)) == (
        "FREQ=WEEKLY;UNTIL=20270305T090000;BYDAY=FR"
    )


# --- "This and following" edits ----------------------------------------------------------------------------------


def test_moving_the_rest_of_a_counted_series_keeps_every_session():
    rec = Recurrence("FREQ=MONTHLY;INTERVAL=2;BYDAY=+2TU;COUNT=6", START, SLOT, exdates=(datetime(2027, 3, 9, 9, 30),))
    at = datetime(2027, 7, 13, 9, 30)

    head, tail = split(rec, at)

    assert head is not None
    assert head.rrule == "FREQ=MONTHLY;INTERVAL=2;BYDAY=+2TU;UNTIL=20270511T093000"
    assert head.exdates == (datetime(2027, 3, 9, 9, 30),) and tail.exdates == ()
    assert tail.rrule == "FREQ=MONTHLY;INTERVAL=2;BYDAY=+2TU;COUNT=3"
    assert tail.dtstart == at and ids(tail)[0] == at
    assert ids(head) + ids(tail) == ids(rec)
    validate(head)
    validate(tail)


def test_moving_the_rest_of_an_endless_series_keeps_its_rule():
    rec = Recurrence("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR", datetime(2027, 1, 4, 18), timedelta(hours=2))
    at = datetime(2027, 3, 19, 18)

    head, tail = split(rec, at)

    assert head is not None and head.rrule == "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR;UNTIL=20270315T180000"
    assert tail.rrule == rec.rrule and tail.dtstart == at
    head_ids = ids(head)
    assert len(head_ids) == 11 and head_ids[-1] == datetime(2027, 3, 15, 18)
    assert head_ids + ids_up_to(tail, 49) == ids_up_to(rec, 60)


def test_changing_a_series_from_its_first_session_leaves_no_head():
    rec = Recurrence("FREQ=WEEKLY;COUNT=4", START, SLOT)

    head, tail = split(rec, START)

    assert head is None
    assert tail == rec


def test_a_series_cannot_be_split_where_it_has_no_session():
    rec = Recurrence("FREQ=WEEKLY;COUNT=4;BYDAY=TU", START, SLOT, exdates=(START + timedelta(weeks=1),))

    for at in [START + timedelta(days=1), START + timedelta(weeks=4), START - timedelta(weeks=1), rec.exdates[0]]:
        with pytest.raises(InvalidRecurrence) as caught:
            split(rec, at)
        assert caught.value.code == "no_occurrence"


# --- Properties against the dateutil reference -------------------------------------------------------------------


def dst_weeks() -> st.SearchStrategy[date]:
    """Days of the last weeks of March and October, where the clocks change."""
    return st.builds(date, st.integers(2025, 2029), st.sampled_from([3, 10]), st.integers(25, 31))


@st.composite
def counted_series(draw: st.DrawFn) -> Recurrence:
    freq = draw(st.sampled_from(["DAILY", "WEEKLY", "MONTHLY"]))
    parts = [f"FREQ={freq}", f"INTERVAL={draw(st.integers(1, 3))}"]
    if freq == "WEEKLY" and draw(st.booleans()):
        parts.append("BYDAY=" + ",".join(draw(st.lists(st.sampled_from(WEEKDAYS), min_size=1, unique=True))))
    if freq == "MONTHLY" and draw(st.booleans()):
        parts.append(f"BYDAY={draw(st.sampled_from(['+1', '+2', '+3', '+4', '-1']))}{draw(st.sampled_from(WEEKDAYS))}")
    parts.append(f"COUNT={draw(st.integers(1, 40))}")
    day = draw(st.one_of(st.dates(date(2025, 1, 1), date(2029, 12, 31)), dst_weeks()))
    start = datetime.combine(day, time(draw(st.integers(6, 20)), draw(st.sampled_from([0, 15, 30, 45]))))
    return Recurrence(";".join(parts), start, timedelta(minutes=draw(st.integers(30, 240))))


@settings(max_examples=200, deadline=None, database=None)
@given(counted_series())
def test_every_series_matches_dateutil_and_keeps_paris_wall_clock_time(rec):
    reference = list(rrulestr(rec.rrule, dtstart=rec.dtstart))

    found = occurrences(rec)

    assert [o.recurrence_id for o in found] == reference
    assert [o.index for o in found] == list(range(len(reference)))
    for o in found:
        start, end = wall_clock(o)
        assert start == o.recurrence_id
        assert end - start == rec.duration
        offset = o.starts_at.astimezone(PARIS).utcoffset()
        assert offset == o.recurrence_id.replace(tzinfo=PARIS).utcoffset()
        assert offset == timedelta(hours=2 if eu_summer_time(o.recurrence_id) else 1)
        assert o.starts_at.utcoffset() == timedelta(0) and o.ends_at > o.starts_at


@settings(max_examples=200, deadline=None, database=None)
@given(counted_series(), st.data())
def test_splitting_anywhere_keeps_exactly_the_same_sessions(rec, data):
    generated = list(rrulestr(rec.rrule, dtstart=rec.dtstart))
    cancelled = data.draw(st.lists(st.sampled_from(generated), max_size=len(generated) - 1, unique=True))
    rec = Recurrence(rec.rrule, rec.dtstart, rec.duration, exdates=tuple(cancelled))
    before = ids(rec)
    at = data.draw(st.sampled_from(before))

    head, tail = split(rec, at)

    assert ids(head) + ids(tail) == before
    assert tail.dtstart == at and ids(tail)[0] == at
    assert (head is None) == (generated[0] == at)
    validate(tail)
    if head is not None and ids(head):
        validate(head)
