"""A newcomer's first look: the demo is realistic, loads once, and its login works."""

import io
from datetime import date, timedelta

from openpyxl import load_workbook

from accounts.tables import AuditEntry, Organisation
from app.demo import DEMO_LOGIN, DEMO_LOGINS, DEMO_PASSWORD, is_empty, load_demo
from checkin.tables import CheckIn
from events.tables import Event, Format, Site
from messaging.tables import OutboxMessage
from planning.tables import PublishedTeam
from registration.tables import Participant, Registration
from tests.support import login
from webhooks.tables import Endpoint


async def test_demo_holds_the_five_formats_partners_and_about_forty_youths():
    assert await is_empty()
    await load_demo(compose_rally=False)
    assert not await is_empty()

    formats = {row["format"] for row in await Event.select(Event.format)}
    assert formats == {f.value for f in Format}
    assert await Organisation.count().where(Organisation.kind == "entreprise") == 10
    assert await Organisation.count().where(Organisation.kind == "mission_locale") >= 2
    assert await Site.count().where(Site.kind == "company") == 10
    assert 35 <= await Participant.count() <= 45
    rally = await Event.objects().where(Event.format == Format.rallye).first()
    assert (rally.ends_on - rally.starts_on).days == 2
    assert await Registration.count().where(Registration.status == "waiting") >= 1


async def test_the_printed_demo_login_opens_the_collectives_console(client):
    await load_demo(compose_rally=False)
    assert (await login(client, DEMO_LOGIN, DEMO_PASSWORD)).status_code == 302
    home = await client.get("/")
    assert "Collectif Insertion Drôme" in home.text
    assert "Rallye pour l" in home.text
    rally = await Event.objects().where(Event.format == Format.rallye).first()
    page = await client.get(f"/events/{rally.id}")
    assert page.status_code == 200
    assert "Jour 3" in page.text and "Mission Locale Valence Agglo" in page.text


async def test_the_demo_shows_a_few_weeks_of_use_and_a_login_for_every_role(client):
    # The walk (tests/e2e/test_walk.py) needs pages with something on them: a promoted youth, sent texts, a
    # cancelled date, scans, a published rally plan; and one login per role.
    await load_demo()
    rally = await Event.objects().where(Event.format == Format.rallye).first()
    statuses = [
        r["status"] for r in await Registration.select(Registration.status).where(Registration.event == rally.id)
    ]
    assert statuses.count("cancelled") == 1 and statuses.count("confirmed") == 21  # the waiting list moved up
    assert await Event.count().where(Event.status == "cancelled") == 1
    assert await CheckIn.count().where(CheckIn.source == "scan") >= 5
    assert await CheckIn.count().where(CheckIn.exited_at.is_not_null()) >= 2  # attended hours show
    assert await CheckIn.count().where(CheckIn.status == "left_early") == 1
    assert await PublishedTeam.count().where(PublishedTeam.event == rally.id) == 21
    keys = [m["idempotency_key"] for m in await OutboxMessage.select(OutboxMessage.idempotency_key)]
    assert {key.split(":")[0] for key in keys} >= {"promoted", "broadcast", "cancelled", "team"}
    assert all(e["email"].isascii() for e in await Participant.select(Participant.email))
    webhook = await Endpoint.objects().first()  # shown, disabled: the demo posts to nobody
    assert webhook.disabled_at is not None and webhook.url.startswith("https://example.org/")
    assert await OutboxMessage.count().where(OutboxMessage.status == "queued") == await OutboxMessage.count().where(
        (OutboxMessage.status == "queued") & (OutboxMessage.channel != "webhook")
    )
    assert await Participant.count().where(Participant.erased_at.is_not_null()) == 1  # asked to be erased
    for role, email in DEMO_LOGINS.items():
        client.cookies.clear()
        assert (await login(client, email, DEMO_PASSWORD)).status_code == 302, role


async def test_the_demo_adviser_has_proposals_in_each_state_and_chose_her_digest():
    from accounts.tables import User
    from app.demo import DEMO_LOGINS
    from registration import proposals
    from tests.factories.accounts import principal

    await load_demo(compose_rally=False)
    user = await User.objects().get(User.email == DEMO_LOGINS["adviser"])
    assert user.digest == "event_day"
    states = {row.state for row in await proposals.proposals_of(await principal(user))}
    assert states == {"proposed", "registered", "attended"}


async def test_the_etti_exports_its_youths_attendance_from_the_demo(client):
    await load_demo(compose_rally=False)
    assert await AuditEntry.count().where(AuditEntry.action == "export") == 1  # the FSE+ file already sent
    await login(client, DEMO_LOGINS["partner"], DEMO_PASSWORD)
    page = await client.get("/exports/")
    assert page.status_code == 200 and "Information collective" in page.text
    organisation = (
        await Organisation.select(Organisation.id).where(Organisation.name == "Intérim Solidaire Drôme").first()
    )["id"]
    since = (date.today() - timedelta(days=180)).isoformat()
    response = await client.get(f"/organisations/{organisation}/exports/attendance.xlsx?from={since}&to={date.today()}")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content), read_only=True).active.iter_rows(values_only=True))
    assert rows[0][0] == "Nom" and len(rows) > 5
