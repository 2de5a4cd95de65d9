"""The adviser kept in the loop without asking: a digest e-mail of what happened to their youths (after each
event day, weekly or never, as each chooses), and events proposed to a youth by text with a pre-filled link
that registers them referred by the adviser, then followed from proposed to registered to came."""

import html
import re
from datetime import UTC, datetime, time, timedelta

from accounts.tables import Digest, Organisation, Role, User
from core.clock import utcnow
from core.settings import get_settings
from events.tables import Session
from messaging.tables import OutboxMessage
from outcomes import digest, reminders
from registration import proposals
from registration.tables import Participant, Proposal, Registration
from tests.factories.accounts import make_organisation, make_user
from tests.factories.adviser_loop import adviser_and_youth, check_in, event_day
from tests.factories.events import make_event, make_partner
from tests.factories.registration import make_registration, make_youth, proposal_token, published_event
from tests.support import api, login, post_form


def text(response) -> str:
    return html.unescape(response.text)


async def proposal_texts() -> list[dict]:
    return (
        await OutboxMessage.select().where(OutboxMessage.idempotency_key.like("proposal:%")).order_by(OutboxMessage.id)
    )


# --------------------------------------------------------------------------- proposing an event


async def test_the_youth_registers_from_the_adviser_proposal_with_their_details_filled_in(client):
    loop = await adviser_and_youth()
    await login(client, "claire@ml.test")
    form = await client.get(f"/youths/{loop.youth.id}/propose")
    assert form.status_code == 200 and loop.event.title in text(form)
    assert '<label for="field-event"' in form.text

    sent = await post_form(client, f"/youths/{loop.youth.id}/propose", {"event": str(loop.event.id)})
    assert sent.status_code in (302, 303)
    texts = [m for m in await proposal_texts() if m["channel"] == "sms"]
    assert len(texts) == 1 and texts[0]["recipient"] == "+33611223344"
    body = texts[0]["body_text"]
    assert "Claire Dupont, Mission Locale Valence" in body and "Inès" in body
    assert "’" not in body  # GSM-7: one cheap segment's alphabet
    link = re.search(r"https?://\S+/e/(\S+)\?p=(\S+)", body)
    assert link and link.group(1) == loop.event.public_token

    youth_client = client  # the youth opens the link on their phone: no login needed
    page = await youth_client.get(f"/e/{link.group(1)}?p={link.group(2)}")
    assert page.status_code == 200
    assert 'value="Inès"' in page.text and 'value="Benali"' in page.text and "06 11 22 33 44" in page.text
    registered = await post_form(
        youth_client,
        f"/e/{link.group(1)}",
        {
            "first_name": "Inès",
            "last_name": "Benali",
            "phone": "06 11 22 33 44",
            "postcode": "26000",
            "p": link.group(2),
        },
    )
    assert registered.status_code in (302, 303)
    registration = await Registration.select().where(Registration.event == loop.event.id).first()
    assert registration["referred_by"] == loop.adviser.id and registration["referring_organisation"] == loop.ml.id
    proposal = await Proposal.select().first()
    assert proposal["registration"] == registration["id"]

    [row] = await proposals.proposals_of(loop.adviser)
    assert row.state == "registered"
    start = (await Session.select(Session.starts_at).where(Session.event == loop.event.id).first())["starts_at"]
    await check_in(registration["id"], start, minutes=90)
    [row] = await proposals.proposals_of(loop.adviser)
    assert row.state == "attended"


async def test_proposed_registered_and_came_show_on_the_adviser_pages(client):
    loop = await adviser_and_youth()
    other = await published_event(capacity=10, organisation=None, title="Job dating Valence")
    await make_partner(other, loop.ml)
    await proposals.propose(loop.adviser, loop.youth.id, loop.event.id)
    await proposals.propose(loop.adviser, loop.youth.id, other.id)
    # Inès registers for the first one through the link
    token = await proposal_token(loop.event.id)
    await client.get(f"/e/{loop.event.public_token}?p={token}")
    await post_form(
        client,
        f"/e/{loop.event.public_token}",
        {"first_name": "Inès", "last_name": "Benali", "phone": "06 11 22 33 44", "postcode": "26000", "p": token},
    )
    client.cookies.clear()
    await login(client, "claire@ml.test")
    page = text(await client.get("/youths/proposals"))
    assert "Job dating Valence" in page and "Proposé" in page and "Inscrit" in page
    youth_page = text(await client.get(f"/youths/{loop.youth.id}/propose"))
    assert "Job dating Valence" in youth_page


