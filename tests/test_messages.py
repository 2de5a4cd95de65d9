"""Youths hear from the organiser at the right moments, by text first, in the organisation's words."""

import html
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
from babel.dates import format_date

from events.tables import Event, Session
from messaging import templates
from messaging.sms import outside_gsm7
from messaging.tables import MessageTemplate, OutboxMessage
from registration import messages, reminders
from registration.tables import Participant, Registration
from tests.factories.accounts import organiser
from tests.factories.registration import published_event, register_online
from tests.support import post_form

PARIS = ZoneInfo("Europe/Paris")


def text(response) -> str:
    return html.unescape(response.text)


async def test_a_youth_without_email_gets_a_text_message_confirmation(client):
    event = await published_event()
    await register_online(client, event)
    sent = await OutboxMessage.select(OutboxMessage.channel, OutboxMessage.recipient, OutboxMessage.body_text)
    assert [(m["channel"], m["recipient"]) for m in sent] == [("sms", "+33612340001")]
    assert "Inès1" in sent[0]["body_text"] and "Information collective" in sent[0]["body_text"]


async def test_with_an_email_the_confirmation_also_goes_by_email(client):
    event = await published_event()
    await register_online(client, event, email="ines@exemple.fr")
    assert sorted(m["channel"] for m in await OutboxMessage.select(OutboxMessage.channel)) == ["email", "sms"]
    email = await OutboxMessage.select().where(OutboxMessage.channel == "email").first()
    assert email["attachment_method"] == "REQUEST" and "METHOD:REQUEST" in email["attachment"]
    assert "<p>" in email["body_html"] and 'href="http' in email["body_html"]  # HTML and text bodies


async def test_the_organisation_rewords_the_confirmation_and_youths_get_its_words(client):
    organisation, user = await organiser(client)
    page = text(await client.get(f"/organisations/{organisation.id}/messages/"))
    assert "Confirmation d'une inscription" in page and "SMS" in page
    saved = await post_form(
        client,
        f"/organisations/{organisation.id}/messages/confirmation/sms",
        {"body": "Coucou {first_name}, à {time} pour {event} ! {link}"},
    )
    assert saved.status_code in (302, 303)
    event = await published_event(organisation=organisation)
    await register_online(client, event)
    sms = await OutboxMessage.select(OutboxMessage.body_text).where(OutboxMessage.channel == "sms").first()
    start = (await Session.select(Session.starts_at).where(Session.event == event.id).first())["starts_at"]
    clock = start.astimezone(PARIS).strftime("%H:%M")
    assert sms["body_text"].startswith(f"Coucou Inès1, à {clock} pour Information collective !")


async def test_an_unknown_variable_is_refused_on_its_field_and_nothing_is_lost(client):
    organisation, _user = await organiser(client)
    refused = await post_form(
        client, f"/organisations/{organisation.id}/messages/confirmation/sms", {"body": "Bonjour {prenom} !"}
    )
    assert refused.status_code == 400 and "Variable inconnue {prenom}" in text(refused)
    assert await MessageTemplate.count() == 0


async def test_the_preview_counts_text_messages_and_warns_about_accents(client):
    organisation, _user = await organiser(client)
    url = f"/organisations/{organisation.id}/messages/preview"
    preview = await post_form(client, url, {"channel": "sms", "body": "Tu es prêt ? À demain…"})
    assert "Tu es pret ? A demain..." in text(preview) and "GSM-7" in text(preview)  # as it will be sent
    preview = await post_form(client, url, {"channel": "sms", "body": "Bravo 🎉 tu es prêt"})
    assert "UCS-2" in text(preview) and "1 SMS" in text(preview) and "prêt" in text(preview)
    assert templates.render("{first_name} {unknown}", {"first_name": "Inès"}) == "Inès "


async def test_reminders_go_two_days_before_the_day_before_and_after_once_each(client):
    event = await published_event()
    await register_online(client, event)
    first = await Session.select(Session.starts_at).where(Session.event == event.id).first()
    day = first["starts_at"].astimezone(PARIS).date()
    await OutboxMessage.delete(force=True)

    two_days_before = datetime.combine(day - timedelta(days=2), time(10, 1), PARIS)
    assert await reminders.send_due(two_days_before) == 1
    await reminders.send_due(two_days_before + timedelta(hours=1))  # the same reminder is not queued twice
    assert await OutboxMessage.count() == 1
    await reminders.send_due(datetime.combine(day - timedelta(days=1), time(18, 5), PARIS))
    await reminders.send_due(datetime.combine(day + timedelta(days=1), time(10, 1), PARIS))
    bodies = [m["body_text"] for m in await OutboxMessage.select(OutboxMessage.body_text).order_by(OutboxMessage.id)]
    assert len(bodies) == 3 and "demain" in bodies[1].lower() and "06 12 34 56 78" in bodies[2]
    too_late = two_days_before + timedelta(days=1, hours=13)
    assert all(rule.key != "reminder_2d" for _, rule, _ in await reminders.due(too_late))


