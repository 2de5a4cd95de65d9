"""An organiser composes the rally's teams, reviews them, moves a youth, locks, re-plans and publishes."""

import asyncio
import html
import json
from collections import Counter

from accounts.tables import Role
from messaging.tables import OutboxMessage
from planning import runner, runs, store
from planning.tables import PlanningRun, Team, TeamMember, Visit
from tests.factories.accounts import make_user, organiser
from tests.factories.planning import rally
from tests.support import login, post_form


def text(response) -> str:
    return html.unescape(response.text)


async def _planned(client, user, event) -> None:
    run_id = await runs.start_run(user, event.id, seconds=2, spawn=False)
    assert await runner.execute_run(run_id) == "done"


async def test_organiser_composes_teams_of_three_each_with_a_companion(client):
    organisation, user = await organiser(client)
    event = (await rally(organisation)).event
    await _planned(client, user, event)

    teams = await Team.select().where(Team.event == event.id)
    assert len(teams) == 3 and all(t["companion"] for t in teams)
    assert await TeamMember.count() == 9
    page = text(await client.get(f"/events/{event.id}/planning"))
    assert "Équipe 1" in page and "Toutes les règles sont respectées." in page
    assert "Logistique Rhône Sud" in page  # in the itinerary grid and the company view


async def test_a_rally_over_two_visit_days_sends_every_team_out_on_both_days(client):
    # The Rallye format asks for two visits a day at least; the teams used to do all theirs on one day.
    organisation, user = await organiser(client)
    event = (await rally(organisation)).event
    await _planned(client, user, event)

    teams = await Team.select(Team.id, Team.number).where(Team.event == event.id)
    for team in teams:
        visits = await Visit.select(Visit.starts_at).where(Visit.team == team["id"])
        per_day = Counter(v["starts_at"].date() for v in visits)
        assert len(per_day) == 2 and min(per_day.values()) >= 2, (team["number"], per_day)
    # The page says, per team and day, how many visits and why not more (here: the team saw every company).
    page = text(await client.get(f"/events/{event.id}/planning"))
    assert "2 visites" in page
    assert "aucune autre entreprise ne peut recevoir l'équipe ce jour-là" in page


async def test_the_planner_runs_in_the_background_and_the_page_follows_it(client):
    organisation, _user = await organiser(client)
    event = (await rally(organisation)).event
    started = await post_form(client, f"/events/{event.id}/planning/run", {"seconds": "1"})
    assert started.status_code in (302, 303)
    for _ in range(100):  # a separate process does the work
        run = await runs.latest_run(event.id)
        if run["status"] not in runs.ACTIVE:
            break
        progress = await client.get(f"/events/{event.id}/planning/run-status")
        assert progress.status_code == 200
        await asyncio.sleep(0.2)
    assert run["status"] == "done", run["message"]
    assert (await client.get(f"/events/{event.id}/planning/run-status?since=0")).headers.get("hx-refresh") == "true"
    assert await Team.count().where(Team.event == event.id) == 3


async def test_moving_a_youth_shows_the_broken_rule_and_undo_restores_the_plan(client):
    organisation, user = await organiser(client)
    r = await rally(organisation)
    event, registrations = r.event, r.registrations
    await _planned(client, user, event)
    member = await TeamMember.select().where(TeamMember.registration == registrations[0]).first()
    other = await Team.select().where((Team.event == event.id) & (Team.id != member["team"])).first()
    rival = await TeamMember.select().where(TeamMember.team == other["id"]).first()
    paired = await post_form(  # these two must not be in the same team
        client,
        f"/events/{event.id}/planning/pairs",
        {"first": registrations[0], "second": rival["registration"], "together": "0"},
    )
    assert paired.status_code in (302, 303)
    assert "Toutes les règles sont respectées." in text(await client.get(f"/events/{event.id}/planning"))

    moved = await post_form(
        client,
        f"/events/{event.id}/planning/members/{registrations[0]}/move",
        {"team_id": other["id"], "from_team": member["team"]},
    )
    page = text(await client.get(moved.headers["location"]))
    assert "H05" in page and "Annuler ce déplacement" in page

    await post_form(client, f"/events/{event.id}/planning/members/{registrations[0]}/move", {"team_id": member["team"]})
    assert "Toutes les règles sont respectées." in text(await client.get(f"/events/{event.id}/planning"))


async def test_a_visit_moved_past_the_rally_hours_is_refused_with_the_hours_it_may_take(client):
    organisation, user = await organiser(client)
    event = (await rally(organisation)).event
    await _planned(client, user, event)
    visit = await Visit.select().first()

    for start in ("23:30", "06:00"):
        refused = await post_form(
            client,
            f"/events/{event.id}/planning/visits/{visit['id']}/move",
            {"day": 0, "start": start, "site_id": visit["site"]},
        )
        assert refused.status_code == 400
        assert "Cette visite doit avoir lieu entre 08:30 et 17:00." in text(refused)
    kept = await Visit.select().where(Visit.id == visit["id"]).first()
    assert (kept["starts_at"], kept["ends_at"]) == (visit["starts_at"], visit["ends_at"])


