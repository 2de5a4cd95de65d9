"""The parcours in the console: the SIAE's counsellor opens one from the youth's page, records the tripartite start
meeting, the adviser proposes an information session from the parcours and sees the youth's registration in the
history, the skills sheet is filled at the start and mid-term and shown side by side, and a PDF goes to the youth."""

import html
import re
from datetime import timedelta

import httpx
import pytest

from core.clock import utcnow
from messaging.tables import Channel, OutboxMessage
from parcours.tables import Parcours, SkillsSheet, Touchpoint, TouchpointTemplate
from privacy.tables import PersonalDataAccess
from tests.factories.parcours import hiring
from tests.factories.registration import published_event
from tests.support import login, post_form
from tests.test_checkin import pdf_text


def text(response) -> str:
    return html.unescape(response.text)


@pytest.fixture
async def other_client(app):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        yield c


async def open_from_the_youths_page(client, world) -> int:
    """The counsellor opens the parcours from the youth's page: refused first (the end before the start, no
    adviser: both said at once), then opened."""
    start = utcnow().date() + timedelta(days=10)
    end = start + timedelta(days=180)
    youth_page = text(await client.get(f"/youths/{world.youth.id}"))
    assert f"/youths/{world.youth.id}/parcours/new" in youth_page
    form = text(await client.get(f"/youths/{world.youth.id}/parcours/new"))
    assert '<label for="field-adviser_id"' in form and "Claire (Mission Locale Valence)" in form

    refused = await post_form(
        client,
        f"/youths/{world.youth.id}/parcours/new",
        {"contract_kind": "cddi", "contract_start": str(end), "contract_end": str(start), "adviser_id": ""},
    )
    assert refused.status_code == 400
    assert "ne peut pas se terminer" in text(refused) and "Choisissez le conseiller du jeune" in text(refused)
    assert await Parcours.count() == 0

    opened = await post_form(
        client,
        f"/youths/{world.youth.id}/parcours/new",
        {
            "contract_kind": "cddi",
            "contract_start": str(start),
            "contract_end": str(end),
            "adviser_id": str(world.adviser.id),
            "supervisor_id": str(world.supervisor.id),
        },
    )
    assert opened.status_code in (302, 303), opened.text
    parcours_id = (await Parcours.select(Parcours.id).first())["id"]
    assert opened.headers["location"] == f"/parcours/{parcours_id}"
    assert f"/parcours/{parcours_id}" in text(await client.get(f"/youths/{world.youth.id}"))
    return parcours_id


async def youth_registers_through(client, body: str) -> None:
    """The youth opens the proposal's link on their phone (no login) and confirms the pre-filled form."""
    link = re.search(r"https?://\S+/e/(\S+)\?p=(\S+)", body)
    youth_phone = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")
    async with youth_phone:
        await youth_phone.get(f"/e/{link.group(1)}?p={link.group(2)}")
        done = await post_form(
            youth_phone,
            f"/e/{link.group(1)}",
            {
                "first_name": "Léa",
                "last_name": "Martin",
                "phone": "06 11 22 33 44",
                "postcode": "26000",
                "p": link.group(2),
            },
        )
        assert done.status_code in (302, 303)


