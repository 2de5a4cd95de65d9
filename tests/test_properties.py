"""Properties that hold whatever is typed: a phone number, a registration form, a recurrence rule, a sequence of
hand edits of a rally plan. Hypothesis generates the input; each property says what must happen for all of it
(never a server error: an answer, or a refusal on its field). Examples are bounded to keep the suite fast.

The database-backed properties run their async steps on the test session's loop (where the pool lives) from a
synchronous Hypothesis test, and restore what they changed after each example.
"""

from __future__ import annotations

import asyncio
import re
import string
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import phonenumbers
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from core.errors import DomainError, InvalidInput
from core.forms import convert
from events.recurrence import InvalidRecurrence, Recurrence, occurrences, validate
from planning import runner, runs
from planning import services as planning
from planning.tables import Team, TeamMember, Visit
from registration import services as registrations
from registration.errors import InvalidPhone
from registration.inputs import RegistrationInput
from registration.people import normalise_phone, youth_form_errors
from registration.tables import Registration
from tests.factories.planning import rally
from tests.factories.registration import published_event

QUICK = settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
WITH_DB = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
PARIS = ZoneInfo("Europe/Paris")
E164_FR_MOBILE = re.compile(r"^\+33(6\d|7[3-9])\d{7}$")


@pytest.fixture
async def loop():
    """The test session's event loop, idle while a synchronous test runs: the database-backed steps run on it."""
    return asyncio.get_running_loop()


# --------------------------------------------------------------------------- phone numbers

PHONE_CHARACTERS = st.text(alphabet=string.digits + " .-+()/", max_size=20)


def _french_mobile(digits: str) -> bool:
    number = phonenumbers.parse("+33" + digits)
    return (
        phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE
    )


# The nine digits after 0 of a number in the French mobile ranges (06, and 073 to 079: 070-072 are not allocated).
MOBILE_DIGITS = st.from_regex(r"\A(6[0-9]|7[3-9])[0-9]{7}\Z").filter(_french_mobile)


@st.composite
def french_mobiles(draw: st.DrawFn) -> tuple[str, str]:
    """A French mobile number as people write it, and its E.164 form."""
    digits = draw(MOBILE_DIGITS)
    national = "0" + digits
    separator = draw(st.sampled_from(["", " ", ".", "-"]))
    pairs = separator.join(national[i : i + 2] for i in range(0, 10, 2))
    written = draw(st.sampled_from([pairs, "+33 " + pairs[1:].lstrip(" .-"), "0033" + digits, "+33" + digits]))
    return written, "+33" + digits


@QUICK
@given(st.one_of(PHONE_CHARACTERS, st.text(max_size=30)))
def test_a_phone_number_is_either_a_valid_mobile_in_e164_or_refused_on_its_field(raw):
    try:
        number = normalise_phone(raw)
    except InvalidPhone as refusal:
        assert refusal.field == "phone" and refusal.text()
        return
    parsed = phonenumbers.parse(number)
    assert number.startswith("+") and phonenumbers.is_valid_number(parsed)
    assert phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == number
    assert normalise_phone(number) == number  # idempotent


@QUICK
@given(french_mobiles())
def test_every_way_of_writing_a_french_mobile_gives_the_same_e164_number(mobile):
    written, expected = mobile
    assert normalise_phone(written) == expected
    assert E164_FR_MOBILE.match(expected) and normalise_phone(expected) == expected


# --------------------------------------------------------------------------- recurrence rules

FREQUENCIES = ["YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY", "MINUTELY", "SECONDLY", "FORTNIGHTLY", ""]
WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


