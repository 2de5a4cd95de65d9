"""Odd input from a careless or hostile hand gets a clear refusal on its field, never a server error."""

import html
from datetime import UTC, date, datetime, timedelta

import pytest

from core.errors import InvalidInput
from dashboard import services as dashboard
from events.tables import Event, Session
from outcomes.services import SituationInput, situation_errors
from registration.tables import Participant, Registration
from tests.factories.accounts import make_organisation, make_user, organiser, principal
from tests.factories.events import NEXT_MONTH, make_series
from tests.factories.registration import published_event, registered, youth
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
        f"/events/{event.id}/checkin",
        f"/events/{event.id}/checkin/board",
        f"/events/{event.id}/registrations",
        f"/youths/{registration['participant']}",
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


HUGE = str(2**70)


async def test_numbers_too_large_for_the_database_are_a_missing_page_or_a_refusal(client):
    event, session = await _event_with_a_session(client)

    pages = [await client.get(f"/events/{HUGE}"), await api(client, "GET", f"/api/events/{HUGE}")]
    in_body = await api(
        client,
        "POST",
        f"/api/events/{event['id']}/sessions",
        {
            "title": "Atelier",
            "starts_at": f"{NEXT_MONTH}T14:00:00",
            "ends_at": f"{NEXT_MONTH}T15:00:00",
            "site_id": 2**70,
        },
    )
    in_query = await client.get(f"/dashboard/?organisation={HUGE}")

    assert [p.status_code for p in pages] == [404, 404]
    assert in_body.status_code == 400 and in_body.json()["extra"][0]["key"] == "site_id", in_body.text
    assert in_query.status_code in (400, 403, 404)


async def test_the_public_form_refuses_a_huge_number_and_a_nul_character_on_their_fields(client):
    event = await published_event()
    await client.get(f"/e/{event.public_token}")

    huge_session = await post_form(client, f"/e/{event.public_token}", youth(1, session_id="9" * 5000))
    huge_day = await post_form(client, f"/e/{event.public_token}", youth(1, available_days="9" * 5000))
    nul = await post_form(client, f"/e/{event.public_token}", youth(2, first_name="Inès\x00"))

    assert huge_session.status_code == 400
    assert huge_day.status_code == 302  # not a weekday: dropped, the youth is registered
    assert nul.status_code == 400
    assert "Ce texte contient un caractère qui ne peut pas être enregistré." in html.unescape(nul.text)
    assert await Registration.count() == 1


@pytest.mark.parametrize("start_time", ["25:00", "ab", "10"])
async def test_a_series_start_time_that_is_not_a_time_is_refused_on_its_field(client, start_time):
    _, user = await organiser(client)
    series_id = await make_series(user)

    response = await api(client, "PATCH", f"/api/series/{series_id}", {"start_time": start_time})

    assert response.status_code == 400 and "start_time" in response.text


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("prénom;nom;téléphone\nInès;Benali;0612345601\n".encode("utf-16"), None),
        (bytes(range(256)) * 8, "Ce fichier n'est pas un fichier CSV."),
        (b"x" * 300_000, "pas de séparateur de colonnes"),
        (b"prenom;nom;telephone\n" + b"y" * 300_000, "Ce fichier n'est pas un fichier CSV."),
    ],
)
async def test_a_file_that_is_not_a_csv_is_refused_with_the_reason(client, content, reason):
    organisation, _ = await organiser(client)
    event = await published_event(organisation=organisation)
    await client.get(f"/events/{event.id}/import")

    response = await client.post(
        f"/events/{event.id}/import",
        files={"file": ("liste.csv", content, "text/csv")},
        data={"_csrf_token": client.cookies.get("tremplin_csrf")},
    )

    page = html.unescape(response.text)
    if reason is None:  # Excel's "Texte Unicode" is read
        assert response.status_code == 200 and await Registration.count() == 1
        assert (await Participant.select(Participant.first_name).first())["first_name"] == "Inès"
    else:
        assert response.status_code == 400 and reason in page and "Enregistrer sous" in page
        assert await Registration.count() == 0


async def test_an_imported_row_gets_the_forms_checks_and_a_name_too_long_is_rejected_with_the_reason(client):
    organisation, _ = await organiser(client)
    event = await published_event(organisation=organisation)
    rows = f"prenom;nom;telephone\n{'A' * 5000};Benali;0612345601\nYanis;Roux;0612345602\n"
    await client.get(f"/events/{event.id}/import")

    response = await client.post(
        f"/events/{event.id}/import",
        files={"file": ("liste.csv", rows.encode(), "text/csv")},
        data={"_csrf_token": client.cookies.get("tremplin_csrf")},
    )

    page = html.unescape(response.text)
    assert "Prénom : 50 caractères au plus." in page
    assert [p["first_name"] for p in await Participant.select(Participant.first_name)] == ["Yanis"]


async def test_a_latin_1_file_is_read_with_its_accents(client):
    organisation, _ = await organiser(client)
    event = await published_event(organisation=organisation)
    await client.get(f"/events/{event.id}/import")

    await client.post(
        f"/events/{event.id}/import",
        files={"file": ("liste.csv", "prénom;nom;téléphone\nInès;Bénali;0612345601\n".encode("latin-1"), "text/csv")},
        data={"_csrf_token": client.cookies.get("tremplin_csrf")},
    )

    stored = await Participant.select(Participant.first_name, Participant.last_name).first()
    assert (stored["first_name"], stored["last_name"]) == ("Inès", "Bénali")


async def test_a_nul_character_is_refused_on_its_field_through_the_api_and_the_console(client):
    event, session = await _event_with_a_session(client)

    created = await api(
        client, "POST", "/api/events", {"title": "In\x00fo", "format": "info_collective", "starts_on": str(NEXT_MONTH)}
    )
    changed = await api(client, "PATCH", f"/api/events/{event['id']}", {"meeting_point": "Salle\x00 B"})
    removed = await post_form(client, f"/sessions/{session['id']}/delete", {"reason": "\x00", "confirmed": "1"})

    assert created.status_code == 400 and "title" in created.text
    assert changed.status_code == 400 and "meeting_point" in changed.text
    assert removed.status_code == 400
    assert await Event.count() == 1 and await Session.exists().where(Session.id == session["id"])


async def test_a_number_of_thousands_of_digits_in_a_query_or_a_form_is_refused(client):
    organisation, _ = await organiser(client)
    digits = "9" * 5000

    in_query = await client.get(f"/dashboard/?organisation={digits}")
    in_form = await post_form(
        client, f"/organisations/{organisation.id}/formats/info_collective", {"days": digits, "capacity": digits}
    )

    assert in_query.status_code == 400
    assert in_form.status_code == 400 and "Saisissez un nombre entier." in html.unescape(in_form.text)
