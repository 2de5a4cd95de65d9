"""A youth registers from a link on their phone; places are never given twice; the waiting
list moves on its own; the youth manages their registration from their personal page."""

import asyncio
import dataclasses
import html
import re
from datetime import date, timedelta

import httpx
import icalendar
import ics

from accounts.tables import Role
from app.asgi import create_app
from core.clock import utcnow
from core.db import is_sqlite
from events.tables import Session
from messaging.outbox import deliver_due
from messaging.tables import OutboxMessage
from registration import services
from registration.inputs import RegistrationInput
from registration.tables import Consent, Participant, Registration, RegistrationStatus
from registration.tokens import digest
from tests.factories.accounts import organiser
from tests.factories.events import make_session
from tests.factories.registration import published_event, register_online, youth
from tests.support import post_form


def text(response) -> str:
    return html.unescape(response.text)


async def test_youth_registers_and_lands_on_their_personal_page(client):
    event = await published_event()
    page = await client.get(f"/e/{event.public_token}")
    assert page.status_code == 200 and "Information collective" in page.text
    response = await post_form(client, f"/e/{event.public_token}", youth(email="ines@exemple.fr"))
    assert response.status_code == 302
    personal = text(await client.get(response.headers["location"]))
    assert "Vous êtes inscrit·e." in personal and "Ajouter à mon agenda" in personal
    registration = await Registration.objects().first()
    participant = await Participant.objects().first()
    assert registration.status == RegistrationStatus.confirmed and participant.phone == "+33612340001"
    channels = sorted(m["channel"] for m in await OutboxMessage.select(OutboxMessage.channel))
    assert channels == ["email", "sms"]  # the confirmation, written with the registration


async def test_the_phone_is_checked_and_the_form_keeps_what_was_typed(client):
    event = await published_event()
    response = await register_online(client, event, phone="12345", first_name="Yanis")
    assert response.status_code == 400
    assert 'id="error-phone"' in response.text and "numéro de portable" in text(response)
    assert 'value="Yanis"' in response.text
    assert await Registration.count() == 0


async def test_a_birth_date_in_the_future_is_refused(client):
    event = await published_event()
    future = (date.today() + timedelta(days=3)).isoformat()
    response = await register_online(client, event, birth_date=future)
    assert response.status_code == 400 and 'id="error-birth_date"' in response.text


async def test_under_fifteen_needs_a_parent_and_the_consent_is_recorded(client):
    event = await published_event()
    thirteen = date.today().replace(year=date.today().year - 13).isoformat()
    refused = await register_online(client, event, birth_date=thirteen)
    assert refused.status_code == 400 and 'id="error-parent_name"' in refused.text
    ok = await register_online(client, event, birth_date=thirteen, parent_name="Samia Benali", parental_consent="on")
    assert ok.status_code == 302
    consent = await Consent.objects().first()
    assert consent.kind == "parental" and consent.given_by == "Samia Benali"


async def test_same_phone_twice_gives_no_second_registration_and_offers_the_link(client):
    event = await published_event()
    await register_online(client, event, email="ines@exemple.fr")
    again = await register_online(client, event)
    assert again.status_code == 409
    assert "Vous êtes déjà inscrit·e" in text(again)
    assert await Registration.count() == 1
    resent = await post_form(client, f"/e/{event.public_token}/resend", {"phone": youth()["phone"]})
    assert "Nous vous avons renvoyé votre lien" in text(resent)
    assert await OutboxMessage.count() == 4  # by text message and e-mail, at registration and again


async def test_when_full_youths_go_to_the_waiting_list(client):
    event = await published_event(capacity=1)
    await register_online(client, event, n=1)
    second = await register_online(client, event, n=2)
    personal = text(await client.get(second.headers["location"]))
    assert "liste d'attente" in personal
    statuses = [r["status"] for r in await Registration.select(Registration.status).order_by(Registration.id)]
    assert statuses == ["confirmed", "waiting"]


async def test_a_full_event_without_waiting_list_says_so(client):
    event = await published_event(capacity=1, waiting_list=False)
    await register_online(client, event, n=1)
    refused = await register_online(client, event, n=2)
    assert refused.status_code == 409 and "complet" in text(refused)
    assert await Registration.count() == 1