@st.composite
def rules(draw: st.DrawFn) -> str:
    """Rules an expert could type, well-formed or not."""
    parts = [f"FREQ={draw(st.sampled_from(FREQUENCIES))}"]
    optional = {
        "INTERVAL": st.integers(-2, 400).map(str),
        "COUNT": st.integers(-1, 2000).map(str),
        "UNTIL": st.sampled_from(["20270101", "20270101T090000Z", "19990101", "2027-01-01", "99991231"]),
        "BYDAY": st.lists(
            st.tuples(st.sampled_from(["", "1", "+2", "-1", "5", "60"]), st.sampled_from([*WEEKDAYS, "XX"])),
            min_size=1,
            max_size=3,
        ).map(lambda days: ",".join(n + d for n, d in days)),
        "BYMONTHDAY": st.integers(-40, 40).map(str),
        "BYMONTH": st.integers(0, 13).map(str),
        "BYSETPOS": st.integers(-5, 5).map(str),
        "BYHOUR": st.integers(0, 30).map(str),
        "WKST": st.sampled_from([*WEEKDAYS, "ZZ"]),
    }
    for name in draw(st.lists(st.sampled_from(sorted(optional)), unique=True, max_size=4)):
        parts.append(f"{name}={draw(optional[name])}")
    rule = ";".join(draw(st.permutations(parts)))
    return draw(st.one_of(st.just(rule), st.text(max_size=40), st.just(rule + ";" + draw(st.text(max_size=8)))))


@QUICK
@given(
    rules(),
    st.datetimes(datetime(2025, 1, 1), datetime(2030, 12, 31)),
    st.integers(5, 24 * 60 - 1),
    st.integers(1, 400),
)
def test_an_accepted_rule_gives_occurrences_within_the_asked_bounds_and_a_sub_daily_one_is_refused(
    rule, start, minutes, days
):
    series = Recurrence(rule, start.replace(second=0, microsecond=0), timedelta(minutes=minutes))
    try:
        validate(series)
    except InvalidRecurrence as refusal:
        assert refusal.code and refusal.message
        return
    frequency = re.search(r"FREQ=(\w+)", rule.upper())
    assert frequency and frequency.group(1) in {"YEARLY", "MONTHLY", "WEEKLY", "DAILY"}  # never sub-daily
    after = series.dtstart.replace(tzinfo=PARIS)
    before = after + timedelta(days=days)
    found = occurrences(series, after=after, before=before, limit=100)
    assert len(found) <= 100
    assert all(after <= o.starts_at < before and o.ends_at - o.starts_at > timedelta(0) for o in found)
    assert [o.index for o in found] == sorted({o.index for o in found})
    assert found or occurrences(series, limit=1)  # an accepted rule occurs, if not within these days then later


# --------------------------------------------------------------------------- registration input

FORM_FIELDS = ["first_name", "last_name", "phone", "birth_date", "postcode", "commune", "email"]
TYPED = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["Inès", "Benali", "06 11 22 33 44", "+33611223344", "2008-05-17", "26000", "Valence", ""]),
    st.from_regex(r"\A0[67]( ?[0-9][0-9]){4}\Z"),
    st.dates().map(str),
)


@pytest.fixture
async def open_event():
    return await published_event(capacity=None)


@WITH_DB
@given(form=st.fixed_dictionaries({}, optional={name: TYPED for name in FORM_FIELDS}))
def test_whatever_is_typed_in_the_registration_form_registers_the_youth_or_says_which_fields_to_correct(
    loop, open_event, form
):
    event = open_event
    today = registrations.utcnow().date()
    errors = youth_form_errors(form, today)
    if errors:
        assert set(errors) <= {*FORM_FIELDS, "parental_consent", "parent_name", "__all__"}
        assert all(isinstance(text, str) and text for text in errors.values())
        return
    try:
        data = convert(RegistrationInput, {k: v for k, v in form.items() if v != ""})
        registered = loop.run_until_complete(registrations.register(None, data, public_token=event.public_token))
    except InvalidInput as refusal:
        assert refusal.field, refusal  # a refusal names its field
        return
    except DomainError as refusal:
        assert refusal.status_code < 500 and refusal.text()
        return
    row = loop.run_until_complete(
        Registration.select(Registration.status).where(Registration.id == registered.registration_id).first()
    )
    assert row and row["status"] in {"confirmed", "waiting", "pending"}


# --------------------------------------------------------------------------- hand edits of a rally plan


@pytest.fixture
async def planned_rally(client):
    from tests.factories.accounts import organiser

    _organisation, user = await organiser(client)
    event = (await rally(_organisation)).event
    run_id = await runs.start_run(user, event.id, seconds=2, spawn=False)
    assert await runner.execute_run(run_id) == "done"
    return user, event


