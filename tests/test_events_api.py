"""Other tools drive events through the API: with the console session or an API token."""

from datetime import date, timedelta

import httpx
import pytest

from accounts import tokens
from accounts.tables import ApiTokenScope, OrganisationKind, Partnership, Role
from core.errors import Forbidden
from events.tables import Event, EventPartner, Format
from tests.factories.accounts import make_organisation, make_user, organiser
from tests.support import api, login, post_form

NEXT_MONTH = (date.today() + timedelta(days=30)).isoformat()


@pytest.mark.parametrize("format", [f.value for f in Format])
async def test_each_format_is_created_through_the_api_with_its_programme(client, format):
    await organiser(client)
    response = await api(
        client, "POST", "/api/events", {"title": "Depuis l'API", "format": format, "starts_on": NEXT_MONTH}
    )
    assert response.status_code == 201, response.text
    event = response.json()
    assert event["format"] == format and event["status"] == "draft"
    assert len(event["sessions"]) >= 1
    assert (
        event["capacity"]
        == {"rallye": 21, "info_collective": 10, "permanence": None, "job_dating": 30, "pied_des_murs": None}[format]
    )


async def test_a_rally_goes_from_draft_to_published_through_the_api(client):
    await organiser(client)
    event = (
        await api(
            client,
            "POST",
            "/api/events",
            {
                "title": "Rallye",
                "format": "rallye",
                "starts_on": NEXT_MONTH,
                "meeting_point": "Mission Locale, Valence",
            },
        )
    ).json()
    assert len(event["sessions"]) == 6
    published = await api(client, "POST", f"/api/events/{event['id']}/status", {"status": "published"})
    assert published.json()["status"] == "published"
    refused = await api(client, "POST", f"/api/events/{event['id']}/status", {"status": "published"})
    assert refused.status_code == 200  # already published: nothing to do
    done = await api(client, "POST", f"/api/events/{event['id']}/status", {"status": "done"})
    back = await api(client, "POST", f"/api/events/{event['id']}/status", {"status": "draft"})
    assert done.status_code == 200 and back.status_code == 409
    assert back.json()["code"] == "status_change_refused"


async def test_bad_input_gets_a_structured_error_and_changes_nothing(client):
    await organiser(client)
    event = (
        await api(
            client, "POST", "/api/events", {"title": "Info", "format": "info_collective", "starts_on": NEXT_MONTH}
        )
    ).json()
    session = event["sessions"][0]
    bad = await api(
        client,
        "PUT",
        f"/api/sessions/{session['id']}",
        {"title": "Info", "kind": "info", "starts_at": f"{NEXT_MONTH}T11:00:00", "ends_at": f"{NEXT_MONTH}T10:00:00"},
    )
    assert bad.status_code == 400
    assert bad.json() == {
        "code": "session_ends_before_start",
        "detail": "La séance doit finir après son début.",
        "extra": {"field": "ends_at"},
    }
    again = (await api(client, "GET", f"/api/events/{event['id']}")).json()
    assert again["sessions"][0]["starts_at"] == session["starts_at"]

    missing = await api(client, "POST", "/api/events", {"format": "rallye"})
    assert missing.status_code == 400 and missing.json()["code"] == "invalid"

    sites = await api(client, "POST", "/api/sites", {"name": "Quai", "latitude": 44.9, "longitude": 190})
    assert sites.status_code == 400 and sites.json()["code"] == "invalid_coordinates"


async def test_partner_roles_are_visible_to_the_partner_and_to_no_one_else(client, app):
    collectif, sophie = await organiser(client)
    ml = await make_organisation("Mission Locale Partenaire")
    await Partnership(owner=collectif.id, partner=ml.id).save()
    event = (
        await api(
            client,
            "POST",
            "/api/events",
            {
                "title": "Rallye",
                "format": "rallye",
                "starts_on": NEXT_MONTH,
                "meeting_point": "Mission Locale, Valence",
            },
        )
    ).json()
    attached = await api(
        client, "PUT", f"/api/events/{event['id']}/partners", {"organisation_id": ml.id, "role": "prescriber"}
    )
    assert attached.status_code == 200
    assert {"organisation_id": ml.id, "name": "Mission Locale Partenaire", "role": "prescriber"} in attached.json()[
        "partners"
    ]

    await make_user("adviser@ml.test", ml, Role.adviser)
    outsider_org = await make_organisation("Autre ML")
    await make_user("autre@ml.test", outsider_org, Role.admin)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as adviser:
        await login(adviser, "adviser@ml.test")
        seen = (await adviser.get(f"/api/events/{event['id']}")).json()
        assert seen["partners"][0]["role"] == "prescriber"
        # A partner sees the event but cannot change it.
        refused = await api(adviser, "PATCH", f"/api/events/{event['id']}", {"title": "Pris"})
        assert refused.status_code == 403
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as outsider:
        await login(outsider, "autre@ml.test")
        assert (await outsider.get(f"/api/events/{event['id']}")).status_code == 404
    assert (await Event.objects().get(Event.id == event["id"])).title == "Rallye"


