"""Outcomes through the JSON API with an organisation's tokens: read with a read token, write with a write one."""

from datetime import timedelta

from accounts import tokens
from accounts.tables import ApiTokenScope, Role
from core.clock import utcnow
from outcomes import followups
from tests.factories.accounts import make_organisation, make_user, principal
from tests.factories.outcomes import came, past_event


async def test_an_organisations_tools_read_an_events_outcomes_and_write_a_situation(client):
    past = await past_event()
    await came(past)
    admin = await principal(await make_user("direction@etti.test", past.organisation, Role.admin))
    reader = await tokens.create_token(admin, past.organisation.id, "Tableau de bord", ApiTokenScope.read)
    writer = await tokens.create_token(admin, past.organisation.id, "Synchro i-milo", ApiTokenScope.write)
    as_reader, as_writer = {"authorization": f"Bearer {reader}"}, {"authorization": f"Bearer {writer}"}
    since = (utcnow().date() - timedelta(days=2)).isoformat()
    situation = {"kind": "cdi", "since": since, "source": "employer", "employer": "Valrhona"}

    refused = await client.post(f"/api/youths/{past.youth.id}/situations", json=situation, headers=as_reader)
    assert refused.status_code == 403
    created = await client.post(f"/api/youths/{past.youth.id}/situations", json=situation, headers=as_writer)
    assert created.status_code == 201, created.text
    future = {**situation, "since": (utcnow().date() + timedelta(days=5)).isoformat()}
    wrong = await client.post(f"/api/youths/{past.youth.id}/situations", json=future, headers=as_writer)
    assert wrong.status_code == 400 and wrong.json()["code"] == "date_in_future"

    event = (await client.get(f"/api/events/{past.event.id}/outcomes", headers=as_reader)).json()
    assert event == [
        {
            "registration_id": past.registration.id,
            "participant_id": past.youth.id,
            "first_name": "Inès",
            "last_name": "Benali",
            "status": "confirmed",
            "attendance": "present",
            "minutes_attended": 180,
            "results": [],
            "latest_situation": "CDI (Emploi durable)",
        }
    ]
    youth = (await client.get(f"/api/youths/{past.youth.id}/outcomes", headers=as_reader)).json()
    assert [(s["kind"], s["category"], s["source"]) for s in youth["situations"]] == [
        ("cdi", "durable_job", "employer")
    ]
    await followups.schedule()
    listed = (await client.get("/api/follow-ups?state=done", headers=as_reader)).json()
    assert listed == []  # the situation was not recorded for a follow-up
    assert "/api/events/{event_id}/outcomes" in (await client.get("/schema/openapi.json")).text


async def test_another_organisations_token_sees_none_of_it(client):
    past = await past_event()
    elsewhere = await make_organisation("ML Ardèche")
    admin = await principal(await make_user("admin@ardeche.test", elsewhere, Role.admin))
    token = await tokens.create_token(admin, elsewhere.id, "Outil", ApiTokenScope.write)
    headers = {"authorization": f"Bearer {token}"}
    assert (await client.get(f"/api/events/{past.event.id}/outcomes", headers=headers)).status_code == 404
    assert (await client.get(f"/api/youths/{past.youth.id}/outcomes", headers=headers)).status_code == 404
    assert (await client.get("/api/follow-ups?state=due", headers=headers)).json() == []