async def test_a_parcours_from_the_youths_page_to_the_skills_sheets(client, other_client):
    world = await hiring()
    info = await published_event(None, organisation=world.ml, title="Info-coll Garantie jeunes")
    await login(client, "karim@aci.test")
    parcours_id = await open_from_the_youths_page(client, world)

    # The tripartite start meeting: its result recorded from the parcours page.
    meeting = await Touchpoint.select().where(Touchpoint.step == "start_meeting").first()
    recorded = await post_form(
        client,
        f"/parcours/touchpoints/{meeting['id']}/result",
        {
            "result": "Démarrage validé, tuteur présenté",
            "note": "Horaires aménagés le mercredi",
            "back": f"/parcours/{parcours_id}",
        },
    )
    assert recorded.status_code in (302, 303)
    page = text(await client.get(f"/parcours/{parcours_id}"))
    assert "Démarrage validé, tuteur présenté" in page
    too_long = await post_form(client, f"/parcours/touchpoints/{meeting['id']}/result", {"note": "x" * 501})
    assert too_long.status_code == 400 and "500" in text(too_long)

    # The work list: the call before hiring, one tap.
    work = text(await client.get("/parcours/"))
    call = await Touchpoint.select().where(Touchpoint.step == "orientation_call").first()
    assert f"/parcours/touchpoints/{call['id']}/done" in work
    await post_form(client, f"/parcours/touchpoints/{call['id']}/done", {"back": "/parcours/"})
    assert (await Touchpoint.select(Touchpoint.status).where(Touchpoint.id == call["id"]).first())["status"] == "done"

    # The adviser proposes the Mission Locale's information session from the parcours.
    await login(other_client, "claire@ml.test")
    adviser_view = text(await other_client.get(f"/parcours/{parcours_id}"))
    viewed = await PersonalDataAccess.select(PersonalDataAccess.user).where(
        PersonalDataAccess.participant == world.youth.id
    )
    assert world.adviser.id in {v["user"] for v in viewed}  # her view of the youth's history is logged
    assert "Info-coll Garantie jeunes" in adviser_view and "Démarrage validé" in adviser_view
    sent = await post_form(other_client, f"/parcours/{parcours_id}/propose", {"event_id": str(info.id)})
    assert sent.status_code in (302, 303), sent.text
    (sms,) = await OutboxMessage.select().where(
        (OutboxMessage.channel == Channel.sms) & OutboxMessage.body_text.like("%/e/%")
    )
    await youth_registers_through(other_client, sms["body_text"])
    history = text(await other_client.get(f"/parcours/{parcours_id}"))
    assert re.search(r"Info-coll Garantie jeunes \([^)]*\) — <strong>(inscrit|registered)", history)

    # Skills sheets at the start and mid-term, side by side; a PDF for the youth.
    for moment, observed, own in (("start", "2", "3"), ("middle", "3", "3")):
        saved = await post_form(
            client,
            f"/parcours/{parcours_id}/skills/{moment}",
            {
                "observed_punctuality": observed,
                "self_punctuality": own,
                "observed_teamwork": "2",
                "next_steps": "CACES",
            },
        )
        assert saved.status_code in (302, 303), saved.text
    assert await SkillsSheet.count() == 2
    page = text(await client.get(f"/parcours/{parcours_id}"))
    sheets = page[page.index('id="skills-caption"') :]
    assert "Début" in sheets and "Mi-parcours" in sheets  # both moments, side by side
    assert "En cours / Acquis" in sheets  # observed at the start / the youth's own view