async def test_waitlisted_youth_is_promoted_when_someone_cancels(client, settings, smtp_server):
    event = await published_event(capacity=1)
    first = await register_online(client, event, n=1)
    await register_online(client, event, n=2, email="lina@exemple.fr")
    token = first.headers["location"].split("/")[2].split("?")[0]

    confirm = await client.get(f"/r/{token}/cancel")
    assert "Annuler mon inscription ?" in text(confirm)
    await post_form(client, f"/r/{token}/cancel", {})

    statuses = [r["status"] for r in await Registration.select(Registration.status).order_by(Registration.id)]
    assert statuses == ["cancelled", "confirmed"]
    await deliver_due(dataclasses.replace(settings, smtp_host="127.0.0.1", smtp_port=smtp_server.port))
    subjects = [m["Subject"] for m in smtp_server.messages]
    assert any("Une place se libère" in s for s in subjects), subjects


async def test_closed_or_unknown_links_get_a_clear_page(client):
    event = await published_event(registration_closes_at=utcnow() - timedelta(hours=1))
    closed = await client.get(f"/e/{event.public_token}")
    assert "Les inscriptions pour cet événement sont closes." in text(closed)
    refused = await register_online(client, event)
    assert refused.status_code == 409 and await Registration.count() == 0
    tampered = await client.get("/e/nimporte-quoi", headers={"accept": "text/html"})
    assert tampered.status_code == 404 and "Page introuvable" in tampered.text


async def test_the_honeypot_keeps_robots_out(client):
    event = await published_event()
    response = await register_online(client, event, website="http://spam.example")
    assert response.status_code == 200 and await Registration.count() == 0


async def test_public_posts_are_rate_limited_per_ip(app, client, settings):
    strict = create_app(
        dataclasses.replace(settings, public_posts_per_10_min=3), manage_database=False, run_outbox_worker=False
    )
    event = await published_event(capacity=None)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=strict), base_url="http://testserver") as c:
        answers = [(await register_online(c, event, n=n)).status_code for n in range(1, 6)]
    assert answers[:3] == [302, 302, 302] and answers[3:] == [429, 429]
    assert await Registration.count() == 3


async def test_consents_are_separate_dated_and_can_be_withdrawn(client):
    event = await published_event()
    response = await register_online(client, event, consent_photos="on", consent_other_messages="on")
    token = response.headers["location"].split("/")[2].split("?")[0]
    kinds = sorted(c["kind"] for c in await Consent.select(Consent.kind))
    assert kinds == ["other_messages", "photos"]
    await post_form(client, f"/r/{token}/consents/photos/withdraw", {})
    active = await Consent.select(Consent.kind).where(Consent.withdrawn_at.is_null())
    assert [c["kind"] for c in active] == ["other_messages"]
    assert await Consent.count() == 2  # the withdrawal is dated, the history kept


async def test_the_calendar_file_parses_in_two_libraries(client):
    event = await published_event()
    response = await register_online(client, event)
    token = response.headers["location"].split("/")[2].split("?")[0]
    body = (await client.get(f"/r/{token}/calendar.ics")).text
    parsed = icalendar.Calendar.from_ical(body)
    assert "VTIMEZONE" in body and "TZID=Europe/Paris" in body
    assert [str(c["summary"]) for c in parsed.walk("VEVENT")] == ["Information collective"]
    assert len(ics.Calendar(body).events) == 1


async def test_no_overbooking_under_concurrent_registrations(settings):
    """100 places, many youths at once: exactly 100 get a place, the others wait, nothing is lost."""
    event = await published_event(capacity=100)
    total = 200 if is_sqlite() else 500

    async def one(n: int):
        data = RegistrationInput(first_name=f"J{n}", last_name="X", phone=f"+3361{n:07d}", postcode="26000")
        return await services.register(event.id, data)

    results = await asyncio.gather(*(one(n) for n in range(total)))
    statuses = [r.status for r in results]
    assert statuses.count(RegistrationStatus.confirmed) == 100
    assert statuses.count(RegistrationStatus.waiting) == total - 100
    assert await Registration.count().where(Registration.status == "confirmed") == 100
    assert await Registration.count() == total


async def test_the_organisations_privacy_notice_is_shown_to_youths(client):
    organisation, _ = await organiser(client, role=Role.admin)
    await post_form(
        client,
        f"/organisations/{organisation.id}/privacy",
        {"privacy_notice": "Vos données restent à la Mission Locale de Valence."},
    )
    event = await published_event(organisation=organisation)
    page = text(await client.get(f"/e/{event.public_token}/privacy"))
    assert "Vos données restent à la Mission Locale de Valence." in page


