"""Organisers plan a job dating's interviews in the console, adjust them by hand and send each youth theirs."""

from __future__ import annotations

import html
from zoneinfo import ZoneInfo

import httpx

from accounts.tables import OrganisationKind, Role
from core.i18n import gettext as _
from core.i18n import language
from events.tables import PartnerRole
from messaging.tables import OutboxMessage
from planning import runner, runs
from planning.tables import Interview, PlanningStatus
from tests.factories.accounts import make_organisation, make_user, organiser
from tests.factories.events import adviser_of_partner, make_partner, make_site
from tests.factories.planning import JOB_DATING_YOUTHS as YOUTHS
from tests.factories.planning import job_dating
from tests.support import login, post_form

PARIS = ZoneInfo("Europe/Paris")


def text(response: httpx.Response) -> str:
    return html.unescape(response.text)


async def plan(user, event_id: int) -> PlanningStatus:
    run_id = await runs.start_run(user, event_id, kind="job_dating", seconds=1, spawn=False)
    return await runner.execute_run(run_id)


async def test_organiser_plans_interviews_and_every_youth_gets_one(client):
    organisation, user = await organiser(client)
    event, _sites, registrations = await job_dating(organisation)

    assert await plan(user, event.id) == PlanningStatus.done

    booked = {row["registration"] for row in await Interview.select(Interview.registration)}
    assert booked == {r.id for r in registrations}
    page = text(await client.get(f"/events/{event.id}/interviews"))
    assert "Transports Nord" in page and "14:20" in page
    for first_name, _sector in YOUTHS:
        assert f"{first_name} Martin</a>" in page  # in a cell of the grid, a link to move it
    run = await runs.latest_run(event.id)
    assert run["progress"]["interviews_total"] == len(await Interview.select())


async def test_moving_an_interview_onto_a_busy_recruiter_shows_the_broken_rule(client):
    organisation, _user = await organiser(client)
    event, (carrier, _bakery), (ines, _karim, lea, _sami) = await job_dating(organisation)
    for registration, start in ((ines, "14:00"), (lea, "14:20")):
        response = await post_form(
            client,
            f"/events/{event.id}/interviews/add",
            {"registration_id": str(registration.id), "site_id": str(carrier.id), "start": start},
        )
        assert response.status_code in (302, 303), response.text
    moved = await Interview.objects().where(Interview.registration == lea.id).first()

    response = await post_form(
        client, f"/events/{event.id}/interviews/{moved.id}/move", {"site_id": str(carrier.id), "start": "14:00"}
    )
    assert response.status_code in (302, 303)
    page = text(await client.get(f"/events/{event.id}/interviews"))
    rules = page[page.index('id="rules"') :]  # the rule broken, right after the move
    assert "J03" in rules and "Léa Martin" in rules

    await post_form(
        client, f"/events/{event.id}/interviews/{moved.id}/move", {"site_id": str(carrier.id), "start": "14:20"}
    )
    page = text(await client.get(f"/events/{event.id}/interviews"))
    assert "J03" not in page


async def test_locked_interview_stays_put_when_replanning(client):
    organisation, user = await organiser(client)
    event, (_carrier, bakery), (_ines, karim, _lea, sami) = await job_dating(organisation)
    # The organiser books Karim at the bakery's last slot by hand: hand-made interviews are locked.
    await post_form(
        client,
        f"/events/{event.id}/interviews/add",
        {"registration_id": str(karim.id), "site_id": str(bakery.id), "start": "14:40"},
    )
    kept = await Interview.objects().first()
    assert kept.locked

    assert await plan(user, event.id) == PlanningStatus.done
    assert await plan(user, event.id) == PlanningStatus.done  # and again, from the plan just made

    again = await Interview.objects().where(Interview.registration == karim.id)
    assert [(i.site, i.starts_at, i.locked) for i in again] == [(bakery.id, kept.starts_at, True)]
    assert await Interview.exists().where(Interview.registration == sami.id)  # planned around it

    await post_form(client, f"/events/{event.id}/interviews/{again[0].id}/lock", {"locked": "0"})
    assert not (await Interview.objects().where(Interview.registration == karim.id).first()).locked


async def test_publishing_sends_each_youth_their_interviews(client):
    organisation, user = await organiser(client)
    event, _sites, registrations = await job_dating(organisation)
    await plan(user, event.id)

    response = await post_form(client, f"/events/{event.id}/interviews/publish", {})
    assert response.status_code in (302, 303)

    texts = await OutboxMessage.select().where(OutboxMessage.channel == "sms")
    assert len(texts) == len({r.id for r in registrations})  # every youth with an interview, by text message
    messages = await OutboxMessage.select().where(OutboxMessage.channel == "email").order_by(OutboxMessage.recipient)
    assert [m["recipient"] for m in messages] == ["inès@exemple.fr", "léa@exemple.fr"]  # the others have none
    ines = registrations[0]
    mine = await Interview.objects().where(Interview.registration == ines.id)
    body = messages[0]["body_text"]
    for interview in mine:
        assert interview.published_at is not None
        assert interview.starts_at.astimezone(PARIS).strftime("%H:%M") in body
    assert "Transports Nord" in body and "3 rue des Lilas, 26000 Valence" in body
    assert f"/r/{ines.manage_token}" in body
    assert messages[0]["idempotency_key"].startswith(f"interviews:{ines.id}:")