async def test_locked_team_and_visit_are_kept_when_replanning(client):
    organisation, user = await organiser(client)
    event = (await rally(organisation)).event
    await _planned(client, user, event)
    team = await Team.select().where(Team.event == event.id).order_by(Team.number).first()
    before = sorted(m["registration"] for m in await TeamMember.select().where(TeamMember.team == team["id"]))
    visit = await Visit.select().where(Visit.team.event == event.id).first()
    visit_team = await Team.select(Team.number).where(Team.id == visit["team"]).first()
    await post_form(client, f"/events/{event.id}/planning/teams/{team['id']}/lock", {"locked": "1"})
    await post_form(client, f"/events/{event.id}/planning/visits/{visit['id']}/lock", {"locked": "1"})

    run_id = await runs.start_run(user, event.id, seconds=1, seed=7, spawn=False)
    assert await runner.execute_run(run_id) == "done", (await runs.latest_run(event.id))["message"]

    kept = await Team.select().where((Team.event == event.id) & (Team.number == team["number"])).first()
    assert kept["locked"]
    after = sorted(m["registration"] for m in await TeamMember.select().where(TeamMember.team == kept["id"]))
    assert after == before
    same = await Visit.select().where(
        (Visit.team.event == event.id) & (Visit.site == visit["site"]) & (Visit.locked == True)  # noqa: E712
    )
    assert len(same) == 1 and same[0]["starts_at"] == visit["starts_at"]
    assert (await Team.select(Team.number).where(Team.id == same[0]["team"]).first())["number"] == visit_team["number"]


async def test_publishing_tells_each_youth_their_team(client):
    organisation, user = await organiser(client)
    event = (await rally(organisation)).event
    await _planned(client, user, event)
    published = await post_form(client, f"/events/{event.id}/planning/publish", {})
    assert published.status_code in (302, 303)
    assert all(t["published_at"] for t in await Team.select(Team.published_at).where(Team.event == event.id))
    emails = await OutboxMessage.select().where(OutboxMessage.channel == "email")
    assert len(emails) == 5 and all("Votre équipe" in m["subject"] for m in emails)  # the five with an e-mail
    texts = await OutboxMessage.select().where(OutboxMessage.channel == "sms")
    assert len(texts) == 9 and all("équipe" in m["body_text"] and "Accompagnateur" in m["body_text"] for m in texts)
    personal = text(await client.get(f"/r/manage-{event.id}-0"))
    assert "Votre équipe : équipe" in personal and "Accompagnateur" in personal


async def test_the_team_e_mail_carries_the_calendar_invitation_with_the_visits(client):
    organisation, user = await organiser(client)
    event = (await rally(organisation)).event
    await _planned(client, user, event)
    await post_form(client, f"/events/{event.id}/planning/publish", {})
    emails = await OutboxMessage.select().where(OutboxMessage.channel == "email")
    assert emails
    visits = await Visit.select(Visit.site.name.as_alias("name")).where(Visit.team.event == event.id)
    for email in emails:
        assert email["attachment_method"] == "REQUEST"
        assert "BEGIN:VCALENDAR" in email["attachment"] and "METHOD:REQUEST" in email["attachment"]
        assert any(v["name"] in email["attachment"] for v in visits)


async def test_a_youth_moved_after_publication_sees_the_published_team_until_the_organiser_republishes(client):
    organisation, user = await organiser(client)
    r = await rally(organisation)
    event, youth = r.event, r.registrations[0]
    await _planned(client, user, event)
    await post_form(client, f"/events/{event.id}/planning/publish", {})
    mine = (
        await TeamMember.select(TeamMember.team.number.as_alias("number"))
        .where(TeamMember.registration == youth)
        .first()
    )
    other = await Team.select().where((Team.event == event.id) & (Team.number != mine["number"])).first()
    told_before = max(m["id"] for m in await OutboxMessage.select(OutboxMessage.id))

    await post_form(client, f"/events/{event.id}/planning/members/{youth}/move", {"team_id": other["id"]})
    personal = text(await client.get(f"/r/manage-{event.id}-0"))
    assert f"Votre équipe : équipe {mine['number']}" in personal  # the draft does not reach the youth
    assert not await OutboxMessage.exists().where(OutboxMessage.id > told_before)
    page = text(await client.get(f"/events/{event.id}/planning"))
    assert "1 jeune voit encore la version publiée" in page

    republished = await post_form(client, f"/events/{event.id}/planning/publish", {})
    assert republished.status_code in (302, 303)
    personal = text(await client.get(f"/r/manage-{event.id}-0"))
    assert f"Votre équipe : équipe {other['number']}" in personal
    # Only the moved youth is told again: the others' team, companion and visits did not change.
    new = await OutboxMessage.select().where(OutboxMessage.id > told_before)
    keys = [m["idempotency_key"] for m in new]
    assert new and {k.split(":")[1] for k in keys} == {str(youth)}, keys
    assert all(f"équipe {other['number']}" in m["body_text"] for m in new if m["channel"] == "sms")


