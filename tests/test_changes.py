"""When the organiser moves or cancels, each youth concerned hears it once, and their calendar follows."""

import icalendar

from events.tables import Session
from messaging.tables import OutboxMessage
from tests.factories.accounts import organiser
from tests.factories.registration import published_event, register_online
from tests.support import post_form


async def _messages(since: int = 0) -> list[dict]:
    return await OutboxMessage.select().where(OutboxMessage.id > since).order_by(OutboxMessage.id)


async def test_moving_a_session_sends_one_text_and_an_updated_invitation(client):
    organisation, _user = await organiser(client)
    event = await published_event(organisation=organisation)
    await register_online(client, event, n=1, email="ines@exemple.fr")
    await register_online(client, event, n=2)
    last = max(m["id"] for m in await _messages())
    session = await Session.objects().where(Session.event == event.id).first()
    moved = {
        "title": session.title,
        "kind": session.kind,
        "starts_at": "2030-01-08T10:00",
        "ends_at": "2030-01-08T12:00",
        "place": session.place,
    }
    assert (await post_form(client, f"/sessions/{session.id}/edit", moved)).status_code in (302, 303)

    changes = await _messages(last)
    assert sorted(m["channel"] for m in changes) == ["email", "sms", "sms"]
    text = next(m for m in changes if m["channel"] == "sms")["body_text"]
    assert "mardi 8 janvier" in text and "10:00" in text
    invitation = icalendar.Calendar.from_ical(next(m for m in changes if m["channel"] == "email")["attachment"])
    vevent = next(c for c in invitation.walk("VEVENT"))
    assert invitation["METHOD"] == "REQUEST" and vevent["SEQUENCE"] == 1
    assert vevent["UID"].startswith(f"session-{session.id}@")

    await post_form(client, f"/sessions/{session.id}/edit", moved)  # the same again: nothing more to say
    assert len(await _messages(last)) == 3


async def test_cancelling_the_event_sends_a_cancellation_to_every_calendar(client):
    organisation, _user = await organiser(client)
    event = await published_event(organisation=organisation)
    await register_online(client, event, email="ines@exemple.fr")
    last = max(m["id"] for m in await _messages())
    await post_form(client, f"/events/{event.id}/status", {"status": "cancelled", "confirmed": "1"})

    changes = await _messages(last)
    assert sorted(m["channel"] for m in changes) == ["email", "sms"]
    assert "n'aura pas lieu" in next(m for m in changes if m["channel"] == "sms")["body_text"]
    email = next(m for m in changes if m["channel"] == "email")
    cancellation = icalendar.Calendar.from_ical(email["attachment"])
    assert email["attachment_method"] == "CANCEL" and cancellation["METHOD"] == "CANCEL"
    assert all(v["STATUS"] == "CANCELLED" for v in cancellation.walk("VEVENT"))