async def test_a_second_attempt_with_someones_phone_changes_nothing_of_theirs(client):
    event = await published_event()
    await register_online(client, event, email="ines@exemple.fr")
    again = await register_online(client, event, first_name="Intrus", email="intrus@exemple.fr")
    assert again.status_code == 409
    participant = await Participant.objects().first()
    assert (participant.first_name, participant.email) == ("Inès1", "ines@exemple.fr")


async def test_a_youth_who_cancelled_can_register_again(client):
    event = await published_event(capacity=1)
    first = await register_online(client, event)
    await post_form(client, first.headers["location"].split("?")[0] + "/cancel", {})
    again = await register_online(client, event)
    assert again.status_code == 302
    assert "Vous êtes inscrit·e." in text(await client.get(again.headers["location"]))
    assert [r["status"] for r in await Registration.select(Registration.status)] == ["confirmed"]


async def test_the_event_row_counts_its_confirmed_places_through_every_change(client):
    """The database keeps the count the registration path relies on, whatever changes a status."""
    organisation, lead = await organiser(client)
    event = await published_event(capacity=2, organisation=organisation)

    async def counted() -> tuple[int, int]:
        row = (await Registration.raw("SELECT confirmed_count FROM event WHERE id = {}", event.id))[0]
        return row["confirmed_count"], await Registration.count().where(
            (Registration.event == event.id) & (Registration.status == "confirmed")
        )

    tokens = []
    for n in (1, 2, 3):
        response = await register_online(client, event, n=n)
        tokens.append(response.headers["location"].split("/")[2].split("?")[0])
    assert await counted() == (2, 2)
    await post_form(client, f"/r/{tokens[0]}/cancel", {})  # the third youth is promoted
    assert await counted() == (2, 2)
    waiting = await Registration.objects().where(Registration.manage_hash == digest(tokens[1])).first()
    await services.decide(waiting.id, RegistrationStatus.waiting, by=lead)  # moved back to the list
    assert await counted() == (1, 1)
    await Registration.delete().where(Registration.event == event.id)
    assert await counted() == (0, 0)


async def test_youth_picks_a_time_slot_when_each_has_its_own_places(client):
    event = await published_event(capacity=None)
    first = await Session.objects().where(Session.event == event.id).first()
    first.capacity = 1
    await first.save()
    second = await make_session(
        event, first.starts_at + timedelta(hours=5), first.ends_at + timedelta(hours=5), title="Après-midi", capacity=1
    )

    page = text(await client.get(f"/e/{event.public_token}"))
    assert "Votre créneau" in page and "1 place restante" in page
    missing = await register_online(client, event, n=1)
    assert missing.status_code == 400 and "Choisissez un créneau." in text(missing)
    assert await Registration.count() == 0

    await register_online(client, event, n=1, session_id=str(first.id))
    await register_online(client, event, n=2, session_id=str(first.id))
    await register_online(client, event, n=3, session_id=str(second.id))
    rows = await Registration.select(Registration.session, Registration.status).order_by(Registration.id)
    assert [(r["session"], r["status"]) for r in rows] == [
        (first.id, "confirmed"),
        (first.id, "waiting"),
        (second.id, "confirmed"),
    ]


async def test_a_youth_who_sends_the_form_again_after_no_answer_lands_on_their_page(client):
    """The phone lost the network as the form went: the youth taps "send" again and gets their page, not
    "already registered"; the form sent back for a brother (same copy, another phone) registers him."""
    event = await published_event(capacity=5)
    page = await client.get(f"/e/{event.public_token}")
    submission = re.search(r'name="submission" value="([^"]+)"', page.text).group(1)
    other_copy = re.search(r'name="submission" value="([^"]+)"', (await client.get(f"/e/{event.public_token}")).text)
    assert other_copy.group(1) != submission  # each copy of the form has its own key, cached page or not

    first = await post_form(client, f"/e/{event.public_token}", youth(1) | {"submission": submission})
    again = await post_form(client, f"/e/{event.public_token}", youth(1) | {"submission": submission})
    assert first.status_code == again.status_code == 302
    assert again.headers["location"] == first.headers["location"]
    brother = await post_form(client, f"/e/{event.public_token}", youth(2) | {"submission": submission})
    assert brother.status_code == 302 and brother.headers["location"] != first.headers["location"]
    assert await Registration.count() == 2