async def test_a_youth_who_answered_stop_gets_no_more_text_messages(client):
    event = await published_event()
    await register_online(client, event, email="ines@exemple.fr")
    assert await messages.opt_out("+33612340001") == 1
    await OutboxMessage.delete(force=True)
    registration = await Registration.objects().first()
    from core.db import write_transaction

    async with write_transaction():
        used = await messages.tell(registration.id, "reminder_1d", occasion="x")
    assert [c.value for c in used] == ["email"]
    assert (await Participant.objects().first()).sms_opt_out_at is not None


async def test_a_youth_chooses_email_only_or_stop_from_their_page(client):
    event = await published_event()
    registered = await register_online(client, event, email="ines@exemple.fr")
    page = registered.headers["location"].split("?")[0]
    assert "Comment nous vous joignons" in text(await client.get(page))
    registration = await Registration.objects().first()
    from core.db import write_transaction

    await post_form(client, f"{page}/channel", {"channel": "email"})
    async with write_transaction():
        assert [c.value for c in await messages.tell(registration.id, "reminder_1d", occasion="a")] == ["email"]
    await post_form(client, f"{page}/channel", {"channel": "stop"})
    assert (await Participant.objects().first()).sms_opt_out_at is not None
    await post_form(client, f"{page}/channel", {"channel": "sms"})
    async with write_transaction():
        used = await messages.tell(registration.id, "reminder_1d", occasion="b")
    assert [c.value for c in used] == ["sms", "email"]


async def test_the_organiser_turns_off_the_day_after_thank_you_for_an_event(client):
    organisation, _user = await organiser(client)
    event = await published_event(organisation=organisation)
    page = text(await client.get(f"/events/{event.id}"))
    assert "Messages automatiques" in page and "Le lendemain" in page
    await post_form(client, f"/events/{event.id}/reminders", {"reminders": ["reminder_2d", "reminder_1d"]})
    saved = await Event.select(Event.options).where(Event.id == event.id).output(load_json=True).first()
    assert reminders.enabled(saved["options"]) == {"reminder_2d", "reminder_1d"}


async def test_the_month_after_text_comes_from_the_follow_ups_not_from_the_reminders(client):
    """The reminders' rhythm sends nothing a month after, even for an event that chose "follow_up" before:
    the "what has become of you?" text goes with the first follow-up, to those who came only, with their answer
    link (tests/test_follow_ups.py). Its wording is the organisation's to change, like the others."""
    organisation, _user = await organiser(client)
    event = await published_event(organisation=organisation)
    page = text(await client.get(f"/events/{event.id}"))
    assert "Un mois après" not in page
    chose_it_before = await published_event(organisation=organisation, title="Forum emploi")
    await Event.update({Event.options: {"reminders": ["thanks", "follow_up"]}}).where(Event.id == chose_it_before.id)
    await register_online(client, event)
    await register_online(client, chose_it_before, n=2)  # type: ignore[arg-type]
    await OutboxMessage.delete(force=True)
    last = max(s["starts_at"] for s in await Session.select(Session.starts_at))
    a_month_after = datetime.combine(last.astimezone(PARIS).date() + timedelta(days=30), time(10, 1), PARIS)
    assert await reminders.send_due(a_month_after) == 0
    assert await OutboxMessage.count() == 0
    assert "follow_up" in {entry["key"] for entry in await templates.organisation_templates(_user, organisation.id)}


async def test_a_stop_reply_from_the_provider_stops_text_messages_to_that_youth(client, settings):
    event = await published_event()
    await register_online(client, event)
    from messaging.sms import receipt_token

    token = receipt_token(settings, "brevo")
    refused = await client.post("/webhooks/sms/brevo/inbound?token=wrong", json={"from": "+33612340001"})
    assert refused.status_code == 401
    answered = await client.post(
        f"/webhooks/sms/brevo/inbound?token={token}",
        json={"from": "33612340001", "text": "STOP", "event": "replies"},
    )
    assert answered.status_code == 200, answered.text
    assert (await Participant.objects().first()).sms_opt_out_at is not None