async def _plan_state(event_id: int) -> dict:
    teams = await Team.select(Team.id, Team.companion, Team.locked).where(Team.event == event_id)
    ids = [t["id"] for t in teams]
    members = await TeamMember.select(TeamMember.id, TeamMember.team, TeamMember.registration).where(
        TeamMember.team.is_in(ids)
    )
    visits = await Visit.select(Visit.id, Visit.site, Visit.starts_at, Visit.ends_at, Visit.locked).where(
        Visit.team.is_in(ids)
    )
    return {"teams": teams, "members": members, "visits": visits}


async def _restore(state: dict) -> None:
    for team in state["teams"]:
        await Team.update({Team.companion: team["companion"], Team.locked: team["locked"]}).where(Team.id == team["id"])
    for member in state["members"]:
        await TeamMember.update({TeamMember.team: member["team"]}).where(TeamMember.id == member["id"])
    for visit in state["visits"]:
        columns = {Visit.site: visit["site"], Visit.starts_at: visit["starts_at"], Visit.ends_at: visit["ends_at"]}
        await Visit.update({**columns, Visit.locked: visit["locked"]}).where(Visit.id == visit["id"])


EDITS = st.lists(
    st.one_of(
        st.tuples(st.just("move_member"), st.integers(0, 20), st.integers(0, 8)),
        st.tuples(st.just("set_companion"), st.integers(0, 8), st.one_of(st.none(), st.integers(0, 8))),
        st.tuples(
            st.just("move_visit"),
            st.integers(0, 20),
            st.integers(-1, 4),
            st.sampled_from(["09:00", "09:30", "14:15", "23:59", "7:5", "", "25:00", "abc"]),
            st.integers(0, 8),
        ),
        st.tuples(st.just("set_team_lock"), st.integers(0, 8), st.booleans()),
        st.tuples(st.just("set_visit_lock"), st.integers(0, 20), st.booleans()),
    ),
    max_size=6,
)


def _pick(items: list[dict], index: int, key: str = "id") -> int:
    """An existing id most of the time; past the end of the list, an id that names nothing."""
    return items[index][key] if index < len(items) else 10_000 + index


async def _apply(user, event, state: dict, edit: tuple) -> None:
    teams, members, visits = state["teams"], state["members"], state["visits"]
    sites = [{"id": s["id"]} for s in await planning.store.host_sites(event.id)]
    name, *args = edit
    if name == "move_member":
        await planning.move_member(user, event.id, _pick(members, args[0], "registration"), _pick(teams, args[1]))
    elif name == "set_companion":
        companion = None if args[1] is None else _pick(teams, args[1], "companion") or 10_000
        await planning.set_companion(user, event.id, _pick(teams, args[0]), companion)
    elif name == "move_visit":
        await planning.move_visit(user, event.id, _pick(visits, args[0]), args[1], args[2], _pick(sites, args[3]))
    elif name == "set_team_lock":
        await planning.set_team_lock(user, event.id, _pick(teams, args[0]), args[1])
    else:
        await planning.set_visit_lock(user, event.id, _pick(visits, args[0]), args[1])


async def _edit_and_check(user, event, edits: list[tuple]) -> None:
    state = await _plan_state(event.id)
    youths = sorted(m["registration"] for m in state["members"])
    try:
        for edit in edits:
            try:
                await _apply(user, event, state, edit)
            except DomainError as refusal:  # refused: an id of nothing, a time outside the rally
                assert refusal.status_code < 500 and refusal.text()
        view = await planning.overview(user, event.id)  # the page the organiser sees next
        assert view["missing"] is None
        placed = sorted(m["registration"] for team in view["teams"] for m in team["members"])
        assert placed == youths  # every youth in exactly one team, whatever was moved
        assert all(v.code and v.message for v in view["violations"])  # what breaks is said, in words
    finally:
        await _restore(state)
    assert not (await planning.overview(user, event.id))["violations"]  # undone: the plan is valid again


@WITH_DB
@given(edits=EDITS)
@example(edits=[("move_visit", 0, 0, "23:59", 0)])  # would end past midnight: refused, not a broken plan
def test_any_sequence_of_hand_edits_keeps_a_plan_the_organiser_can_read_and_undo(loop, planned_rally, edits):
    user, event = planned_rally
    loop.run_until_complete(_edit_and_check(user, event, edits))
