"""Attended time: youths scan in and out, the organiser sees hours per youth and week (the Contrat
d'engagement jeune asks for 15 to 20 hours a week) and prints an attestation de présence."""

import html
import secrets
from datetime import UTC, date, datetime, timedelta

import httpx

from accounts.tables import Role
from checkin import presence
from checkin.tables import AttendanceStatus, CheckIn
from core.clock import utcnow
from events.tables import EventStatus
from registration.tables import Registration
from tests.factories.accounts import make_organisation, make_user, principal
from tests.factories.events import make_event, make_session
from tests.factories.registration import make_registration, make_youth
from tests.support import csrf_token, device_headers, login, post, post_form
from tests.test_checkin import pdf_text

# A Tuesday two weeks ago, 9:00–12:00 in Paris (winter: UTC+1): a session that is over.
DAY = date.today() - timedelta(days=14 + date.today().weekday() - 1)
START = datetime(DAY.year, DAY.month, DAY.day, 8, 0, tzinfo=UTC)
END = START + timedelta(hours=3)


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    """A Paris time on the session's day (UTC+1 in winter, UTC+2 in summer), as UTC."""
    from zoneinfo import ZoneInfo

    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo("Europe/Paris")).astimezone(UTC)


async def workshop(youths: int = 2, start: datetime | None = None, hours: int = 3) -> dict:
    """A past workshop of an ETTI, 9:00–12:00 local time, with youths holding tickets."""
    start = start or at(9)
    organisation = await make_organisation("Intérim Solidaire Drôme")
    organisation.city = "Valence"
    await organisation.save()
    user = await make_user("karim@example.org", organisation, Role.staff)
    user.full_name = "Karim Haddad"
    await user.save()
    event = await make_event(
        organisation,
        title="Atelier CV",
        status=EventStatus.published,
        starts_on=start.date(),
        capacity=20,
    )
    session = await make_session(event, start, start + timedelta(hours=hours), title="Atelier CV du matin")
    registrations, youths_ = [], []
    for n, (first, last) in enumerate([("Inès", "Benali"), ("Yanis", "Martin"), ("Léa", "Durand")][:youths]):
        youth = await make_youth(organisation, first, last, f"+3361234{n:04d}", birth_date=date(2005, 3, 14 + n))
        registrations.append(
            await make_registration(event, youth, ticket_token=secrets.token_urlsafe(16), session=session.id)
        )
        youths_.append(youth)
    return {
        "organisation": organisation,
        "user": user,
        "event": event,
        "session": session,
        "registrations": registrations,
        "youths": youths_,
        "list": f"session-{session.id}",
    }


def entry(w: dict, n: int, when: datetime, nonce: str | None = None) -> dict:
    return {
        "token": w["registrations"][n].ticket_token,
        "list": w["list"],
        "nonce": nonce or secrets.token_hex(8),
        "scanned_at": when.isoformat(),
    }


def exit_(w: dict, n: int, when: datetime, nonce: str | None = None) -> dict:
    return {
        "token": w["registrations"][n].ticket_token,
        "list": w["list"],
        "nonce": nonce or secrets.token_hex(8),
        "exited_at": when.isoformat(),
    }


async def phone(w: dict) -> dict:
    from checkin import tickets

    return device_headers(await tickets.create_device(await principal(w["user"]), w["event"].id, "Téléphone accueil"))


async def record(registration) -> dict:
    return (
        await CheckIn.select(CheckIn.status, CheckIn.scanned_at, CheckIn.exited_at)
        .where(CheckIn.registration == registration.id)
        .first()
    )


async def test_attended_hours_come_from_entry_and_exit_scans(client):
    w = await workshop()
    headers = await phone(w)
    assert (await post(client, "/api/checkin/redeem", entry(w, 0, at(9, 5)), headers)).json()["result"] == "ok"
    left = await post(client, "/api/checkin/exit", exit_(w, 0, at(11, 50)), headers)
    assert left.status_code == 200, left.text
    assert left.json()["result"] == "ok" and left.json()["reason"] == "exit_recorded"
    assert left.json()["status"] == "present"  # 10 minutes before the end is not leaving early

    lines = await presence.lines_of([w["registrations"][0].id])
    assert [line.minutes for line in lines] == [2 * 60 + 45]
    ids = Registration.select(Registration.id).where(Registration.id == w["registrations"][0].id)
    assert await presence.attended_minutes(ids) == 2 * 60 + 45  # the dashboard's sum, in the database

    await login(client, "karim@example.org")
    youth_page = html.unescape((await client.get(f"/youths/{w['youths'][0].id}")).text)
    assert "2 h 45" in youth_page and f"/youths/{w['youths'][0].id}/attendance" in youth_page
    hours = await client.get(f"/youths/{w['youths'][0].id}/attendance?from={DAY.isoformat()}&to={DAY.isoformat()}")
    assert hours.status_code == 200, hours.text
    text = html.unescape(hours.text)
    assert "Atelier CV du matin" in text and "2 h 45" in text and "09:05" in text and "11:50" in text
    listing = html.unescape((await client.get(f"/events/{w['event'].id}/checkin/lists/{w['list']}")).text)
    assert "2 h 45" in listing and "11:50" in listing


