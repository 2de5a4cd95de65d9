"""Reaching youths before the next event: the organisation's public page and its poster; inviting those who came
to a similar event, with their consent, once each; and the registrations the invitations brought."""

import html
from datetime import UTC, datetime, timedelta

import pytest

from accounts import tokens
from accounts.tables import ApiTokenScope, Role
from core.clock import utcnow
from core.settings import get_settings
from events.tables import EventStatus, Format
from messaging.tables import OutboxMessage
from outreach import pages, services
from outreach.errors import CannotBeTexted, EventNotOpen, NeverCame, NoConsent
from outreach.tables import EventInvitation
from registration.tables import RegistrationStatus
from tests.factories.accounts import make_organisation, make_user, principal
from tests.factories.events import adviser_of_partner, make_event, make_session
from tests.factories.outreach import info_sessions, past_participant, past_rally
from tests.factories.registration import make_registration, make_youth, published_event, register_online
from tests.support import login, post_form
from tests.test_checkin import pdf_text
from tests.test_tickets import decode_pdf


def text(response) -> str:
    return html.unescape(response.text)


async def texts() -> list[dict]:
    return await OutboxMessage.select(
        OutboxMessage.recipient, OutboxMessage.body_text, OutboxMessage.category, OutboxMessage.next_attempt_at
    ).order_by(OutboxMessage.id)


# ----------------------------------------------------------------------------- the public page and the poster


async def test_the_public_page_lists_only_the_organisations_coming_published_dates_soonest_first(client):
    world = await info_sessions()
    friday = utcnow().date() + timedelta(days=8)
    soon = await make_event(
        world.organisation, title="Permanence du vendredi", status=EventStatus.published, starts_on=friday, capacity=1
    )
    start = datetime.combine(friday, datetime.min.time(), UTC).replace(hour=8)
    await make_session(soon, start, start + timedelta(hours=3))
    await make_registration(soon, await make_youth(world.organisation, "Léa", phone="+33600000009"))
    for title, status in (("Brouillon secret", EventStatus.draft), ("Annulée", EventStatus.cancelled)):
        await make_event(world.organisation, title=title, status=status)
    other = await make_organisation("Mission Locale Voisine")
    await published_event(None, organisation=other, title="Leur info-coll")
    code = await pages.code_of(world.organiser, world.organisation.id)

    page = text(await client.get(f"/o/{code}"))  # nobody logged in
    assert "ETTI Drôme Emploi" in page
    assert page.index("Permanence du vendredi") < page.index("Info-coll de décembre")
    assert f"/e/{soon.public_token}" in page and f"/e/{world.coming.public_token}" in page
    assert "Complet" in page  # the Friday slot has its one place taken
    for hidden in ("Brouillon secret", "Annulée", "Info-coll d'octobre", "Leur info-coll"):
        assert hidden not in page
    assert await pages.code_of(world.organiser, world.organisation.id) == code  # a stable address
    assert (await client.get("/o/inconnu00")).status_code == 404


async def test_the_waiting_room_poster_carries_the_page_address_as_a_qr_code_and_in_words(client):
    world = await info_sessions()
    await login(client, "sophie@etti.test")
    share = text(await client.get(f"/organisations/{world.organisation.id}/public-page/"))
    code = await pages.code_of(world.organiser, world.organisation.id)
    assert pages.page_url(code) in share

    poster = await client.get(f"/organisations/{world.organisation.id}/public-page/poster.pdf")
    assert poster.status_code == 200 and poster.content.startswith(b"%PDF")
    words = " ".join(pdf_text(poster.content).split())
    assert pages.page_url(code).split("://")[1] in words and "Info-coll de décembre" in words
    assert decode_pdf(poster.content) == [[pages.page_url(code)]]


# ----------------------------------------------------------------------------- who is invited


async def _everyone(world):
    """The past session's youths, one of each kind, and a youth who came to a rally only."""
    youths = {
        "ines": await past_participant(world, "Inès", "+33612340001"),
        "no_show": await past_participant(world, "Yanis", "+33612340002", came=False),
        "no_consent": await past_participant(world, "Léa", "+33612340003", consent=False),
        "withdrawn": await past_participant(world, "Omar", "+33612340004", withdrawn=True),
        "stop": await past_participant(world, "Karim", "+33612340005", said_stop=True),
        "email_only": await past_participant(world, "Zoé", "+33612340008", channel="email", email="zoe@exemple.fr"),
        "registered": await past_participant(world, "Sami", "+33612340006"),
        "rally": await past_participant(world, "Nadia", "+33612340007", event=await past_rally(world)),
    }
    await make_registration(world.coming, youths["registered"], status=RegistrationStatus.waiting)
    return youths


