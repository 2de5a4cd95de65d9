"""An organiser creates events from the field's formats in the console, edits the
programme and publishes; bad input is refused on its field and changes nothing."""

import html
from datetime import date, timedelta

import pytest

from events.tables import Event, EventStatus, Format, Session
from tests.factories.accounts import organiser
from tests.factories.registration import make_registration, make_youth
from tests.support import post_form

NEXT_MONTH = (date.today() + timedelta(days=30)).isoformat()


def text(response) -> str:
    return html.unescape(response.text)


async def _create(client, format: str, **fields) -> int:
    form = await client.get(f"/events/new?format={format}")
    assert form.status_code == 200
    data = {"format": format, "title": f"Mon {format}", "starts_on": NEXT_MONTH, **fields}
    response = await post_form(client, "/events/new", data)
    assert response.status_code == 302, text(response)
    return int(response.headers["location"].rsplit("/", 1)[1])


async def test_organiser_creates_a_rally_from_its_format_and_publishes_it(client):
    await organiser(client)
    choose = await client.get("/events/new")
    assert "Rallye pour l'emploi" in text(choose)

    event_id = await _create(client, "rallye", capacity="21", meeting_point="Mission Locale, Valence")
    page = text(await client.get(f"/events/{event_id}"))
    assert "Brouillon" in page
    assert "Jour 1 — visites d'entreprises (matin)" in page and "Jour 3 — clôture" in page
    event = await Event.objects().where(Event.id == event_id).output(load_json=True).first()
    assert (event.ends_on - event.starts_on).days == 2
    assert event.options["team_size"] == 3 and event.options["companion_per_team"] is True
    assert await Session.count().where(Session.event == event_id) == 6

    response = await post_form(client, f"/events/{event_id}/status", {"status": "published", "confirmed": "1"})
    assert response.status_code == 302
    assert (await Event.objects().get(Event.id == event_id)).status == EventStatus.published


@pytest.mark.parametrize("format", [f.value for f in Format])
async def test_every_format_can_be_created_from_the_console(client, format):
    await organiser(client)
    event_id = await _create(client, format)
    event = await Event.objects().get(Event.id == event_id)
    assert event.format == format and event.status == EventStatus.draft
    assert await Session.count().where(Session.event == event_id) >= 1


async def test_a_missing_title_is_refused_on_its_field_and_keeps_what_was_typed(client):
    await organiser(client)
    response = await post_form(
        client,
        "/events/new",
        {
            "format": "job_dating",
            "title": "",
            "starts_on": NEXT_MONTH,
            "capacity": "30",
            "meeting_point": "Square des Tilleuls",
        },
    )
    assert response.status_code == 400
    page = text(response)
    assert 'id="error-title"' in page and "Ce champ est obligatoire." in page
    assert 'value="Square des Tilleuls"' in page
    assert await Event.count() == 0


async def test_a_session_ending_before_it_starts_is_refused_and_nothing_is_saved(client):
    await organiser(client)
    event_id = await _create(client, "info_collective")
    before = await Session.count()
    response = await post_form(
        client,
        f"/events/{event_id}/sessions",
        {"title": "Atelier CV", "kind": "info", "starts_at": f"{NEXT_MONTH}T14:00", "ends_at": f"{NEXT_MONTH}T13:00"},
    )
    assert response.status_code == 400
    assert 'id="error-ends_at"' in response.text
    assert "La séance doit finir après son début." in text(response)
    assert 'value="Atelier CV"' in response.text
    assert await Session.count() == before