async def test_an_urgent_text_goes_out_at_night_and_an_ordinary_one_waits_for_morning(client):
    organisation, user = await organiser(client)
    event = await published_event(organisation=organisation)
    await register_online(client, event)
    await OutboxMessage.delete(force=True)
    refused = await post_form(client, f"/events/{event.id}/message", {"text": "  "})
    assert refused.status_code == 400 and "Écrivez le message à envoyer." in text(refused)

    sent = await post_form(client, f"/events/{event.id}/message", {"text": "Rendez-vous décalé à 10h", "urgent": "on"})
    assert sent.status_code in (302, 303)
    urgent = await OutboxMessage.objects().first()
    assert urgent.urgent and urgent.body_text == "Rendez-vous décalé à 10h"

    from core.settings import get_settings
    from messaging import outbox

    night = datetime.combine(datetime.now(PARIS).date(), time(22, 30), PARIS)
    morning = outbox.quiet_until(night, get_settings())
    assert morning.astimezone(PARIS).time() == time(8, 0) and morning > night


async def test_the_messages_page_lists_a_queued_text_by_its_kind(client):
    organisation, _user = await organiser(client)
    event = await published_event(organisation=organisation)
    await register_online(client, event)
    assert await OutboxMessage.count() == 1
    page = await client.get(f"/organisations/{organisation.id}/messages/")
    assert page.status_code == 200, page.text[:300]
    assert "+33612340001" in text(page) and "Confirmation d'une inscription" in text(page)  # which message


async def test_a_correction_sent_right_after_a_mistaken_text_goes_too(client):
    organisation, _user = await organiser(client)
    event = await published_event(organisation=organisation)
    await register_online(client, event)
    await OutboxMessage.delete(force=True)
    await post_form(client, f"/events/{event.id}/message", {"text": "Rendez-vous à 9h", "urgent": "on"})
    corrected = await post_form(client, f"/events/{event.id}/message", {"text": "Pardon : à 10h", "urgent": "on"})
    assert corrected.status_code in (302, 303)
    bodies = [m["body_text"] for m in await OutboxMessage.select(OutboxMessage.body_text).order_by(OutboxMessage.id)]
    assert bodies == ["Rendez-vous à 9h", "Pardon : à 10h"]
    page = text(await client.get(corrected.headers["location"]))
    assert "1 jeune" in page or "1 jeunes" in page


async def test_every_default_text_message_stays_in_the_standard_set(client):
    from core.i18n import language
    from messaging.sms import outside_gsm7, sms_length
    from messaging.tables import Channel

    with language("fr"):
        for key in templates.DEFAULTS:
            _subject, body = templates.default(key, Channel.sms)
            assert not outside_gsm7(body), (key, outside_gsm7(body))
            example = sms_length(templates.render(body, templates.EXAMPLE))
            assert example.encoding == "GSM-7", key
            # with the example's long title and address: 1 text for most, 2 when they need the place and the link
            assert example.segments <= 2, (key, example)


async def test_the_editor_names_the_character_that_makes_a_text_cost_more(client):
    organisation, _user = await organiser(client)
    old_default = "Bonjour {first_name}, vous êtes inscrit·e à {event} le {date} à {time}, {place}."
    preview = text(
        await post_form(
            client, f"/organisations/{organisation.id}/messages/preview", {"channel": "sms", "body": old_default}
        )
    )
    assert "« ê », « · » n'existent pas en SMS standard : le message coûte 3 SMS au lieu de 1." in preview
    short = text(
        await post_form(
            client, f"/organisations/{organisation.id}/messages/preview", {"channel": "sms", "body": "Inscrit·e !"}
        )
    )
    assert "« · » n'existe pas en SMS standard : chaque SMS ne contient plus que 70 caractères" in short
    fine = text(
        await post_form(
            client, f"/organisations/{organisation.id}/messages/preview", {"channel": "sms", "body": "A demain !"}
        )
    )
    assert "SMS standard" not in fine


async def test_publishing_teams_says_how_many_texts_and_emails_were_queued(client):
    from tests.factories.planning import rally
    from tests.test_planning_console import _planned

    organisation, user = await organiser(client)
    event = (await rally(organisation)).event
    await _planned(client, user, event)
    published = await post_form(client, f"/events/{event.id}/planning/publish", {})
    assert await OutboxMessage.count().where(OutboxMessage.channel == "sms") == 9
    assert await OutboxMessage.count().where(OutboxMessage.channel == "email") == 5
    page = text(await client.get(published.headers["location"]))
    assert "Le planning est publié : 9 SMS et 5 e-mails en cours d'envoi." in page