async def test_the_invitation_reaches_only_consenting_past_participants_of_a_similar_event():
    world = await info_sessions()
    youths = await _everyone(world)

    preview = await services.preview(world.organiser, world.coming.id)
    assert [y["first_name"] for y in preview.audience.to_invite] == ["Inès"]
    left_out = {reason: [y["first_name"] for y in found] for reason, found in preview.audience.excluded.items()}
    assert left_out == {
        "no_consent": ["Léa", "Omar"],
        "never_came": ["Yanis"],
        "registered": ["Sami"],
        "cannot_text": ["Karim", "Zoé"],
    }
    assert "Nadia" not in str(preview.audience)  # she came to a rally, not to an information session
    link = f"{get_settings().base_url}/e/{world.coming.public_token}"
    assert preview.sample.startswith("Bonjour Inès, ETTI Drome Emploi vous invite à Info-coll de décembre le ")
    assert link in preview.sample and "STOP" in preview.sample

    assert await services.invite(world.organiser, world.coming.id) == 1
    sent = await texts()
    assert [(m["recipient"], m["category"]) for m in sent] == [("+33612340001", "other")]  # no no-show, no STOP
    assert sent[0]["body_text"] == preview.sample
    invitation = await EventInvitation.select().first()
    assert (invitation["participant"], invitation["sent_by"]) == (youths["ines"].id, world.organiser.id)


async def test_sending_twice_texts_nobody_twice():
    world = await info_sessions()
    await past_participant(world, "Inès", "+33612340001")
    assert await services.invite(world.organiser, world.coming.id) == 1
    await past_participant(world, "Yanis", "+33612340002")  # came too, recorded since

    assert await services.invite(world.organiser, world.coming.id) == 1  # only the new one
    assert await services.invite(world.organiser, world.coming.id) == 0
    assert sorted(m["recipient"] for m in await texts()) == ["+33612340001", "+33612340002"]
    assert await EventInvitation.count() == 2


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ({"consent": False}, NoConsent),
        ({"withdrawn": True}, NoConsent),
        ({"came": False}, NeverCame),
        ({"said_stop": True}, CannotBeTexted),
    ],
)
async def test_a_youth_who_may_not_be_invited_is_refused_by_name_and_nothing_is_sent(kind, error):
    world = await info_sessions()
    ines = await past_participant(world, "Inès", "+33612340001")
    refused = await past_participant(world, "Léa", "+33612340003", **kind)

    with pytest.raises(error) as raised:
        await services.invite(world.organiser, world.coming.id, [ines.id, refused.id])
    assert "Léa Benali" in raised.value.text()
    assert await OutboxMessage.count() == 0 and await EventInvitation.count() == 0


async def test_texts_sent_in_the_evening_wait_for_the_end_of_the_quiet_hours():
    world = await info_sessions()
    await past_participant(world, "Inès", "+33612340001")
    evening = datetime.combine(utcnow().date(), datetime.min.time(), UTC).replace(hour=21)  # 22:00 or 23:00 Paris
    await services.invite(world.organiser, world.coming.id, now=evening)
    assert (await texts())[0]["next_attempt_at"] > evening + timedelta(hours=8)


async def test_only_a_published_event_to_come_sends_invitations():
    world = await info_sessions()
    await past_participant(world, "Inès", "+33612340001")
    draft = await make_event(world.organisation, title="Info-coll de janvier", format=Format.info_collective)
    with pytest.raises(EventNotOpen):
        await services.invite(world.organiser, draft.id)
    assert await OutboxMessage.count() == 0


# ----------------------------------------------------------------------------- the console and the API


async def test_the_organiser_previews_then_sends_and_sees_the_registration_it_brought(client):
    world = await info_sessions()
    await _everyone(world)
    await login(client, "sophie@etti.test")
    assert "/invite" in (await client.get(f"/events/{world.coming.id}")).text

    preview = text(await client.get(f"/events/{world.coming.id}/invite"))
    assert "Inès Benali" in preview and "Yanis Benali" in preview  # Yanis among those left out
    assert "Envoyer l'invitation à 1 jeune par SMS" in preview
    ines = (await services.preview(world.organiser, world.coming.id)).audience.to_invite[0]
    sent = await post_form(client, f"/events/{world.coming.id}/invite", {"youth": str(ines["id"])})
    assert sent.status_code in (302, 303)
    assert [m["recipient"] for m in await texts()] == ["+33612340001"]

    await register_online(client, world.coming, n=1, phone="06 12 34 00 01")  # Inès signs up from the text
    after = text(await client.get(f"/events/{world.coming.id}/invite"))
    assert "1 inscription obtenue" in after


async def test_refused_in_the_console_the_page_says_why_and_nothing_is_sent(client):
    world = await info_sessions()
    lea = await past_participant(world, "Léa", "+33612340003", consent=False)
    await login(client, "sophie@etti.test")
    refused = await post_form(client, f"/events/{world.coming.id}/invite", {"youth": str(lea.id)})
    assert refused.status_code == 400
    assert "Léa Benali n'a pas accepté" in text(refused)
    assert await OutboxMessage.count() == 0