async def test_an_adviser_proposes_and_follows_through_the_api(client):
    loop = await adviser_and_youth()
    await login(client, "claire@ml.test")
    created = await api(client, "POST", f"/api/youths/{loop.youth.id}/proposals", {"event_id": loop.event.id})
    assert created.status_code == 201 and created.json() == {"channels": ["sms", "email"]}
    again = await api(client, "POST", f"/api/youths/{loop.youth.id}/proposals", {"event_id": loop.event.id})
    assert again.status_code == 409 and again.json()["code"] == "already_proposed"
    [row] = (await client.get("/api/proposals")).json()
    assert row["state"] == "proposed" and row["event_id"] == loop.event.id


async def test_a_youth_who_answered_stop_and_has_no_email_cannot_be_proposed_an_event(client):
    loop = await adviser_and_youth(youth_email="")
    await Participant.update({Participant.sms_opt_out_at: datetime.now(UTC)}).where(Participant.id == loop.youth.id)
    await login(client, "claire@ml.test")
    refused = await post_form(client, f"/youths/{loop.youth.id}/propose", {"event": str(loop.event.id)})
    assert refused.status_code == 409 and "STOP" in text(refused)
    assert await proposal_texts() == [] and await Proposal.count() == 0


async def test_a_youth_who_answered_stop_gets_the_proposal_by_email():
    loop = await adviser_and_youth()
    await Participant.update({Participant.sms_opt_out_at: datetime.now(UTC)}).where(Participant.id == loop.youth.id)
    assert await proposals.propose(loop.adviser, loop.youth.id, loop.event.id) == ["email"]
    assert [m["channel"] for m in await proposal_texts()] == ["email"]


async def test_an_event_proposed_twice_is_refused_then_sent_again_on_request(client):
    loop = await adviser_and_youth()
    await proposals.propose(loop.adviser, loop.youth.id, loop.event.id)
    await login(client, "claire@ml.test")
    again = await post_form(client, f"/youths/{loop.youth.id}/propose", {"event": str(loop.event.id)})
    assert again.status_code == 409 and "Renvoyer le lien" in text(again)
    resent = await post_form(client, f"/youths/{loop.youth.id}/propose", {"event": str(loop.event.id), "resend": "1"})
    assert resent.status_code in (302, 303)
    texts = [m["body_text"] for m in await proposal_texts() if m["channel"] == "sms"]
    assert len(texts) == 2
    assert len({re.search(r"\?p=(\S+)", body).group(1) for body in texts}) == 1  # the same link goes again
    assert (await Proposal.select(Proposal.sends).first())["sends"] == 2


async def test_a_registered_youth_or_a_closed_or_full_event_is_refused(client):
    loop = await adviser_and_youth()
    await login(client, "claire@ml.test")
    full = await published_event(capacity=1, organisation=None, title="Complet")
    await make_partner(full, loop.ml)
    await make_registration(full, await make_youth(loop.ml, "Léa", "Martin", phone="+33622222222"))
    refused = await post_form(client, f"/youths/{loop.youth.id}/propose", {"event": str(full.id)})
    assert refused.status_code == 409 and "complet" in text(refused)

    await make_registration(loop.event, loop.youth)
    refused = await post_form(client, f"/youths/{loop.youth.id}/propose", {"event": str(loop.event.id)})
    assert refused.status_code == 409 and "déjà inscrit" in text(refused)

    siae = await Organisation.objects().get(Organisation.id == full.organisation)
    draft = await make_event(siae)  # not published
    await make_partner(draft, loop.ml)
    refused = await post_form(client, f"/youths/{loop.youth.id}/propose", {"event": str(draft.id)})
    assert refused.status_code == 409 and "pas ouvert aux inscriptions" in text(refused)
    assert await proposal_texts() == []