async def test_publishing_interviews_names_only_the_youths_nothing_reached(client):
    from tests.factories.planning import job_dating
    from tests.test_planning_jobdating_console import plan

    organisation, user = await organiser(client)
    event, _sites, registrations = await job_dating(organisation)
    await plan(user, event.id)
    sami = registrations[3]
    await Participant.update({Participant.sms_opt_out_at: datetime.now(PARIS), Participant.email: ""}).where(
        Participant.id == sami.participant
    )
    published = await post_form(client, f"/events/{event.id}/interviews/publish", {})
    page = text(await client.get(published.headers["location"]))
    assert (
        "Le planning est publié : 3 SMS et 2 e-mails en cours d'envoi ; 1 jeune sans SMS ni e-mail : "
        "à prévenir par téléphone." in page
    )


async def test_the_day_after_those_who_came_are_thanked_and_the_others_offered_the_next_date(client):
    from checkin.tables import CheckIn
    from events.tables import Format

    organisation, _user = await organiser(client)
    event = await published_event(organisation=organisation, capacity=5)
    for n in (1, 2, 3):
        await register_online(client, event, n=n)  # type: ignore[arg-type]
    session = await Session.objects().where(Session.event == event.id).first()
    youths = {r.participant: r.id for r in await Registration.objects().where(Registration.event == event.id)}
    came, late, absent = [youths[p.id] for p in await Participant.objects().order_by(Participant.first_name)]
    await CheckIn(registration=came, session=session.id, status="present", nonce="n1").save()
    await CheckIn(registration=late, session=session.id, status="late", nonce="n2").save()
    await CheckIn(registration=absent, session=session.id, status="absent", nonce="n3").save()
    day = session.starts_at.astimezone(PARIS).date()
    later = await published_event(organisation=organisation)
    sooner_but_another_format = await published_event(organisation=organisation, format=Format.job_dating)
    await Event.update({Event.starts_on: day + timedelta(days=14)}).where(Event.id == later.id)
    await Event.update({Event.starts_on: day + timedelta(days=7)}).where(Event.id == sooner_but_another_format.id)
    await OutboxMessage.delete(force=True)

    await reminders.send_due(datetime.combine(day + timedelta(days=1), time(10, 1), PARIS))
    sent = {m["recipient"]: m["body_text"] for m in await OutboxMessage.select()}
    assert sent["+33612340001"].startswith("Merci de votre venue") and sent["+33612340002"].startswith("Merci")
    missed = sent["+33612340003"]
    assert missed.startswith("Bonjour Inès3, nous ne vous avons pas vu à Information collective. Pas grave !")
    assert f"/e/{later.public_token}" in missed and "Merci" not in missed
    assert "Prochaine date : le " + format_date(day + timedelta(days=14), "EEEE d MMMM", locale="fr") in missed
    assert not outside_gsm7(missed)


async def test_the_message_to_those_who_did_not_come_can_be_reworded(client):
    organisation, _user = await organiser(client)
    page = text(await client.get(f"/organisations/{organisation.id}/messages/"))
    assert "Le lendemain, aux jeunes qui ne sont pas venus" in page and "{next}" in page
    saved = await post_form(
        client, f"/organisations/{organisation.id}/messages/missed/sms", {"body": "On vous attend ! {next}"}
    )
    assert saved.status_code in (302, 303)


def test_the_team_text_names_team_and_companion_in_the_standard_set():
    # Issue 13: "vous êtes" made every team text UCS-2 (4 segments instead of 2); ê is not in GSM-7.
    from core.i18n import gettext, language
    from messaging.sms import outside_gsm7

    with language("fr"):
        details = gettext(
            "you are in team %(number)s with %(companion)s (%(phone)s).",
            number=7,
            companion="Thomas Faure",
            phone="06 65 87 09 21",
        )
    assert not outside_gsm7(details), outside_gsm7(details)
    assert details == "vous serez dans l'équipe 7 avec Thomas Faure (06 65 87 09 21) pour vous accompagner."