async def test_a_partner_must_be_in_the_directory_first(client):
    await organiser(client)
    stranger = await make_organisation("Inconnue", OrganisationKind.entreprise)
    event = (
        await api(
            client,
            "POST",
            "/api/events",
            {
                "title": "Rallye",
                "format": "rallye",
                "starts_on": NEXT_MONTH,
                "meeting_point": "Mission Locale, Valence",
            },
        )
    ).json()
    response = await api(
        client, "PUT", f"/api/events/{event['id']}/partners", {"organisation_id": stranger.id, "role": "host_company"}
    )
    assert response.status_code == 400 and response.json()["code"] == "unknown_partner"
    assert await EventPartner.count() == 0


async def test_an_organisations_format_defaults_shape_its_next_events(client):
    collectif, _ = await organiser(client)
    saved = await api(
        client, "PUT", f"/api/organisations/{collectif.id}/formats/rallye", {"capacity": 28, "team_size": 4, "days": 5}
    )
    assert saved.json()["team_size"] == 4
    event = (
        await api(client, "POST", "/api/events", {"title": "Rallye long", "format": "rallye", "starts_on": NEXT_MONTH})
    ).json()
    assert event["capacity"] == 28 and event["options"]["team_size"] == 4
    assert (date.fromisoformat(event["ends_on"]) - date.fromisoformat(event["starts_on"])).days == 4


async def test_a_read_token_reads_a_write_token_writes_and_a_revoked_token_opens_nothing(client, app):
    collectif, sophie = await organiser(client, role=Role.admin)
    await api(client, "POST", "/api/events", {"title": "Info", "format": "info_collective", "starts_on": NEXT_MONTH})
    reader = await tokens.create_token(sophie, collectif.id, "Tableau de bord", ApiTokenScope.read)
    writer = await tokens.create_token(sophie, collectif.id, "Synchro", ApiTokenScope.write)

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as script:

        def auth(token):
            return {"authorization": f"Bearer {token}"}

        listed = await script.get("/api/events", headers=auth(reader))
        assert [e["title"] for e in listed.json()] == ["Info"]
        denied = await script.post(
            "/api/events", headers=auth(reader), json={"title": "Non", "format": "rallye", "starts_on": NEXT_MONTH}
        )
        assert denied.status_code == 403
        # No CSRF token is needed: no cookie is involved.
        created = await script.post(
            "/api/events", headers=auth(writer), json={"title": "Oui", "format": "rallye", "starts_on": NEXT_MONTH}
        )
        assert created.status_code == 201
        assert (await script.get("/events/", headers=auth(writer))).status_code in (302, 401)
        assert (await script.get("/api/events", headers=auth("trp_not-a-token"))).status_code == 401

        token_id = (await tokens.tokens(sophie, collectif.id))[0]["id"]
        await tokens.revoke_token(sophie, token_id)
        revoked = [t for t in await tokens.tokens(sophie, collectif.id) if t["revoked_at"]]
        bad = writer if revoked[0]["name"] == "Synchro" else reader
        assert (await script.get("/api/events", headers=auth(bad))).status_code == 401


async def test_the_console_shows_a_new_token_once_and_can_revoke_it(client):
    collectif, _ = await organiser(client, role=Role.admin)
    page = await post_form(client, f"/organisations/{collectif.id}/tokens", {"name": "Script", "scope": "write"})
    assert page.status_code == 200 and "trp_" in page.text
    again = await client.get(f"/organisations/{collectif.id}")
    assert "Script" in again.text and again.text.count("trp_") == 1  # only the prefix, not the token


async def test_only_an_admin_creates_tokens(client):
    collectif, user = await organiser(client, role=Role.organiser)
    with pytest.raises(Forbidden):
        await tokens.create_token(user, collectif.id, "x", ApiTokenScope.read)


async def test_the_api_schema_documents_events_sites_series_and_partners(client):
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    for path in [
        "/api/events",
        "/api/events/{event_id}/sessions",
        "/api/sites",
        "/api/series",
        "/api/organisations/{organisation_id}/partners",
        "/api/sessions/{session_id}",
    ]:
        assert path in paths, path