async def test_another_organisation_cannot_propose_to_a_youth_it_does_not_see(client):
    loop = await adviser_and_youth()
    other_ml = await make_organisation("Mission Locale Romans")
    await make_user("paul@ml2.test", other_ml, Role.adviser)
    await login(client, "paul@ml2.test")
    assert (await client.get(f"/youths/{loop.youth.id}/propose")).status_code == 404
    refused = await post_form(client, f"/youths/{loop.youth.id}/propose", {"event": str(loop.event.id)})
    assert refused.status_code == 404 and await proposal_texts() == []


# --------------------------------------------------------------------------- the digest


async def digests() -> list[dict]:
    return await OutboxMessage.select().where(OutboxMessage.channel == "email").order_by(OutboxMessage.id)


def evening(day, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), get_settings().tz)


async def test_the_event_day_digest_goes_that_evening_with_the_adviser_own_youths_only():
    day = await event_day()
    assert await digest.send_evening(evening(day.day, 17, 50)) == 0  # not before 18:00
    assert await digest.send_evening(evening(day.day, 18, 10)) == 1
    assert await digest.send_evening(evening(day.day, 20)) == 0  # once that day
    [mail] = await digests()
    assert mail["recipient"] == "claire@ml.test"
    body = mail["body_text"]
    assert "Inès Benali — Job dating Valence (1 h 30)" in body and f"/youths/{day.came.id}" in body
    assert "Pas venus" in body and "Yanis Roux" in body
    assert "Léa" not in body  # a colleague's youth
    assert "<a href=" in mail["body_html"]
    assert await digest.send_evening(evening(day.day + timedelta(days=1), 19)) == 0  # no session the next day


async def test_nothing_happened_no_digest():
    loop = await adviser_and_youth(digest=Digest.event_day)
    assert await digest.send_evening(evening(utcnow().date(), 19)) == 0
    monday = evening(utcnow().date() - timedelta(days=utcnow().weekday()), 9)
    await User.update({User.digest: Digest.weekly}).where(User.id == loop.adviser.id)
    assert await reminders.send_weekly(monday) == 0
    assert await digests() == []


async def test_the_weekly_digest_tells_last_week_with_the_follow_ups_in_one_email_on_monday():
    day = await event_day(digest=Digest.weekly, days_ago=utcnow().weekday() + 5)  # last week's Wednesday
    monday = evening(utcnow().date() - timedelta(days=utcnow().weekday()), 9)
    await OutboxMessage.delete(force=True)
    assert await digest.send_evening(evening(day.day, 19)) == 0  # weekly: no evening digest
    queued = await reminders.send_weekly(monday)
    recipients = [m["recipient"] for m in await digests()]
    assert recipients.count("claire@ml.test") == 1 and queued == len(recipients)
    mail = next(m for m in await digests() if m["recipient"] == "claire@ml.test")
    assert "la semaine dernière" in mail["subject"]
    assert "Inès Benali" in mail["body_text"] and "Yanis Roux" in mail["body_text"] and "Léa" not in mail["body_text"]
    assert await reminders.send_weekly(monday + timedelta(hours=2)) == 0  # once a week


async def test_never_means_no_digest_and_no_reminder(client):
    day = await event_day(digest=Digest.never)
    assert await digest.send_evening(evening(day.day, 19)) == 0
    monday = evening(day.day + timedelta(days=7 - day.day.weekday()), 9)
    await reminders.send_weekly(monday)
    assert [m for m in await digests() if m["recipient"] == "claire@ml.test"] == []


async def test_each_person_chooses_their_digest_on_their_account_page(client):
    loop = await adviser_and_youth()
    await login(client, "claire@ml.test")
    page = await client.get("/account")
    assert page.status_code == 200 and 'for="digest-event_day"' in page.text
    assert 'value="weekly" checked' in page.text  # the default
    refused = await post_form(client, "/account", {"digest": "daily"})
    assert refused.status_code == 400
    saved = await post_form(client, "/account", {"digest": "event_day"})
    assert saved.status_code in (302, 303)
    assert (await User.select(User.digest).where(User.id == loop.adviser.id).first())["digest"] == "event_day"
