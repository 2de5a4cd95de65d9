"""Recurring series: every Friday morning, every two months on the second Tuesday, rotating
between Missions Locales. One date can be cancelled or moved; "this and following" edits."""

import html
from datetime import datetime
from zoneinfo import ZoneInfo

from core.i18n import language
from events import series as series_service
from events.inputs import OccurrenceMove, SeriesChange, SiteInput
from events.rules import describe
from events.sites import create_site
from events.tables import Event, EventStatus, Format, Series, Session
from messaging.tables import OutboxMessage
from registration.tables import Registration
from tests.factories.accounts import organiser
from tests.factories.events import make_series
from tests.factories.registration import make_registration, make_youth, register_online
from tests.support import api, post_form

PARIS = ZoneInfo("Europe/Paris")


async def _occurrences(series_id: int) -> list[dict]:
    rows = (
        await Session.select(
            Session.event,
            Session.starts_at,
            Session.ends_at,
            Session.event.status,
            Session.event.detached,
            Session.site,
        )
        .where(Session.event.series == series_id)
        .order_by(Session.starts_at)
    )
    return rows


async def test_a_friday_permanence_keeps_nine_oclock_across_the_spring_change(client):
    _, user = await organiser(client)
    series_id = await make_series(user)
    dates = await _occurrences(series_id)
    assert len(dates) >= 12
    local = [(d["starts_at"].astimezone(PARIS), d["ends_at"].astimezone(PARIS)) for d in dates]
    assert all(start.weekday() == 4 and start.hour == 9 and end.hour == 12 for start, end in local)
    assert dates[0]["starts_at"].hour == 8 and dates[-1]["starts_at"].hour == 7  # UTC: before/after 30 March


async def test_cancelling_one_date_leaves_the_others_intact(client):
    _, user = await organiser(client)
    series_id = await make_series(user)
    before = await _occurrences(series_id)
    third = before[2]["event"]

    await series_service.cancel_occurrence(user, third)

    after = await _occurrences(series_id)
    assert [(d["event"], d["starts_at"]) for d in after] == [(d["event"], d["starts_at"]) for d in before]
    assert [d["event.status"] for d in after].count(EventStatus.cancelled) == 1
    assert (await Event.objects().get(Event.id == third)).status == EventStatus.cancelled
    assert "2031-03-21T09:00:00" in (await Series.objects().get(Series.id == series_id)).exdates_local


async def test_moving_one_date_leaves_the_others_at_their_time(client):
    _, user = await organiser(client)
    series_id = await make_series(user)
    before = await _occurrences(series_id)
    await series_service.move_occurrence(
        user,
        before[1]["event"],
        OccurrenceMove(starts_at=datetime(2031, 3, 13, 14, 0), ends_at=datetime(2031, 3, 13, 17, 0)),
    )
    after = {d["event"]: d for d in await _occurrences(series_id)}
    moved = after[before[1]["event"]]
    assert moved["starts_at"].astimezone(PARIS) == datetime(2031, 3, 13, 14, 0, tzinfo=PARIS)
    assert moved["event.detached"] is True
    for other in before[:1] + before[2:]:
        assert after[other["event"]]["starts_at"] == other["starts_at"]


async def test_this_and_following_moves_later_dates_and_keeps_registrations(client):
    organisation, user = await organiser(client)
    series_id = await make_series(user)
    before = await _occurrences(series_id)
    pivot = before[4]["event"]
    later = before[6]["event"]
    youth = await make_youth(organisation)
    await make_registration(later, youth, manage_token="tok")

    tail_id = await series_service.change_series(user, series_id, SeriesChange(from_event_id=pivot, start_time="10:00"))

    assert tail_id != series_id
    head = await _occurrences(series_id)
    tail = await _occurrences(tail_id)
    assert [d["starts_at"] for d in head] == [d["starts_at"] for d in before[:4]]
    assert all(d["starts_at"].astimezone(PARIS).hour == 10 for d in tail)
    assert pivot in {d["event"] for d in tail} and later in {d["event"] for d in tail}
    assert await Registration.count().where(Registration.event == later) == 1


