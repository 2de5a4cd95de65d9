"""Calendars that stay in sync: invitations, cancellations and subscription feeds.

Every calendar is read back by two independent readers, `icalendar` and `ics` (0.7), with warnings as errors.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import ics
import pytest
from icalendar import Calendar

from accounts.tables import OrganisationKind, Role, User
from calendars import feeds
from calendars import invitations as calendars
from calendars.tables import CalendarFeed, FeedKind
from core.errors import Forbidden, NotFound
from core.i18n import language
from events import series, services
from events.inputs import OccurrenceMove, SeriesChange, SeriesInput, SessionInput
from events.tables import Event, EventStatus, Format, Session, Site
from messaging.tables import OutboxMessage
from planning import services as planning
from planning.services import publish_details
from planning.tables import Team, Visit
from registration.tables import Registration, RegistrationStatus
from tests.factories.accounts import make_organisation, make_user, organiser, principal
from tests.factories.events import NEXT_MONTH, make_session, make_site
from tests.factories.planning import first_team, make_interview, rally
from tests.factories.registration import (
    info_session,
    make_registration,
    make_youth,
    published_event,
    registered,
    registration_row,
)
from tests.support import login, post_form

PARIS = ZoneInfo("Europe/Paris")
HOST = "127.0.0.1"  # the host of the tests' BASE_URL


# --------------------------------------------------------------------------- reading calendars back


def read(body: bytes, method: str) -> Calendar:
    """Both readers accept the calendar; RFC 5545 shape: METHOD right after VERSION/PRODID, a Paris VTIMEZONE."""
    text = body.decode("utf-8")
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    header = text.split("BEGIN:", 2)[1].splitlines()[1:]  # the calendar's own properties
    names = [line.split(":", 1)[0].split(";", 1)[0] for line in header]
    assert set(names[:2]) == {"VERSION", "PRODID"}, names
    assert header[2] == f"METHOD:{method}", header
    if "BEGIN:VEVENT" in text:
        assert text.index("METHOD:") < text.index("BEGIN:VEVENT")
    calendar = Calendar.from_ical(text)
    zones = [c for c in calendar.walk("VTIMEZONE")]
    assert "Europe/Paris" in [str(z["TZID"]) for z in zones]
    independent = ics.Calendar(text)
    assert independent.method == method
    assert {e.uid for e in independent.events} == {str(e["UID"]) for e in calendar.walk("VEVENT")}
    for vevent in calendar.walk("VEVENT"):
        assert vevent["DTSTART"].params["TZID"] == "Europe/Paris" and vevent["DTEND"].params["TZID"] == "Europe/Paris"
        assert "DTSTAMP" in vevent and "SEQUENCE" in vevent and "ORGANIZER" in vevent
    return calendar


def vevents(calendar: Calendar) -> dict[str, dict]:
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def begin(vevent) -> datetime:
    return vevent["DTSTART"].dt


# --------------------------------------------------------------------------- a youth's invitation


async def test_a_youths_invitation_is_a_correct_request_in_paris_time():
    _organisation, _user, event, session = await info_session()
    registration = await registered(event)

    body = await calendars.for_registration(registration)

    calendar = read(body, "REQUEST")
    (vevent,) = vevents(calendar).values()
    assert str(vevent["UID"]) == f"session-{session['id']}@{HOST}"
    assert vevent["SEQUENCE"] == 0 and str(vevent["STATUS"]) == "CONFIRMED"
    assert begin(vevent) == session["starts_at"] and begin(vevent).tzinfo.key == "Europe/Paris"
    assert str(vevent["ORGANIZER"]) == "mailto:contact@interim.test"
    assert vevent["ORGANIZER"].params["CN"] == "Intérim Solidaire"
    assert str(vevent["ATTENDEE"]) == "mailto:ines1@exemple.fr"
    assert vevent["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"
    assert str(vevent["LOCATION"]) == "Mission Locale, 5 avenue des Alpes, 26000 Valence"
    assert (vevent["GEO"].latitude, vevent["GEO"].longitude) == (44.9305, 4.899)
    description = str(vevent["DESCRIPTION"])
    assert "Apportez votre CV." in description and "06 12 34 56 78" in description
    assert f"/r/{registration['manage_token']}" in description
    assert b"BEGIN:VTIMEZONE\r\nTZID:Europe/Paris" in body


async def test_without_an_email_there_is_no_attendee_and_the_organiser_is_the_no_reply_address():
    organisation = await make_organisation("Mission Locale de Valence")
    event = await published_event(None, organisation=organisation)
    registration = await registered(event, email="")

    calendar = read(await calendars.for_registration(registration), "REQUEST")

    (vevent,) = vevents(calendar).values()
    assert "ATTENDEE" not in vevent
    assert str(vevent["ORGANIZER"]) == "mailto:no-reply@tremplin.local"
    assert str(vevent["LOCATION"]) == "Mission Locale, 5 avenue des Alpes"  # the session's place


async def test_the_personal_page_serves_a_published_calendar_and_offers_the_subscription(client):
    _organisation, _user, event, _session = await info_session()
    registration = await registered(event)
    token = registration["manage_token"]

    response = await client.get(f"/r/{token}/calendar.ics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
    (vevent,) = vevents(read(response.content, "PUBLISH")).values()
    assert "ATTENDEE" not in vevent  # RFC 5546: a published calendar names no attendee
    page = await client.get(f"/r/{token}")
    assert f'href="webcal://testserver/r/{token}/calendar.ics"' in page.text


async def test_a_chosen_session_is_the_only_one_in_the_invitation():
    _organisation, _user, event, session = await info_session()
    start = session["starts_at"] + timedelta(days=7)
    other = await make_session(event, start, start + timedelta(hours=2), title="Deuxième date")
    registration = await registered(event, session_id=other.id)

    calendar = read(await calendars.for_registration(registration), "REQUEST")

    assert list(vevents(calendar)) == [f"session-{other.id}@{HOST}"]
    assert str(vevents(calendar)[f"session-{other.id}@{HOST}"]["SUMMARY"]) == "Information collective — Deuxième date"


async def test_a_youth_on_the_waiting_list_gets_a_tentative_copy():
    _organisation, _user, event, _session = await info_session()
    await Event.update({Event.capacity: 1}).where(Event.id == event.id)
    await registered(event, 1)
    waiting = await registered(event, 2)
    assert waiting["status"] == RegistrationStatus.waiting

    (vevent,) = vevents(read(await calendars.for_registration(waiting), "REQUEST")).values()

    assert str(vevent["STATUS"]) == "TENTATIVE" and vevent["ATTENDEE"].params["PARTSTAT"] == "TENTATIVE"


# --------------------------------------------------------------------------- SEQUENCE follows every change


async def test_moving_a_session_raises_its_sequence_and_keeps_its_uid():
    _organisation, user, event, session = await info_session()
    registration = await registered(event)
    before = vevents(read(await calendars.for_registration(registration), "REQUEST"))
    local = session["starts_at"].astimezone(PARIS).replace(tzinfo=None) + timedelta(hours=1)

    await services.update_session(
        user,
        session["id"],
        SessionInput(title="Information collective", starts_at=local, ends_at=local + timedelta(hours=2)),
    )

    after = vevents(read(await calendars.for_registration(registration), "REQUEST"))
    assert list(after) == list(before)
    (uid,) = after
    assert after[uid]["SEQUENCE"] == before[uid]["SEQUENCE"] + 1 == 1
    assert begin(after[uid]) == session["starts_at"] + timedelta(hours=1)


async def test_series_changes_raise_the_sequence_of_the_occurrences_concerned():
    organisation = await make_organisation("Intérim Solidaire", OrganisationKind.siae)
    user = await principal(await make_user("sophie@interim.test", organisation, Role.organiser))
    series_id = await series.create_series(
        user,
        SeriesInput(
            title="Perm'IAE",
            format=Format.permanence,
            rrule="FREQ=WEEKLY;BYDAY=FR",
            first_start=datetime.combine(date.today() + timedelta(days=10), datetime.min.time()).replace(hour=9),
            duration_minutes=180,
            months_ahead=1,
        ),
    )
    events = await Event.select(Event.id).where(Event.series == series_id).order_by(Event.starts_on)
    first, second = events[0]["id"], events[1]["id"]

    await series.move_occurrence(
        user, first, OccurrenceMove(starts_at=datetime(2031, 1, 3, 10), ends_at=datetime(2031, 1, 3, 12))
    )
    await series.change_series(user, series_id, SeriesChange(start_time="09:30"))

    sequences = {r["event"]: r["sequence"] for r in await Session.select(Session.event, Session.sequence)}
    assert sequences[first] == 1  # moved on its own: detached, the series change leaves it alone
    assert sequences[second] == 1  # realigned to 9:30
    feed = vevents(read(await calendars.for_organisation(organisation.id), "PUBLISH"))
    second_session = (await Session.select(Session.id).where(Session.event == second).first())["id"]
    assert feed[f"session-{second_session}@{HOST}"]["SEQUENCE"] == 1
    assert begin(feed[f"session-{second_session}@{HOST}"]).strftime("%H:%M") == "09:30"


# --------------------------------------------------------------------------- cancelling


async def test_a_deleted_session_is_cancelled_with_the_next_sequence():
    _organisation, user, event, session = await info_session()
    registration = await registered(event)

    message = await calendars.cancellation("session", [session["id"]], registration=registration)
    await services.delete_session(user, session["id"])

    calendar = read(message, "CANCEL")
    (vevent,) = vevents(calendar).values()
    assert str(vevent["UID"]) == f"session-{session['id']}@{HOST}"
    assert str(vevent["STATUS"]) == "CANCELLED" and vevent["SEQUENCE"] == 1
    assert str(vevent["ATTENDEE"]) == "mailto:ines1@exemple.fr"
    assert list(ics.Calendar(message.decode()).events)[0].status == "CANCELLED"


async def test_a_cancelled_event_is_cancelled_in_every_calendar_with_the_same_sequence():
    organisation, user, event, session = await info_session()
    registration = await registered(event)
    uid = f"session-{session['id']}@{HOST}"

    message = await calendars.cancellation("event", [event.id])
    await services.set_status(user, event.id, EventStatus.cancelled)

    cancel = vevents(read(message, "CANCEL"))[uid]
    youth = vevents(read(await calendars.for_registration(registration), "REQUEST"))[uid]
    feed = vevents(read(await calendars.for_organisation(organisation.id), "PUBLISH"))[uid]
    for vevent in (cancel, youth, feed):
        assert str(vevent["STATUS"]) == "CANCELLED" and vevent["SEQUENCE"] == 1


async def test_a_removed_visit_is_cancelled():
    organisation = await make_organisation("Collectif Drôme", OrganisationKind.collectif)
    visit = (await rally(organisation, teams=[first_team()])).visit

    message = await calendars.cancellation("visit", [visit.id])

    (vevent,) = vevents(read(message, "CANCEL")).values()
    assert str(vevent["UID"]) == f"visit-{visit.id}@{HOST}" and str(vevent["STATUS"]) == "CANCELLED"


# --------------------------------------------------------------------------- rallies and job datings


async def test_a_rally_members_calendar_has_their_teams_visits_with_geo_and_the_companions_phone():
    organisation = await make_organisation("Collectif Drôme", OrganisationKind.collectif)
    r = await rally(organisation, teams=[first_team()])
    registrations, visit = r.registrations, r.visit

    calendar = read(await calendars.for_registration(await registration_row(registrations[0])), "REQUEST")

    found = vevents(calendar)
    assert len(found) == 5  # four half-days of visits and the team's visit
    vevent = found[f"visit-{visit.id}@{HOST}"]
    assert str(vevent["SUMMARY"]).endswith("Logistique Rhône Sud")
    assert (vevent["GEO"].latitude, vevent["GEO"].longitude) == (44.9087, 4.9273)
    assert str(vevent["LOCATION"]) == "Logistique Rhône Sud, 1 rue de l'Usine, Valence"
    assert "Accompagnateur 1" in str(vevent["DESCRIPTION"]) and "06 11 22 33 44" in str(vevent["DESCRIPTION"])
    assert begin(vevent).strftime("%H:%M") == "09:30"
    # somebody of another team has no such visit
    other = vevents(read(await calendars.for_registration(await registration_row(registrations[5])), "REQUEST"))
    assert f"visit-{visit.id}@{HOST}" not in other


async def test_visits_of_a_team_not_yet_published_stay_out_of_calendars():
    organisation = await make_organisation("Collectif Drôme", OrganisationKind.collectif)
    r = await rally(organisation, teams=[first_team(published=False)])
    registrations, visit = r.registrations, r.visit
    team = await Team.select(Team.id, Team.companion).first()

    youth = vevents(read(await calendars.for_registration(await registration_row(registrations[0])), "REQUEST"))
    companion = vevents(read(await calendars.for_companion(team["companion"]), "PUBLISH"))
    assert f"visit-{visit.id}@{HOST}" not in youth and f"visit-{visit.id}@{HOST}" not in companion


async def test_a_moved_visit_reaches_the_youths_calendar_when_published_again_with_a_raised_sequence(client):
    organisation, user = await organiser(client)
    r = await rally(organisation, teams=[first_team()])
    event, registrations, visit = r.event, r.registrations, r.visit
    site = await Site.select().where(Site.name == "Hôtel du Parc").first()
    youth = await registration_row(registrations[0])
    before = vevents(read(await calendars.for_registration(youth), "REQUEST"))[f"visit-{visit.id}@{HOST}"]
    queued = await OutboxMessage.count()

    await planning.move_visit(user, event.id, visit.id, 0, "10:30", site["id"])
    draft = vevents(read(await calendars.for_registration(youth), "REQUEST"))[f"visit-{visit.id}@{HOST}"]
    assert (begin(draft), draft["SEQUENCE"], draft["SUMMARY"]) == (begin(before), 0, before["SUMMARY"])
    assert await OutboxMessage.count() == queued  # the draft tells nobody

    await publish_details(event.id, {registrations[i] for i in first_team().members}, datetime.now(UTC))
    vevent = vevents(read(await calendars.for_registration(youth), "REQUEST"))[f"visit-{visit.id}@{HOST}"]
    assert vevent["SEQUENCE"] == 1 and str(vevent["SUMMARY"]).endswith("Hôtel du Parc")
    assert begin(vevent).strftime("%H:%M") == "10:30"


async def test_published_interviews_are_in_the_youths_calendar():
    organisation = await make_organisation("Intérim Solidaire", OrganisationKind.siae)
    event = await published_event(None, organisation=organisation)
    registration = await registered(event)
    site = await make_site(organisation, "Transports Nord", address="3 rue des Lilas", city="Valence")
    start = datetime.combine(NEXT_MONTH, datetime.min.time(), PARIS).replace(hour=14)
    published = await make_interview(
        registration["id"], site, start, start + timedelta(minutes=20), published_at=datetime.now(UTC), sequence=2
    )
    draft = await make_interview(registration["id"], site, start, start)

    found = vevents(read(await calendars.for_registration(registration), "REQUEST"))

    assert f"interview-{draft.id}@{HOST}" not in found
    vevent = found[f"interview-{published.id}@{HOST}"]
    assert vevent["SEQUENCE"] == 2 and "Transports Nord" in str(vevent["SUMMARY"])
    site_feed = vevents(read(await calendars.for_site(site.id), "PUBLISH"))
    assert str(site_feed[f"interview-{published.id}@{HOST}"]["SUMMARY"]).endswith("Inès1 B.")


# --------------------------------------------------------------------------- feeds


async def test_every_feed_is_a_published_calendar_both_readers_accept():
    organisation = await make_organisation("Collectif Drôme", OrganisationKind.collectif)
    adviser = await make_user("karim@ml.test", organisation, Role.adviser)
    r = await rally(organisation, teams=[first_team()])
    registrations, visit = r.registrations, r.visit
    await Registration.update({Registration.referred_by: adviser.id}).where(Registration.id.is_in(registrations[:2]))
    team = await Team.select().first()
    site_id = (await Visit.select(Visit.site).first())["site"]

    with language("en"):
        companion = vevents(read(await calendars.for_companion(team["companion"]), "PUBLISH"))
        team_feed = vevents(read(await calendars.for_team(team["id"]), "PUBLISH"))
        site = vevents(read(await calendars.for_site(site_id), "PUBLISH"))
        whole = vevents(read(await calendars.for_organisation(organisation.id), "PUBLISH"))
        advised = vevents(read(await calendars.for_adviser(adviser.id), "PUBLISH"))

    uid = f"visit-{visit.id}@{HOST}"
    assert uid in companion and uid in team_feed and uid in site and len(site) == 1
    assert "Inès" in str(companion[uid]["DESCRIPTION"])  # the companion knows who is in the team
    assert "3 youths" in str(site[uid]["DESCRIPTION"])  # the company knows how many come
    assert len(whole) == 4 and all(u.startswith("session-") for u in whole)
    assert "Registered: 9" in str(next(iter(whole.values()))["DESCRIPTION"])
    assert len(advised) == 4
    assert "Your youths: Inès, Yanis" in str(next(iter(advised.values()))["DESCRIPTION"])


async def test_the_organisation_feed_keeps_to_twelve_months_either_side():
    organisation, _user, event, session = await info_session()
    far = datetime.now(UTC) + timedelta(days=400)
    await make_session(event, far, far + timedelta(hours=1), title="Trop loin")

    found = vevents(read(await calendars.for_organisation(organisation.id), "PUBLISH"))

    assert list(found) == [f"session-{session['id']}@{HOST}"]


async def test_feed_links_are_stored_hashed_revoked_and_renewed():
    organisation, user, _event, session = await info_session()

    token = await feeds.create_feed(user, FeedKind.organisation, organisation.id)

    stored = await CalendarFeed.select().first()
    assert stored["token_hash"] == feeds.token_hash(token) and token not in str(stored)
    assert f"session-{session['id']}@{HOST}" in vevents(read(await feeds.feed_calendar(token), "PUBLISH"))
    with language("en"):
        (listed,) = await feeds.list_feeds(user)
    assert listed["label"] == "All sessions of Intérim Solidaire"

    renewed = await feeds.renew_feed(user, stored["id"])
    read(await feeds.feed_calendar(renewed), "PUBLISH")
    with pytest.raises(NotFound):
        await feeds.feed_calendar(token)

    (current,) = await feeds.list_feeds(user)
    await feeds.revoke_feed(user, current["id"])
    with pytest.raises(NotFound):
        await feeds.feed_calendar(renewed)
    with pytest.raises(NotFound):
        await feeds.feed_calendar("not-a-token")
    assert await feeds.list_feeds(user) == []


async def test_nobody_makes_a_link_to_what_they_cannot_see():
    organisation, user, _event, session = await info_session()
    neighbour = await make_organisation("Mission Locale Voisine")
    stranger = await principal(await make_user("voisin@ml.test", neighbour, Role.admin))
    site_id = session["site"]

    with pytest.raises(NotFound):
        await feeds.create_feed(stranger, FeedKind.site, site_id)
    with pytest.raises(NotFound):
        await feeds.create_feed(stranger, FeedKind.organisation, organisation.id)
    with pytest.raises(NotFound):
        await feeds.create_feed(stranger, FeedKind.adviser, user.id)  # somebody else's adviser calendar
    viewer = await principal(await make_user("lecteur@interim.test", organisation, Role.viewer))
    with pytest.raises(Forbidden):
        await feeds.create_feed(viewer, FeedKind.site, site_id)
    token = await feeds.create_feed(user, FeedKind.site, site_id)
    (feed,) = await feeds.list_feeds(user)
    with pytest.raises(NotFound):
        await feeds.revoke_feed(stranger, feed["id"])
    read(await feeds.feed_calendar(token), "PUBLISH")


async def test_an_advisers_link_dies_with_their_membership():
    organisation = await make_organisation("Mission Locale de Valence")
    user = await make_user("karim@ml.test", organisation, Role.adviser)
    token = await feeds.create_feed(await principal(user), FeedKind.adviser, user.id)
    read(await feeds.feed_calendar(token), "PUBLISH")

    await User.update({User.is_active: False}).where(User.id == user.id)

    with pytest.raises(NotFound):
        await feeds.feed_calendar(token)


async def test_the_console_makes_a_link_shown_once_and_the_feed_needs_no_login(client, app):
    organisation, user, _event, session = await info_session(client)

    page = await client.get("/calendar-feeds")
    assert page.status_code == 200 and f'value="organisation:{organisation.id}"' in page.text
    created = await post_form(client, "/calendar-feeds", {"subject": f"organisation:{organisation.id}"})
    assert created.status_code == 200, created.text
    link = created.text.split('id="feed-https" type="text" value="', 1)[1].split('"', 1)[0]
    assert link.startswith("http://127.0.0.1:8000/feeds/") and link.endswith(".ics")
    path = link.removeprefix("http://127.0.0.1:8000")
    assert f"webcal://127.0.0.1:8000{path}" in created.text
    assert path not in (await client.get("/calendar-feeds")).text  # shown once

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as anonymous:
        feed = await anonymous.get(path)
        assert feed.status_code == 200
        assert feed.headers["content-type"] == "text/calendar; charset=utf-8"
        assert feed.headers["cache-control"] == "private, max-age=300"
        assert "tremplin_session" not in feed.headers.get("set-cookie", "")
        assert f"session-{session['id']}@{HOST}" in vevents(read(feed.content, "PUBLISH"))
        assert (await anonymous.get(path.removesuffix(".ics"))).status_code == 404

        (listed,) = await feeds.list_feeds(user)
        renewed = await post_form(client, f"/calendar-feeds/{listed['id']}/renew", {})
        assert renewed.status_code == 200
        assert (await anonymous.get(path)).status_code == 404
        new_path = renewed.text.split('id="feed-https" type="text" value="', 1)[1].split('"', 1)[0]
        new_path = new_path.removeprefix("http://127.0.0.1:8000")
        assert (await anonymous.get(new_path)).status_code == 200

        (current,) = await feeds.list_feeds(user)
        revoked = await post_form(client, f"/calendar-feeds/{current['id']}/revoke", {})
        assert revoked.status_code in (302, 303)
        assert (await anonymous.get(new_path)).status_code == 404


async def test_the_console_offers_the_rallys_companions_teams_and_sites(client):
    organisation, _user = await organiser(client)
    visit = (await rally(organisation, teams=[first_team()])).visit
    team = await Team.select().first()

    page = (await client.get("/calendar-feeds")).text

    assert f'value="companion:{team["companion"]}"' in page
    assert f'value="team:{team["id"]}"' in page
    assert f'value="site:{visit.site}"' in page
    refused = await post_form(client, "/calendar-feeds", {"subject": "team:nope"})
    assert refused.status_code == 400


async def test_a_participant_row_is_enough_for_an_invitation():
    """The registration dict may come from any query: only its own columns are needed."""
    organisation = await make_organisation("Mission Locale de Valence")
    event = await published_event(None, organisation=organisation)
    person = await make_youth(organisation, "Léa", "B", "+33611223344")
    registration = await make_registration(event, person)

    read(await calendars.for_registration(await registration_row(registration.id)), "REQUEST")


async def test_another_organisations_admin_gets_404_on_my_links(client):
    organisation, user, _event, _session = await info_session()
    token = await feeds.create_feed(user, FeedKind.organisation, organisation.id)
    (feed,) = await feeds.list_feeds(user)
    neighbour = await make_organisation("Mission Locale Voisine")
    await make_user("voisin@ml.test", neighbour, Role.admin)
    await login(client, "voisin@ml.test")

    for action in ("revoke", "renew"):
        response = await post_form(client, f"/calendar-feeds/{feed['id']}/{action}", {})
        assert response.status_code == 404, action
    page = (await client.get("/calendar-feeds")).text
    assert "Intérim Solidaire" not in page
    read(await feeds.feed_calendar(token), "PUBLISH")  # still alive