async def test_the_youth_gets_their_skills_sheet_as_a_pdf_with_both_moments(client):
    from parcours import skills
    from tests.factories.accounts import principal
    from tests.factories.parcours import open_for

    world = await hiring()
    start = utcnow().date() + timedelta(days=10)
    parcours_id = await open_for(world, start, start + timedelta(days=90))
    for moment, observed in (("start", "2"), ("middle", "4")):
        await skills.save_sheet(
            world.counsellor,
            parcours_id,
            moment,
            {"observed_safety": observed, "self_safety": "3", "next_steps": "CACES 1"},
        )
    assert await principal(world.manager)
    await login(client, "karim@aci.test")
    pdf = await client.get(f"/parcours/{parcours_id}/skills.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    words = " ".join(pdf_text(pdf.content).split())
    assert "Léa Martin" in words and "Mi-parcours" in words and "Maîtrisé" in words and "CACES 1" in words


async def test_a_parcours_is_hidden_from_other_organisations_and_once_the_partnership_ends(client):
    from accounts.tables import Partnership
    from tests.factories.accounts import make_organisation, make_user
    from tests.factories.parcours import open_for

    world = await hiring()
    start = utcnow().date() + timedelta(days=10)
    parcours_id = await open_for(world, start, start + timedelta(days=90))
    await make_user("nosy@ml.test", await make_organisation("Mission Locale Voisine"), "admin")
    await login(client, "nosy@ml.test")
    assert (await client.get(f"/parcours/{parcours_id}")).status_code == 404
    await login(client, "claire@ml.test")
    assert (await client.get(f"/parcours/{parcours_id}")).status_code == 200
    await Partnership.delete().where(Partnership.owner == world.siae.id)
    assert (await client.get(f"/parcours/{parcours_id}")).status_code == 404


async def test_the_structures_manager_sets_its_rhythm_and_the_next_parcours_follows_it(client):
    from tests.factories.parcours import open_for

    world = await hiring()
    await login(client, "direction@aci.test")
    assert f"/organisations/{world.siae.id}/parcours-rhythm/" in text(await client.get("/parcours/"))
    form = text(await client.get(f"/organisations/{world.siae.id}/parcours-rhythm/"))
    assert "Point mensuel avec le conseiller" in form and 'id="field-monthly_contact_included"' in form
    chosen = {
        "orientation_call_included": "on",
        "orientation_call_offset_days": "-10",
        "orientation_call_minutes": "20",
        "start_meeting_included": "on",
        "start_meeting_offset_days": "0",
        "start_meeting_minutes": "90",
        "final_review_included": "on",
        "final_review_offset_days": "-99",
        "final_review_minutes": "3",
    }
    refused = await post_form(client, f"/organisations/{world.siae.id}/parcours-rhythm/", chosen)
    assert refused.status_code == 400
    assert "Entre -60 et 0 jours." in text(refused) and "Entre 5 et 480 minutes." in text(refused)
    saved = await post_form(
        client,
        f"/organisations/{world.siae.id}/parcours-rhythm/",
        chosen | {"final_review_offset_days": "-5", "final_review_minutes": "60"},
    )
    assert saved.status_code in (302, 303)

    start = utcnow().date() + timedelta(days=30)
    parcours_id = await open_for(world, start, start + timedelta(days=120))
    steps = [t["step"] for t in await Touchpoint.select(Touchpoint.step).where(Touchpoint.parcours == parcours_id)]
    assert sorted(steps) == ["final_review", "orientation_call", "start_meeting"]  # no monthly contact, no review


async def test_those_who_may_not_change_a_parcours_are_refused_before_their_form_is_read(client):
    """A viewer of the SIAE, its counsellor proposing (only the Mission Locale proposes) and a counsellor saving the
    structure's rhythm (its organisers do) are refused, with an empty form as with a good one: never told what
    the form lacks."""
    from tests.factories.accounts import make_user
    from tests.factories.parcours import open_for

    world = await hiring()
    start = utcnow().date() + timedelta(days=10)
    parcours_id = await open_for(world, start, start + timedelta(days=90))
    touchpoint = await Touchpoint.select(Touchpoint.id).where(Touchpoint.parcours == parcours_id).first()
    await make_user("stagiaire@aci.test", world.siae, "viewer")
    await login(client, "stagiaire@aci.test")
    assert (await client.get(f"/parcours/{parcours_id}")).status_code == 200  # she sees it
    for path in (
        f"/parcours/{parcours_id}/touchpoints",
        f"/parcours/{parcours_id}/extend",
        f"/parcours/touchpoints/{touchpoint['id']}/move",
    ):
        assert (await post_form(client, path, {})).status_code == 403, path

    await login(client, "karim@aci.test")
    assert (await post_form(client, f"/parcours/{parcours_id}/propose", {})).status_code == 403
    assert (await post_form(client, f"/organisations/{world.siae.id}/parcours-rhythm/", {})).status_code == 403
    assert (await Parcours.select(Parcours.extensions).first())["extensions"] == 0
    assert await TouchpointTemplate.count() == 0