async def test_a_plan_that_breaks_a_rule_cannot_be_published(client):
    organisation, user = await organiser(client)
    r = await rally(organisation)
    event, registrations = r.event, r.registrations
    await _planned(client, user, event)
    member = await TeamMember.select().where(TeamMember.registration == registrations[0]).first()
    others = await Team.select().where((Team.event == event.id) & (Team.id != member["team"]))
    for other in others:  # a team of five is too big
        await post_form(
            client, f"/events/{event.id}/planning/members/{registrations[0]}/move", {"team_id": other["id"]}
        )
        mate = (
            await TeamMember.select()
            .where((TeamMember.team == member["team"]) & (TeamMember.registration != registrations[0]))
            .first()
        )
        if mate:
            await post_form(
                client, f"/events/{event.id}/planning/members/{mate['registration']}/move", {"team_id": other["id"]}
            )
        break
    refused = await post_form(client, f"/events/{event.id}/planning/publish", {})
    assert refused.status_code == 409 and "corrigez-les avant de publier" in text(refused)
    assert await OutboxMessage.count() == 0


async def test_missing_companions_and_sites_are_explained_not_crashed(client):
    organisation, user = await organiser(client)
    event = (await rally(organisation, companions=1)).event
    run_id = await runs.start_run(user, event.id, seconds=1, spawn=False)
    assert await runner.execute_run(run_id) == "failed"
    run = await runs.latest_run(event.id)
    assert "H03" in run["message"] and "accompagnat" in run["message"].lower()
    page = text(await client.get(f"/events/{event.id}/planning"))
    assert "H03" in page


async def test_plan_exports_and_imports_in_the_exchange_format(client):
    organisation, user = await organiser(client)
    event = (await rally(organisation)).event
    await _planned(client, user, event)
    instance = (await client.get(f"/events/{event.id}/planning/instance.json")).json()
    assert instance["schema_version"] == 1 and len(instance["youths"]) == 9 and len(instance["sites"]) == 4
    plan = (await client.get(f"/events/{event.id}/planning/plan.json")).json()
    plan["extra"] = "ignored"

    await Team.delete().where(Team.event == event.id)
    await TeamMember.delete(force=True)
    files = {"file": ("plan.json", json.dumps(plan).encode(), "application/json")}
    imported = await client.post(
        f"/events/{event.id}/planning/import", files=files, headers={"x-csrftoken": client.cookies.get("tremplin_csrf")}
    )
    assert imported.status_code in (302, 303), imported.text
    assert await Team.count().where(Team.event == event.id) == 3

    broken = {"teams": [{"id": "T001", "members": ["R999999"], "companion": None, "visits": []}]}
    files = {"file": ("plan.json", json.dumps(broken).encode(), "application/json")}
    refused = await client.post(
        f"/events/{event.id}/planning/import", files=files, headers={"x-csrftoken": client.cookies.get("tremplin_csrf")}
    )
    assert refused.status_code == 400 and "H01" in text(refused)
    assert await Team.count().where(Team.event == event.id) == 3  # nothing lost


async def test_an_adviser_sees_the_plan_but_cannot_change_it(client):
    organisation, user = await organiser(client)
    event = (await rally(organisation)).event
    await _planned(client, user, event)
    await make_user("conseillere@ml.test", organisation, Role.adviser)
    await login(client, "conseillere@ml.test")
    page = text(await client.get(f"/events/{event.id}/planning"))
    assert "Équipe 1" in page and "/planning/run" not in page and "/move" not in page
    team = await Team.select().where(Team.event == event.id).first()
    refused = await post_form(client, f"/events/{event.id}/planning/teams/{team['id']}/lock", {"locked": "1"})
    assert refused.status_code == 403


async def test_instance_of_an_event_uses_opening_hours_and_companion_days(client):
    organisation, _user = await organiser(client)
    event = (await rally(organisation)).event
    row = await store.event_row(event.id)
    document = await store.instance_document(row)
    assert document["params"]["n_slots"] == 17 and document["params"]["day_start"] == "08:30"
    assert document["sites"][0]["open"]["0"] == [[0, 7], [10, 17]]  # the lunch break of the sessions
    assert PlanningRun  # the run table is what the console polls


async def test_organisers_own_travel_time_replaces_the_estimate(client):
    organisation, _user = await organiser(client)
    event = (await rally(organisation)).event
    sites = await store.host_sites(event.id)
    origin, destination = sites[0]["id"], sites[1]["id"]
    saved = await post_form(
        client,
        f"/events/{event.id}/planning/travel",
        {"origin": origin, "destination": destination, "car_minutes": "42", "transit_minutes": ""},
    )
    assert saved.status_code in (302, 303)
    instance = (await client.get(f"/events/{event.id}/planning/instance.json")).json()
    nodes = instance["travel"]["nodes"]
    assert instance["travel"]["car"][nodes.index(f"S{origin}")][nodes.index(f"S{destination}")] == 42
    refused = await post_form(
        client,
        f"/events/{event.id}/planning/travel",
        {"origin": origin, "destination": destination, "car_minutes": "x"},
    )
    assert refused.status_code == 400 and "nombre de minutes" in text(refused)