async def test_a_site_receiving_one_group_at_a_time_cannot_be_booked_twice(client):
    await organiser(client)
    await post_form(
        client,
        "/sites/new",
        {"name": "Boulangerie Au Pain Doré", "kind": "company", "capacity_per_slot": "1", "visit_minutes": "30"},
    )
    first = await _create(client, "job_dating")
    second = await _create(client, "job_dating")
    site = (await client.get("/api/sites")).json()[0]
    slot = {
        "title": "Entretiens",
        "kind": "interviews",
        "site_id": str(site["id"]),
        "starts_at": f"{NEXT_MONTH}T09:00",
        "ends_at": f"{NEXT_MONTH}T10:00",
    }
    assert (await post_form(client, f"/events/{first}/sessions", slot)).status_code == 302

    overlapping = {**slot, "starts_at": f"{NEXT_MONTH}T09:30", "ends_at": f"{NEXT_MONTH}T10:30"}
    response = await post_form(client, f"/events/{second}/sessions", overlapping)
    assert response.status_code == 409
    assert "Boulangerie Au Pain Doré reçoit un seul groupe à la fois" in text(response)
    assert 'id="error-site_id"' in response.text
    # Back to back is fine.
    after = {**slot, "starts_at": f"{NEXT_MONTH}T10:00", "ends_at": f"{NEXT_MONTH}T11:00"}
    assert (await post_form(client, f"/events/{second}/sessions", after)).status_code == 302


async def test_capacity_cannot_drop_below_the_people_already_registered(client):
    organisation, _user = await organiser(client)
    event_id = await _create(client, "info_collective", capacity="10")
    for index in range(4):
        youth = await make_youth(organisation, f"J{index}", "X", f"+3361234567{index}")
        await make_registration(event_id, youth)

    response = await post_form(
        client, f"/events/{event_id}/edit", {"title": "Info", "starts_on": NEXT_MONTH, "capacity": "3"}
    )
    assert response.status_code == 409
    assert "4 personnes sont déjà inscrites" in text(response)
    assert (await Event.objects().get(Event.id == event_id)).capacity == 10


async def test_publishing_an_event_without_programme_is_refused(client):
    await organiser(client)
    event_id = await _create(client, "pied_des_murs")
    await Session.delete().where(Session.event == event_id)
    await post_form(client, f"/events/{event_id}/status", {"status": "published"})
    assert (await Event.objects().get(Event.id == event_id)).status == EventStatus.draft
    page = text(await client.get(f"/events/{event_id}"))
    assert "Ajoutez au moins une séance" in page


async def test_same_as_last_year_moves_the_programme_and_keeps_local_times_across_dst(client):
    await organiser(client)
    winter = date(2031, 3, 4)  # a Tuesday before the spring change
    event_id = await _create(client, "rallye", starts_on=winter.isoformat())
    response = await post_form(
        client, f"/events/{event_id}/duplicate", {"starts_on": "2031-06-03", "title": "Rallye d'été"}
    )
    assert response.status_code == 302
    copy_id = int(response.headers["location"].rsplit("/", 1)[1])
    copy = await Event.objects().get(Event.id == copy_id)
    assert copy.title == "Rallye d'été" and copy.status == EventStatus.draft
    assert (copy.starts_on, copy.ends_on) == (date(2031, 6, 3), date(2031, 6, 5))
    page = text(await client.get(f"/events/{copy_id}"))
    assert "08:30–12:00" in page and "mardi 3 juin 2031" in page
    assert await Session.count().where(Session.event == event_id) == 6  # the original is untouched


async def test_events_list_filters_by_format_status_and_partner(client):
    await organiser(client)
    await _create(client, "rallye")
    await _create(client, "permanence")
    page = text(await client.get("/events/?format=permanence"))
    assert "Mon permanence" in page and "Mon rallye" not in page
    assert "Mon rallye" in text(await client.get("/events/?status=draft"))
    assert "Mon rallye" not in text(await client.get("/events/?status=published"))


