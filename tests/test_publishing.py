"""An organiser publishes only what youths can find, is asked before odd dates, and a cancellation
that texts everyone is never one click away."""

import html
import re
from datetime import UTC, date, datetime, timedelta

from events.holidays import holiday, next_working_day
from events.tables import Event, EventStatus, Session
from messaging.tables import OutboxMessage
from tests.factories.accounts import organiser
from tests.factories.events import make_event, make_session
from tests.factories.registration import published_event, register_online
from tests.support import post_form


def text(response) -> str:
    return html.unescape(response.text)


def _on(day: date, hour: int = 8) -> tuple[datetime, datetime]:
    start = datetime.combine(day, datetime.min.time(), UTC).replace(hour=hour)
    return start, start + timedelta(hours=2)


def _next(weekday: int) -> date:
    day = date.today() + timedelta(days=30)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


async def _status(event_id: int) -> str:
    return (await Event.objects().get(Event.id == event_id)).status


async def test_an_event_with_no_place_cannot_be_published_and_the_organiser_is_told_why(client):
    organisation, _user = await organiser(client)
    monday = _next(0)
    event = await make_event(organisation, starts_on=monday, contact_phone="0612345678")
    await make_session(event, *_on(monday), title="Atelier CV")

    await post_form(client, f"/events/{event.id}/status", {"status": "published", "confirmed": "1"})
    assert await _status(event.id) == EventStatus.draft
    page = text(await client.get(f"/events/{event.id}"))
    assert "Atelier CV" in page and "point de rendez-vous" in page

    await Session.update({Session.place: "Mission Locale, 5 avenue des Alpes"}).where(Session.event == event.id)
    await post_form(client, f"/events/{event.id}/status", {"status": "published"})
    assert await _status(event.id) == EventStatus.published


async def test_a_meeting_point_is_enough_of_a_place_to_publish(client):
    organisation, _user = await organiser(client)
    monday = _next(0)
    event = await make_event(
        organisation, starts_on=monday, contact_phone="0612345678", meeting_point="Gare de Valence"
    )
    await make_session(event, *_on(monday))
    await post_form(client, f"/events/{event.id}/status", {"status": "published"})
    assert await _status(event.id) == EventStatus.published


async def test_publishing_on_a_sunday_without_a_phone_asks_first_then_publishes_once_confirmed(client):
    organisation, _user = await organiser(client)
    sunday = _next(6)
    event = await make_event(organisation, starts_on=sunday, meeting_point="Place de la Mairie")
    await make_session(event, *_on(sunday))

    asked = await post_form(client, f"/events/{event.id}/status", {"status": "published"})
    assert asked.status_code == 200
    page = text(asked)
    assert "dimanche" in page and "week-end" in page
    assert "Aucun numéro de téléphone" in page
    assert 'name="confirmed"' in page
    assert await _status(event.id) == EventStatus.draft

    await post_form(client, f"/events/{event.id}/status", {"status": "published", "confirmed": "1"})
    assert await _status(event.id) == EventStatus.published


async def test_publishing_on_a_public_holiday_names_the_holiday(client):
    organisation, _user = await organiser(client)
    ascension = date(2031, 5, 22)  # a Thursday
    assert holiday(ascension) == "Ascension Day"
    event = await make_event(organisation, starts_on=ascension, contact_phone="0612345678", meeting_point="Gare")
    await make_session(event, *_on(ascension))
    page = text(await post_form(client, f"/events/{event.id}/status", {"status": "published"}))
    assert "jeudi 22 mai 2031" in page and "Ascension" in page and "férié" in page
    assert await _status(event.id) == EventStatus.draft


def test_french_public_holidays_and_working_days_are_computed():
    assert next_working_day(date(2026, 12, 27)) == date(2026, 12, 28)  # Sunday -> Monday
    assert next_working_day(date(2027, 12, 25)) == date(2027, 12, 27)  # Christmas on a Saturday
    assert next_working_day(date(2027, 5, 6)) == date(2027, 5, 7)  # Ascension
    assert next_working_day(date(2028, 4, 17)) == date(2028, 4, 18)  # Easter Monday
    assert next_working_day(date(2026, 7, 14)) == date(2026, 7, 15)
    assert next_working_day(date(2026, 12, 8)) == date(2026, 12, 8)


async def test_a_new_event_is_proposed_on_a_working_day(client):
    await organiser(client)
    form = text(await client.get("/events/new?format=info_collective"))
    proposed = date.fromisoformat(re.search(r'name="starts_on"[^>]*value="([\d-]+)"', form).group(1))
    assert proposed.weekday() < 5 and holiday(proposed) is None
    assert proposed >= date.today() + timedelta(days=21)


async def test_cancelling_a_published_event_with_youths_asks_first_says_how_many_and_sends_the_reason(client):
    organisation, _user = await organiser(client)
    event = await published_event(organisation=organisation)
    await register_online(client, event, n=1)
    await register_online(client, event, n=2)
    last = max(m["id"] for m in await OutboxMessage.select(OutboxMessage.id))

    asked = await post_form(client, f"/events/{event.id}/status", {"status": "cancelled"})
    assert asked.status_code == 200
    assert "2 jeunes seront prévenu·es" in text(asked)
    assert await _status(event.id) == EventStatus.published
    assert await OutboxMessage.count().where(OutboxMessage.id > last) == 0

    reason = "la salle n'est pas disponible"
    data = {"status": "cancelled", "confirmed": "1", "reason": reason}
    await post_form(client, f"/events/{event.id}/status", data)
    assert await _status(event.id) == EventStatus.cancelled
    texts = [m["body_text"] for m in await OutboxMessage.select().where(OutboxMessage.id > last)]
    assert len(texts) == 2 and all("Motif : la salle n'est pas disponible." in t for t in texts)


async def test_cancelling_an_event_nobody_registered_for_needs_no_confirmation(client):
    organisation, _user = await organiser(client)
    event = await published_event(organisation=organisation)
    await post_form(client, f"/events/{event.id}/status", {"status": "cancelled"})
    assert await _status(event.id) == EventStatus.cancelled


async def test_removing_a_session_youths_are_registered_for_asks_first_and_sends_the_reason(client):
    organisation, _user = await organiser(client)
    event = await published_event(organisation=organisation)
    await register_online(client, event, n=1)
    await register_online(client, event, n=2)
    session = await Session.objects().where(Session.event == event.id).first()
    last = max(m["id"] for m in await OutboxMessage.select(OutboxMessage.id))

    asked = await post_form(client, f"/sessions/{session.id}/delete", {})
    assert asked.status_code == 200
    assert "2 jeunes seront prévenu·es" in text(asked)
    assert await Session.exists().where(Session.id == session.id)
    assert await OutboxMessage.count().where(OutboxMessage.id > last) == 0

    data = {"confirmed": "1", "reason": "l'intervenante est malade"}
    await post_form(client, f"/sessions/{session.id}/delete", data)
    assert not await Session.exists().where(Session.id == session.id)
    texts = [m["body_text"] for m in await OutboxMessage.select().where(OutboxMessage.id > last)]
    assert len(texts) == 2 and all("Motif : l'intervenante est malade" in t for t in texts)


async def test_removing_a_session_of_a_draft_needs_no_confirmation(client):
    organisation, _user = await organiser(client)
    event = await make_event(organisation)
    session = await make_session(event, *_on(_next(0)))
    await post_form(client, f"/sessions/{session.id}/delete", {})
    assert not await Session.exists().where(Session.id == session.id)