async def test_an_exit_scanned_before_the_entry_is_refused_and_changes_nothing(client):
    w = await workshop()
    headers = await phone(w)
    await post(client, "/api/checkin/redeem", entry(w, 0, at(10)), headers)
    before = await record(w["registrations"][0])

    refused = await post(client, "/api/checkin/exit", exit_(w, 0, at(9, 30)), headers)
    assert refused.status_code == 409 and refused.json()["code"] == "exit_before_entry"
    assert "09:30" in refused.json()["detail"] and "10:00" in refused.json()["detail"]
    assert await record(w["registrations"][0]) == before and before["exited_at"] is None
    # Someone who never came in cannot leave either.
    nobody = await post(client, "/api/checkin/exit", exit_(w, 1, at(11)), headers)
    assert nobody.status_code == 409 and nobody.json()["code"] == "no_entry"
    assert await CheckIn.count() == 1

    # The same refusal from the Émargement page, with its reason, and nothing saved.
    await login(client, "karim@example.org")
    page = await post_form(
        client,
        f"/events/{w['event'].id}/checkin/lists/{w['list']}/exit",
        {"registration": str(w["registrations"][0].id), "time": "09:15"},
    )
    assert page.status_code == 409
    assert "09:15" in html.unescape(page.text) and "rien n'a été modifié" in html.unescape(page.text)
    assert await record(w["registrations"][0]) == before


async def test_a_youth_without_exit_scan_is_counted_until_the_session_ends(client):
    w = await workshop(3)
    headers = await phone(w)
    await post(client, "/api/checkin/redeem", entry(w, 0, at(8, 40)), headers)  # early: counted from 9:00
    await post(client, "/api/checkin/redeem", entry(w, 1, at(9, 30)), headers)  # late, no exit
    await post(client, "/api/checkin/redeem", entry(w, 2, at(9)), headers)
    await post(client, "/api/checkin/exit", exit_(w, 2, at(12, 40)), headers)  # after the end: until 12:00

    minutes = {line.registration: line.minutes for line in await presence.lines_of([r.id for r in w["registrations"]])}
    assert minutes == {w["registrations"][0].id: 180, w["registrations"][1].id: 150, w["registrations"][2].id: 180}
    assert (await record(w["registrations"][1]))["status"] == AttendanceStatus.late


def test_attended_time_stays_inside_the_session():
    start, end = at(9), at(12)
    assert presence.attended("present", start, end, at(8), None) == timedelta(hours=3)
    assert presence.attended("late", start, end, at(10), at(11)) == timedelta(hours=1)
    assert presence.attended("present", start, end, at(12, 30), at(13)) == timedelta(0)  # never negative
    assert presence.attended("present", start, end, at(8), at(8, 30)) == timedelta(0)  # never before the start
    assert presence.attended("excused", start, end, at(9), at(12)) == timedelta(0)
    assert presence.attended("absent", start, end, at(9), None) == timedelta(0)


async def test_an_early_exit_marks_the_youth_left_early(client):
    w = await workshop(2)
    headers = await phone(w)
    for n in (0, 1):
        await post(client, "/api/checkin/redeem", entry(w, n, at(9)), headers)
    early = (await post(client, "/api/checkin/exit", exit_(w, 0, at(11), "sortie-ines"), headers)).json()
    assert early["status"] == "left_early"
    assert (await record(w["registrations"][0]))["status"] == AttendanceStatus.left_early
    on_time = (await post(client, "/api/checkin/exit", exit_(w, 1, at(11, 50)), headers)).json()
    assert on_time["status"] == "present"

    # The organiser knows why and sets her present by hand: the exit, sent again by the phone, keeps that.
    await login(client, "karim@example.org")
    await post_form(
        client,
        f"/events/{w['event'].id}/checkin/lists/{w['list']}/status",
        {"registration": str(w["registrations"][0].id), "status": "present"},
    )
    again = await post(client, "/api/checkin/exit", exit_(w, 0, at(11), "sortie-ines"), headers)
    assert again.json()["result"] == "ok"
    assert (await record(w["registrations"][0]))["status"] == AttendanceStatus.present
    # The youth's page and the adviser's lists say it in French.
    listing = html.unescape((await client.get(f"/events/{w['event'].id}/checkin/lists/{w['list']}")).text)
    assert "Parti·e en avance" in listing  # among the statuses offered


async def test_an_exit_is_recorded_once_however_often_the_phone_sends_it(client):
    w = await workshop(1)
    headers = await phone(w)
    await post(client, "/api/checkin/redeem", entry(w, 0, at(9)), headers)
    body = exit_(w, 0, at(10, 30), "sortie-1")
    first = (await post(client, "/api/checkin/exit", body, headers)).json()
    second = (await post(client, "/api/checkin/exit", body, headers)).json()
    assert first == second
    # A later exit counts; the earlier one, replayed from an offline queue, changes nothing.
    await post(client, "/api/checkin/exit", exit_(w, 0, at(11, 55), "sortie-2"), headers)
    await post(client, "/api/checkin/exit", body, headers)
    row = await record(w["registrations"][0])
    assert presence.aware(row["exited_at"]) == at(11, 55)