async def test_the_api_reads_the_invitations_and_what_they_brought_and_refuses_a_youth_without_consent(client):
    world = await info_sessions()
    ines = await past_participant(world, "Inès", "+33612340001")
    lea = await past_participant(world, "Léa", "+33612340003", consent=False)
    admin = await principal(await make_user("direction@etti.test", world.organisation, Role.admin))
    reader = {
        "authorization": f"Bearer {await tokens.create_token(admin, world.organisation.id, 'BI', ApiTokenScope.read)}"
    }
    writer = {
        "authorization": f"Bearer {await tokens.create_token(admin, world.organisation.id, 'CRM', ApiTokenScope.write)}"
    }
    url = f"/api/events/{world.coming.id}/invitations"

    assert (await client.post(url, json={}, headers=reader)).status_code == 403
    refused = await client.post(url, json={"participant_ids": [ines.id, lea.id]}, headers=writer)
    assert refused.status_code == 400 and refused.json()["code"] == "no_consent"
    assert await OutboxMessage.count() == 0
    sent = await client.post(url, json={"participant_ids": [ines.id]}, headers=writer)
    assert sent.status_code == 201 and sent.json() == {"texted": 1}

    await register_online(client, world.coming, n=1, phone="06 12 34 00 01")
    read = (await client.get(url, headers=reader)).json()
    assert (read["sent"], read["brought"]) == (1, 1)
    assert read["invitations"][0]["participant_id"] == ines.id
    assert read["invitations"][0]["registration_status"] == "confirmed"
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    assert set(paths["/api/events/{event_id}/invitations"]) == {"get", "post"}
    assert not any(path.startswith(("/o/", "/organisations/{organisation_id}/public-page")) for path in paths)


async def test_another_organisations_organiser_can_neither_see_nor_send(client):
    world = await info_sessions()
    await past_participant(world, "Inès", "+33612340001")
    await info_sessions("kevin@ml.test", "Mission Locale de Kévin")
    await login(client, "kevin@ml.test")
    assert (await client.get(f"/events/{world.coming.id}/invite")).status_code == 404
    assert (await post_form(client, f"/events/{world.coming.id}/invite", {})).status_code == 404
    assert (await client.get(f"/organisations/{world.organisation.id}/public-page/")).status_code == 404
    assert (await client.get(f"/api/events/{world.coming.id}/invitations")).status_code == 404
    assert await OutboxMessage.count() == 0


async def test_the_demo_shows_a_public_page_and_invitations_that_brought_a_registration(client):
    from app.demo import load_demo
    from outreach.tables import PublicPage

    await load_demo(compose_rally=False)
    assert await PublicPage.count() == 2  # the collective's and the ETTI's
    invited = await EventInvitation.select(EventInvitation.event)
    assert len(invited) >= 2 and len({row["event"] for row in invited}) == 1
    rows = await services.sent_invitations(invited[0]["event"])
    assert sum(1 for row in rows if row["registered_at"]) == 1
    code = (await PublicPage.select(PublicPage.code).first())["code"]
    assert (await client.get(f"/o/{code}")).status_code == 200


async def test_a_partner_adviser_sees_the_event_but_neither_the_invitations_nor_the_youths_invited(client):
    world = await info_sessions()
    await past_participant(world, "Inès", "+33612340001")
    await services.invite(world.organiser, world.coming.id)
    await adviser_of_partner(world.coming, "adviser@ml.test", "Mission Locale partenaire")
    await login(client, "adviser@ml.test")
    assert (await client.get(f"/events/{world.coming.id}")).status_code == 200
    assert (await client.get(f"/events/{world.coming.id}/invite")).status_code == 403
    answer = await client.get(f"/api/events/{world.coming.id}/invitations")
    assert answer.status_code == 403 and "Inès" not in answer.text


def test_a_series_dates_show_together_where_its_first_date_falls():
    dates = [
        {"id": 1, "title": "Permanence", "series": 7},
        {"id": 2, "title": "Job dating", "series": None},
        {"id": 3, "title": "Permanence", "series": 7},
    ]
    entries = pages.by_series(dates)
    assert [(e["title"], [d["id"] for d in e["dates"]]) for e in entries] == [
        ("Permanence", [1, 3]),
        ("Job dating", [2]),
    ]


async def test_when_two_records_of_a_youth_are_merged_the_invitation_follows_the_kept_one():
    from registration import merge

    world = await info_sessions()
    invited = await past_participant(world, "Inès", "+33612340001")
    kept = await make_youth(world.organisation, "Inès", "Benali", phone="+33612340009")
    await services.invite(world.organiser, world.coming.id)

    await merge.merge(world.organiser, kept.id, invited.id)
    rows = await EventInvitation.select(EventInvitation.participant, EventInvitation.key)
    assert rows == [{"participant": kept.id, "key": f"{world.coming.id}:{kept.id}"}]