async def test_the_organiser_sends_failed_messages_again_but_never_a_text_to_someone_who_said_stop(client):
    from accounts.tables import Role
    from core.db import write_transaction
    from messaging import outbox
    from messaging.tables import DeliveryStatus
    from tests.factories.accounts import make_organisation, make_user
    from tests.support import login

    organisation, _user = await organiser(client)
    other = await make_organisation("ML Ardèche")
    event = await published_event(organisation=organisation)
    await register_online(client, event)  # a confirmation text to +33612340001…
    assert await messages.opt_out("+33612340001") == 1  # …who then answered STOP
    async with write_transaction():
        await outbox.enqueue_email(
            to="ines@exemple.fr", subject="S", text="t", key="m:1", organisation_id=organisation.id
        )
        await outbox.enqueue_sms(to="+33698765432", text="t", key="m:2", organisation_id=organisation.id, urgent=True)
        await outbox.enqueue_email(to="x@exemple.fr", subject="S", text="t", key="m:3", organisation_id=other.id)
        await OutboxMessage.update(
            {OutboxMessage.status: DeliveryStatus.failed, OutboxMessage.attempts: 30, OutboxMessage.last_error: "503"}
        ).where(OutboxMessage.id > 0)
    ids = {
        r["idempotency_key"]: r["id"]
        for r in await OutboxMessage.select(OutboxMessage.idempotency_key, OutboxMessage.id)
    }
    page = await client.get(f"/organisations/{organisation.id}/messages/")
    assert "Renvoyer les messages en échec" in text(page) and "Renvoyer" in text(page)

    # A viewer sees the page but may not send anything again.
    await make_user("lea@collectif.test", organisation, Role.viewer)
    async with httpx.AsyncClient(transport=client._transport, base_url="http://testserver") as viewer:
        await login(viewer, "lea@collectif.test")
        assert "Renvoyer les messages en échec" not in text(
            await viewer.get(f"/organisations/{organisation.id}/messages/")
        )
        refused = await post_form(viewer, f"/organisations/{organisation.id}/messages/retry", {})
        assert refused.status_code == 403
    assert await OutboxMessage.count().where(OutboxMessage.status == DeliveryStatus.queued) == 0

    one = await post_form(client, f"/organisations/{organisation.id}/messages/retry", {"message_id": str(ids["m:1"])})
    assert one.status_code in (302, 303)
    row = await OutboxMessage.objects().where(OutboxMessage.id == ids["m:1"]).first()
    assert row.status == "queued" and row.attempts == 0 and row.first_attempt_at is None
    assert "1 message sera renvoyé" in text(await client.get(one.headers["location"]))

    await post_form(client, f"/organisations/{organisation.id}/messages/retry", {})
    statuses = {
        r["idempotency_key"]: r["status"]
        for r in await OutboxMessage.select(OutboxMessage.idempotency_key, OutboxMessage.status)
    }
    assert statuses["m:2"] == "queued" and statuses["m:3"] == "failed"  # another organisation's: untouched
    stopped = [k for k in statuses if k not in {"m:1", "m:2", "m:3"}]
    assert stopped and all(statuses[k] == "failed" for k in stopped)  # the youth who said STOP gets no text


def test_an_event_title_with_a_dash_and_curly_apostrophes_still_texts_in_plain_sms():
    """One "—" or "’" (or a name's "ï") would send a whole reminder as UCS-2, twice as many parts."""
    from messaging.sms import gsm7_friendly, sms_length

    reminder = (
        "Bonjour Anaïs, rendez-vous le mardi 8 décembre à 09:30 pour Information collective — l’intérim "
        "d’insertion, Mission Locale Valence Agglo, Valence. Un souci ? Dites-le-nous : http://t.test/r/abc"
    )
    sent = gsm7_friendly(reminder)
    assert sent.startswith("Bonjour Anais, rendez-vous le mardi 8 décembre à 09:30")  # é and à are GSM-7
    assert "collective - l'intérim d'insertion" in sent
    assert (sms_length(reminder).encoding, sms_length(reminder).segments) == ("UCS-2", 3)
    assert (sms_length(sent).encoding, sms_length(sent).segments) == ("GSM-7", 2)
    # An emoji goes as UCS-2 whatever is done: then every accent is kept as written.
    assert gsm7_friendly("Bravo Anaïs — à demain 🎉") == "Bravo Anaïs — à demain 🎉"


async def test_the_outbox_keeps_the_text_as_it_is_sent():
    from core.db import write_transaction
    from messaging import outbox

    async with write_transaction():
        await outbox.enqueue_sms(to="+33612345678", text="Fête de Noël… à 14:00", key="t:1", urgent=True)
    row = await OutboxMessage.select(OutboxMessage.body_text).first()
    assert row["body_text"] == "Fete de Noel... à 14:00"
