"""Odd input from a careless or hostile hand gets a clear refusal on its field, never a server error."""

from datetime import UTC, date, datetime, timedelta

import pytest

from core.errors import InvalidInput
from dashboard import services as dashboard
from events.tables import Event, Session
from outcomes.services import SituationInput, situation_errors
from tests.factories.accounts import make_organisation, make_user, organiser, principal
from tests.factories.events import NEXT_MONTH
from tests.factories.registration import published_event, registered
from tests.support import api, post_form

FAR = "9999-12-31"


async def _event_with_a_session(client) -> tuple[dict, dict]:
    await organiser(client)
    event = (
        await api(
            client, "POST", "/api/events", {"title": "Info", "format": "info_collective", "starts_on": str(NEXT_MONTH)}
        )
    ).json()
    return event, event["sessions"][0]


async def test_a_session_in_the_year_9999_is_refused_on_its_field(client):
    event, session = await _event_with_a_session(client)

    through_api = await api(
        client,
        "PUT",
        f"/api/sessions/{session['id']}",
        {"title": "Info", "kind": "info", "starts_at": f"{FAR}T09:00:00", "ends_at": f"{FAR}T11:00:00"},
    )
    through_form = await post_form(
        client,
        f"/sessions/{session['id']}/edit",
        {"title": "Info", "kind": "info", "starts_at": f"{FAR}T09:00", "ends_at": f"{FAR}T11:00"},
    )
    new_event = await api(
        client, "POST", "/api/events", {"title": "Loin", "format": "info_collective", "starts_on": FAR}
    )

    assert through_api.status_code in (400, 422) and "starts_at" in through_api.text
    assert through_form.status_code == 400
    assert "Choisissez une date entre 2000 et 2100." in through_form.text
    assert new_event.status_code in (400, 422) and "starts_on" in new_event.text
    stored = await Session.select(Session.starts_at).where(Session.id == session["id"]).first()
    assert stored["starts_at"].year < 2100


async def test_a_far_date_already_stored_still_shows_and_can_be_deleted(client):
    _, user = await organiser(client)
    event = await published_event(None)
    await Event.update({Event.organisation: user.current_organisation}).where(Event.id == event.id)
    far = datetime(9999, 12, 31, 9, tzinfo=UTC)
    session = Session(event=event.id, title="Très loin", kind="info", starts_at=far, ends_at=far + timedelta(hours=2))
    await session.save()
    registration = await registered(event)

    pages = [
        f"/events/{event.id}",
        f"/e/{event.public_token}",
        f"/r/{registration['manage_token']}",
        f"/r/{registration['manage_token']}/calendar.ics",
    ]
    answers = {page: (await client.get(page)).status_code for page in pages}
    deleted = await post_form(
        client, f"/sessions/{session.id}/delete", {"reason": "Date saisie par erreur", "confirmed": "1"}
    )

    assert answers == dict.fromkeys(pages, 200)
    assert deleted.status_code == 302, deleted.text
    assert not await Session.exists().where(Session.id == session.id)


async def test_a_period_or_a_situation_dated_in_another_millennium_is_refused_on_its_field():
    adviser = await principal(await make_user("lea@ml.test", await make_organisation("Mission Locale")))

    with pytest.raises(InvalidInput) as period:
        dashboard.scope_of(adviser, {"from": "1000-01-01", "to": "1000-12-31"})
    situation = await situation_errors(
        SituationInput(kind="cdi", since=date(1000, 1, 1), source="adviser"), today=date.today()
    )

    assert period.value.field == "from"
    assert [e.field for e in situation] == ["since"]