async def test_an_organiser_keeps_a_site_with_coordinates_and_bad_coordinates_are_explained(client):
    await organiser(client)
    bad = await post_form(
        client,
        "/sites/new",
        {
            "name": "Square",
            "kind": "outdoors",
            "latitude": "94.2",
            "longitude": "4.9",
            "capacity_per_slot": "1",
            "visit_minutes": "30",
        },
    )
    assert bad.status_code == 400
    assert 'id="error-latitude"' in bad.text and "entre -90 et 90" in text(bad)
    assert 'value="Square"' in bad.text
    good = await post_form(
        client,
        "/sites/new",
        {
            "name": "Square",
            "kind": "outdoors",
            "latitude": "44.93",
            "longitude": "4.89",
            "accessible": "on",
            "sector": "commerce",
            "capacity_per_slot": "2",
            "visit_minutes": "30",
        },
    )
    assert good.status_code == 302
    listing = text(await client.get("/sites/"))
    assert "Square" in listing and "Accessible" in listing


async def test_an_organisation_adapts_a_formats_defaults_for_its_next_events(client):
    organisation, _ = await organiser(client)
    page = text(await client.get(f"/organisations/{organisation.id}/formats/"))
    assert "Jeunes par équipe" in page
    bad = await post_form(
        client,
        f"/organisations/{organisation.id}/formats/rallye",
        {
            "days": "3",
            "capacity": "24",
            "option_team_size": "4",
            "option_companion_per_team": "on",
            "option_min_visits_per_team": "12",
            "option_max_visits_per_team": "10",
            "option_min_visits_per_day": "3",
            "option_max_visits_per_day": "6",
        },
    )
    assert bad.status_code == 400 and 'id="error-option_max_visits_per_team"' in bad.text
    good = await post_form(
        client,
        f"/organisations/{organisation.id}/formats/rallye",
        {
            "days": "3",
            "capacity": "24",
            "option_team_size": "4",
            "option_companion_per_team": "on",
            "option_min_visits_per_team": "6",
            "option_max_visits_per_team": "10",
            "option_min_visits_per_day": "3",
            "option_max_visits_per_day": "6",
        },
    )
    assert good.status_code == 302
    event_id = await _create(client, "rallye", capacity="")
    event = await Event.objects().where(Event.id == event_id).output(load_json=True).first()
    assert event.capacity == 24 and event.options["team_size"] == 4


async def test_an_events_format_settings_are_edited_with_the_event(client):
    await organiser(client)
    event_id = await _create(client, "job_dating")
    form = text(await client.get(f"/events/{event_id}/edit"))
    assert "Durée d'un entretien (minutes)" in form
    response = await post_form(
        client,
        f"/events/{event_id}/edit",
        {
            "title": "Job dating",
            "starts_on": NEXT_MONTH,
            "capacity": "30",
            "option_slot_minutes": "15",
            "option_interviews_per_youth": "4",
        },
    )
    assert response.status_code == 302
    event = await Event.objects().where(Event.id == event_id).output(load_json=True).first()
    assert event.options["slot_minutes"] == 15 and event.options["interviews_per_youth"] == 4


async def test_a_sites_opening_hours_are_kept_and_a_window_ending_before_it_opens_is_refused(client):
    await organiser(client)
    base = {"name": "EHPAD Les Glycines", "kind": "company", "capacity_per_slot": "1", "visit_minutes": "45"}
    bad = await post_form(client, "/sites/new", {**base, "open_0_start": "14:00", "open_0_end": "09:00"})
    assert bad.status_code == 400 and 'id="error-opening_hours"' in bad.text
    good = await post_form(
        client,
        "/sites/new",
        {**base, "open_0_start": "09:00", "open_0_end": "12:00", "open_3_start": "14:00", "open_3_end": "17:00"},
    )
    assert good.status_code == 302
    site = (await client.get("/api/sites")).json()[0]
    assert site["opening_hours"] == [
        {"weekday": 0, "start": "09:00", "end": "12:00"},
        {"weekday": 3, "start": "14:00", "end": "17:00"},
    ]
    form = await client.get(f"/sites/{site['id']}/edit")
    assert 'value="14:00"' in form.text and "Lundi" in form.text