async def test_an_exit_from_the_emargement_page_at_the_time_typed(client):
    w = await workshop(1)
    headers = await phone(w)
    await post(client, "/api/checkin/redeem", entry(w, 0, at(9)), headers)
    await login(client, "karim@example.org")
    done = await post_form(
        client,
        f"/events/{w['event'].id}/checkin/lists/{w['list']}/exit",
        {"registration": str(w["registrations"][0].id), "time": "10:30"},
    )
    assert done.status_code in (302, 303), done.text
    row = await record(w["registrations"][0])
    assert presence.aware(row["exited_at"]) == at(10, 30) and row["status"] == AttendanceStatus.left_early


async def test_the_week_total_is_set_against_the_cej_hours(client):
    w = await workshop(1)
    headers = await phone(w)
    await post(client, "/api/checkin/redeem", entry(w, 0, at(9)), headers)
    await login(client, "karim@example.org")
    monday = DAY - timedelta(days=DAY.weekday())
    week = await client.get(f"/youths/{w['youths'][0].id}/attendance?from={monday}&to={monday + timedelta(days=6)}")
    text = html.unescape(week.text)
    assert "cej-below" in text and "3 h" in text and "15" in text and "20" in text
    data = await presence.youth_hours(await principal(w["user"]), w["youths"][0].id, monday, None)
    assert [(x.monday, x.minutes, x.cej) for x in data["weeks"]] == [(monday, 180, "below")]
    assert data["end"] == monday + timedelta(days=6)
    bad = await client.get(f"/youths/{w['youths'][0].id}/attendance?from=2026-02-10&to=2026-02-01")
    assert bad.status_code == 400


async def test_attestation_pdf_names_the_youth_the_sessions_and_the_total(client):
    w = await workshop(2)
    headers = await phone(w)
    await post(client, "/api/checkin/redeem", entry(w, 0, at(9, 10)), headers)
    await post(client, "/api/checkin/exit", exit_(w, 0, at(11, 40)), headers)
    await login(client, "karim@example.org")

    for url in (
        f"/youths/{w['youths'][0].id}/attestation.pdf?event={w['event'].id}",
        f"/youths/{w['youths'][0].id}/attestation.pdf?from={DAY}&to={DAY}",
        f"/events/{w['event'].id}/checkin/registrations/{w['registrations'][0].id}/attestation.pdf",
    ):
        pdf = await client.get(url)
        assert pdf.status_code == 200, (url, pdf.text)
        assert pdf.headers["content-type"] == "application/pdf"
        text = " ".join(pdf_text(pdf.content).split())  # lines wrap where the page ends them
        for expected in (
            "Attestation de présence",
            "Je soussigné·e Karim Haddad",
            "Intérim Solidaire Drôme",
            "Inès BENALI",
            "14 mars 2005",
            "Atelier CV du matin",
            "09:00–12:00",
            "2 h 30",
            "Valence",
            "Signature",
        ):
            assert expected in text, (url, expected, text)
        assert "Yanis" not in text
    # The links: on the youth's page and on the Émargement line.
    youth_page = (await client.get(f"/youths/{w['youths'][0].id}")).text
    assert f"/youths/{w['youths'][0].id}/attestation.pdf?event={w['event'].id}" in youth_page
    listing = (await client.get(f"/events/{w['event'].id}/checkin/lists/{w['list']}")).text
    assert f"/checkin/registrations/{w['registrations'][0].id}/attestation.pdf" in listing


async def test_another_organisations_admin_gets_404_on_hours_exits_and_attestations(client, app):
    w = await workshop(1)
    headers = await phone(w)
    await post(client, "/api/checkin/redeem", entry(w, 0, at(9)), headers)
    theirs = await make_organisation("Mission Locale Voisine")
    await make_user("voisine@ml.test", theirs, Role.admin)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as other:
        await login(other, "voisine@ml.test")
        youth, reg = w["youths"][0].id, w["registrations"][0].id
        for url in (
            f"/youths/{youth}/attendance",
            f"/youths/{youth}/attestation.pdf",
            f"/youths/{youth}/attestation.pdf?event={w['event'].id}",
            f"/events/{w['event'].id}/checkin/registrations/{reg}/attestation.pdf",
        ):
            response = await other.get(url, headers={"accept": "text/html"})
            assert response.status_code == 404, url
            assert "Benali" not in response.text
        api = await other.post(
            "/api/checkin/exit", json=exit_(w, 0, at(11)), headers={"x-csrftoken": csrf_token(other)}
        )
        assert api.status_code == 404
        form = await post_form(
            other,
            f"/events/{w['event'].id}/checkin/lists/{w['list']}/exit",
            {"registration": str(reg), "time": "11:00"},
        )
        assert form.status_code == 404
    assert (await record(w["registrations"][0]))["exited_at"] is None
    assert utcnow() > END  # the workshop is over