async def test_a_plan_with_a_broken_rule_cannot_be_published(client):
    organisation, _user = await organiser(client)
    event, (carrier, _bakery), (ines, _karim, lea, _sami) = await job_dating(organisation)
    for registration in (ines, lea):  # one recruiter, two youths at 14:00
        await post_form(
            client,
            f"/events/{event.id}/interviews/add",
            {"registration_id": str(registration.id), "site_id": str(carrier.id), "start": "14:00"},
        )

    await post_form(client, f"/events/{event.id}/interviews/publish", {})

    page = text(await client.get(f"/events/{event.id}/interviews"))
    assert "J03" in page
    assert await OutboxMessage.count() == 0
    assert not await Interview.exists().where(Interview.published_at.is_not_null())


async def test_missing_companies_are_explained(client):
    organisation, user = await organiser(client)
    event, _sites, _registrations = await job_dating(organisation, companies=False)
    with language("fr"):
        expected = _(
            "Add the recruiting companies to the event's partners (role: host company), each with a site:"
            " the interviews are held at their stands."
        )

    response = await client.get(f"/events/{event.id}/interviews")
    assert response.status_code == 200
    assert expected in text(response)

    assert await plan(user, event.id) == PlanningStatus.failed
    assert expected in (await runs.latest_run(event.id))["message"]
    assert expected in text(await client.get(f"/events/{event.id}/interviews"))


async def test_adviser_cannot_change_the_plan(client, app):
    organisation, user = await organiser(client)
    event, (carrier, _bakery), _registrations = await job_dating(organisation)
    await plan(user, event.id)
    interview = await Interview.objects().first()
    await make_user("karima@collectif.test", organisation, Role.adviser)
    await adviser_of_partner(event, "paul@ml.test")
    move = {"site_id": str(carrier.id), "start": "14:40"}

    for email, refused in (("karima@collectif.test", 403), ("paul@ml.test", 404)):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as other:
            await login(other, email)
            assert (await other.get(f"/events/{event.id}/interviews")).status_code == 200  # they may look
            for path, body in (
                (f"/interviews/{interview.id}/move", move),
                (f"/interviews/{interview.id}/lock", {"locked": "1"}),
                (f"/interviews/{interview.id}/delete", {}),
                ("/interviews/publish", {}),
                ("/interviews/plan", {}),
            ):
                response = await post_form(other, f"/events/{event.id}{path}", body)
                assert response.status_code == refused, (email, path, response.status_code)
    # The partner's adviser sees the grid but not the names of youths they did not refer.
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as other:
        await login(other, "paul@ml.test")
        assert "Inès Martin" not in text(await other.get(f"/events/{event.id}/interviews"))
    after = await Interview.objects().where(Interview.id == interview.id).first()
    assert (after.site, after.starts_at, after.locked) == (interview.site, interview.starts_at, interview.locked)
    assert await runs.latest_run(event.id) is not None and await OutboxMessage.count() == 0


# --------------------------------------------------------------------------- second round and the grid

FARMER = [("Inès", "logistique"), ("Nora", "agriculture")]


async def test_youth_matching_no_company_gets_a_second_round_interview_while_slots_are_free(client):
    organisation, user = await organiser(client)
    event, (_carrier, bakery), (ines, nora) = await job_dating(organisation, youths=FARMER)

    assert await plan(user, event.id) == PlanningStatus.done

    mine = await Interview.select().where(Interview.registration == nora.id)
    assert [row["site"] for row in mine] == [bakery.id]  # the carrier is full with Inès, the bakery is free
    page = text(await client.get(f"/events/{event.id}/interviews"))
    with language("fr"):
        assert _("second round") in page
    assert "J09" not in page
    await post_form(client, f"/events/{event.id}/interviews/publish", {})
    assert await Interview.exists().where((Interview.registration == nora.id) & Interview.published_at.is_not_null())


async def test_with_the_second_round_off_the_page_says_why_a_youth_has_no_interview(client):
    organisation, user = await organiser(client)
    event, _sites, (_ines, nora) = await job_dating(organisation, youths=FARMER)

    response = await post_form(client, f"/events/{event.id}/interviews/second-round", {})
    assert response.status_code in (302, 303)
    assert await plan(user, event.id) == PlanningStatus.done

    assert not await Interview.exists().where(Interview.registration == nora.id)
    page = text(await client.get(f"/events/{event.id}/interviews"))
    with language("fr"):
        reason = _("no company of the job dating matches their interests")
        assert f"Nora Martin — {reason}" in page
    assert 'name="second_round" role="switch">' in page  # the switch shows the option off

    await post_form(client, f"/events/{event.id}/interviews/second-round", {"second_round": "on"})
    assert await plan(user, event.id) == PlanningStatus.done
    assert await Interview.exists().where(Interview.registration == nora.id)


async def test_company_without_a_recruiter_is_not_a_column_of_the_grid(client):
    organisation, user = await organiser(client)
    event, _sites, _registrations = await job_dating(organisation)
    absent = await make_organisation("Garage Dupont", OrganisationKind.entreprise)
    await make_partner(event, absent, PartnerRole.host_company)
    site = await make_site(organisation, "Garage Dupont", host=absent.id, sector="commerce", capacity_per_slot=0)

    assert await plan(user, event.id) == PlanningStatus.done

    assert not await Interview.exists().where(Interview.site == site.id)
    page = text(await client.get(f"/events/{event.id}/interviews"))
    grid = page.split('id="grid"')[1].split("</table>")[0]
    assert "Transports Nord" in grid and "Garage Dupont" not in grid
