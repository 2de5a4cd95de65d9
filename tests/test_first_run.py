"""A new organisation is guided from its first login to its first published event."""

from __future__ import annotations

import html

from accounts.tables import Organisation, Role
from events.tables import Event, EventStatus
from tests.factories.accounts import organiser
from tests.factories.events import make_site
from tests.factories.registration import published_event
from tests.support import post_form


def text(response) -> str:
    return html.unescape(response.text)


async def test_a_new_organisation_sees_its_first_steps_tick_themselves_and_can_put_them_away(client):
    organisation, user = await organiser(client, role=Role.admin)
    home = text(await client.get("/"))
    assert "Vos premiers pas" in home and "0 étape sur 6 faite." in home
    assert 'href="/sites/new"' in home

    await make_site(organisation, "Mission Locale", address="1 rue", city="Valence")
    await Organisation.update({Organisation.address: "1 rue Haute", Organisation.phone: "0475000000"}).where(
        Organisation.id == organisation.id
    )
    event = await published_event(organisation=organisation)
    home = text(await client.get("/"))
    assert "4 étapes sur 6 faites." in home  # details, place, event, published
    assert 'href="/sites/new"' not in home

    await post_form(client, "/first-steps/put-away", {})
    assert "Vos premiers pas" not in text(await client.get("/"))
    assert await Event.count().where(Event.status == EventStatus.published) == 1 and event.id


async def test_staff_and_viewers_do_not_get_the_organisers_checklist(client):
    await organiser(client, role=Role.staff)
    assert "Vos premiers pas" not in text(await client.get("/"))