async def test_info_sessions_rotate_between_three_missions_locales(client):
    _, user = await organiser(client)
    site_ids = [
        await create_site(user, SiteInput(name=f"Mission Locale {city}", kind="mission_locale"))
        for city in ("Valence", "Romans", "Montélimar")
    ]
    series_id = await make_series(
        user,
        title="Perm'IAE",
        format=Format.info_collective,
        rrule="FREQ=MONTHLY;BYDAY=+1TH",
        first_start=datetime(2031, 1, 2, 14, 0),
        duration_minutes=120,
        rotation_site_ids=site_ids,
        months_ahead=6,
    )
    sites = [d["site"] for d in await _occurrences(series_id)]
    assert sites[:6] == site_ids + site_ids


async def test_a_rule_that_never_produces_a_date_is_refused_through_the_api(client):
    await organiser(client)
    response = await api(
        client,
        "POST",
        "/api/series",
        {
            "title": "Jamais",
            "format": "info_collective",
            "rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
            "first_start": "2031-01-01T09:00:00",
            "duration_minutes": 60,
        },
    )
    assert response.status_code == 400
    assert response.json()["code"] == "recurrence_never_occurs"
    assert response.json()["extra"] == {"field": "rrule"}
    assert await Series.count() == 0 and await Event.count() == 0


async def test_a_rule_with_several_times_a_day_is_refused_as_hourly_is(client):
    await organiser(client)
    response = await api(
        client,
        "POST",
        "/api/series",
        {
            "title": "Toutes les heures",
            "format": "permanence",
            "rrule": "FREQ=DAILY;BYHOUR=9,10,11,12,13,14,15,16",
            "first_start": "2031-01-01T09:00:00",
            "duration_minutes": 30,
        },
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_recurrence" and "BYHOUR" in response.json()["detail"]
    assert await Series.count() == 0 and await Event.count() == 0


async def test_an_organiser_creates_a_series_in_the_console(client):
    await organiser(client)
    form = await client.get("/series/new?format=info_collective")
    assert "FREQ=MONTHLY;INTERVAL=2;BYDAY=+2TU" in form.text
    response = await post_form(
        client,
        "/series/new",
        {
            "format": "info_collective",
            "title": "Info-coll intérim",
            "first_start": "2031-01-14T09:30",
            "duration_minutes": "120",
            "rrule": "FREQ=MONTHLY;INTERVAL=2;BYDAY=+2TU",
            "capacity": "10",
        },
    )
    assert response.status_code == 302, html.unescape(response.text)
    page = html.unescape((await client.get(response.headers["location"])).text)
    assert "mardi 14 janvier 2031" in page and "mardi 11 mars 2031" in page

    bad = await post_form(
        client,
        "/series/new",
        {
            "format": "info_collective",
            "title": "Cassé",
            "first_start": "2031-01-14T09:30",
            "duration_minutes": "120",
            "rrule": "FREQ=SOMETIMES",
        },
    )
    assert bad.status_code == 400 and 'id="error-rrule"' in bad.text


def test_the_usual_rules_read_as_plain_french():
    with language("fr"):
        assert describe("FREQ=WEEKLY;BYDAY=FR") == "chaque semaine, le vendredi"
        assert describe("FREQ=MONTHLY;INTERVAL=2;BYDAY=+2TU") == "tous les 2 mois, le deuxième mardi"
        assert describe("FREQ=MONTHLY;BYDAY=-1TH") == "chaque mois, le dernier jeudi"
        assert describe("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=3") == "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=3"


async def test_cancelling_one_date_youths_are_registered_for_asks_first_and_tells_them_the_reason(client):
    _, user = await organiser(client)
    series_id = await make_series(user)
    third = (await _occurrences(series_id))[2]["event"]
    await Event.update({Event.status: EventStatus.published}).where(Event.series == series_id)
    event = await Event.objects().get(Event.id == third)
    await register_online(client, event, n=1)
    await register_online(client, event, n=2)
    last = max(m["id"] for m in await OutboxMessage.select(OutboxMessage.id))

    asked = await post_form(client, f"/events/{third}/cancel-occurrence", {})
    assert "2 jeunes seront prévenu·es" in html.unescape(asked.text)
    assert (await Event.objects().get(Event.id == third)).status == EventStatus.published

    data = {"confirmed": "1", "reason": "l'équipe est en formation"}
    await post_form(client, f"/events/{third}/cancel-occurrence", data)
    assert (await Event.objects().get(Event.id == third)).status == EventStatus.cancelled
    texts = [m["body_text"] for m in await OutboxMessage.select().where(OutboxMessage.id > last)]
    assert len(texts) == 2 and all("Motif : l'équipe est en formation." in t for t in texts)
