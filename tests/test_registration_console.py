"""Advisers refer youths and follow them; organisers manage places; staff register walk-ins."""

import html
from datetime import timedelta

import httpx

from accounts.tables import Partnership, Role
from checkin.tables import CheckIn
from core.clock import utcnow
from events.tables import Event, Session
from registration.tables import Question, ReferralLink, Registration
from tests.factories.accounts import organiser
from tests.factories.events import adviser_of_partner
from tests.factories.registration import published_event, youth
from tests.support import login, post_form


def text(response) -> str:
    return html.unescape(response.text)


async def test_an_advisers_link_records_who_referred_the_youth_and_they_follow_them(client, app):
    organisation, _ = await organiser(client)
    event = await published_event(organisation=organisation)
    ml = await adviser_of_partner(event)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as adviser:
        await login(adviser, "karima@ml.test")
        page = text(await adviser.get(f"/events/{event.id}/registrations"))
        assert "Créer mon lien d'inscription" in page and await ReferralLink.count() == 0
        await post_form(adviser, f"/events/{event.id}/referral-link", {})
        page = text(await adviser.get(f"/events/{event.id}/registrations"))
        code = (await ReferralLink.objects().where(ReferralLink.user.is_not_null()).first()).code
        assert f"/e/{event.public_token}?ref={code}" in page

        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as phone:
            await phone.get(f"/e/{event.public_token}?ref={code}")
            await post_form(phone, f"/e/{event.public_token}", {**youth(1), "ref": code})
            await post_form(phone, f"/e/{event.public_token}", youth(2))  # came on their own

        registration = await Registration.objects().where(Registration.referred_by.is_not_null()).first()
        assert registration.referring_organisation == ml.id
        mine = text(await adviser.get("/youths"))
        assert "Inès1 Benali" in mine and "Inès2" not in mine and "Inscrit" in mine
        # The adviser sees only their youths on the event's list; the organiser sees both.
        assert "Inès2" not in text(await adviser.get(f"/events/{event.id}/registrations"))
    organiser_view = text(await client.get(f"/events/{event.id}/registrations"))
    assert "Inès1" in organiser_view and "Inès2" in organiser_view


async def test_an_adviser_registers_a_youth_from_the_console(client, app):
    organisation, _ = await organiser(client)
    event = await published_event(organisation=organisation)
    await adviser_of_partner(event)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as adviser:
        await login(adviser, "karima@ml.test")
        response = await post_form(adviser, f"/events/{event.id}/register", youth(7))
        assert response.status_code == 302
        again = await post_form(adviser, f"/events/{event.id}/register", youth(7))
        assert again.status_code == 409 and 'id="error-phone"' in again.text
    registration = await Registration.objects().first()
    assert registration.source == "adviser" and registration.referred_by is not None


async def test_a_csv_import_reports_every_rejected_row(client):
    organisation, _ = await organiser(client)
    event = await published_event(capacity=2, organisation=organisation)
    csv = (
        "prenom;nom;telephone;date_naissance;code_postal\n"
        "Inès;Benali;06 12 34 56 01;12/04/2005;26000\n"
        "Yanis;Roux;0612345602;2004-01-31;26100\n"
        "Lina;Faure;12345;;26000\n"
        "Rayan;Diallo;0612345604;31/02/2005;26000\n"
        "Inès;Benali;0612345601;12/04/2005;26000\n"
        "Chloé;Martin;0612345605;;26200\n"
    )
    await client.get(f"/events/{event.id}/import")
    response = await client.post(
        f"/events/{event.id}/import",
        files={"file": ("liste.csv", csv.encode(), "text/csv")},
        data={"_csrf_token": client.cookies.get("tremplin_csrf")},
    )
    page = text(response)
    assert "2 inscrit·es, 1 en liste d'attente, 3 non inscrit·es." in page
    assert "Lina Faure" in page and "numéro de portable" in page
    assert "Rayan Diallo" in page and "n'est pas une date" in page
    assert "Déjà inscrit·e à cet événement." in page
    assert await Registration.count() == 3


async def test_in_approval_mode_the_organiser_confirms_and_moves_people(client):
    organisation, _ = await organiser(client)
    event = await published_event(capacity=1, organisation=organisation, options={"approval": True})
    async with httpx.AsyncClient(transport=client._transport, base_url="http://testserver") as phone:
        await phone.get(f"/e/{event.public_token}")
        for n in (1, 2):
            await post_form(phone, f"/e/{event.public_token}", youth(n))
    first, second = await Registration.objects().order_by(Registration.id)
    assert first.status == second.status == "pending"

    await post_form(client, f"/registrations/{first.id}/decide", {"status": "confirmed"})
    refused = await post_form(client, f"/registrations/{second.id}/decide", {"status": "confirmed"})
    assert refused.status_code == 302
    assert "Toutes les places sont prises" in text(await client.get(f"/events/{event.id}/registrations"))
    await post_form(client, f"/registrations/{second.id}/decide", {"status": "waiting"})
    await post_form(client, f"/registrations/{first.id}/decide", {"status": "waiting"})
    await post_form(client, f"/registrations/{second.id}/decide", {"status": "confirmed"})
    statuses = {r["id"]: r["status"] for r in await Registration.select(Registration.id, Registration.status)}
    assert statuses == {first.id: "waiting", second.id: "confirmed"}


async def test_staff_register_a_walk_in_straight_into_the_session_under_way(client):
    organisation, _ = await organiser(client, role=Role.staff)
    event = await published_event(capacity=None, organisation=organisation)
    session = await Session.objects().where(Session.event == event.id).first()

    await Session.update(
        {Session.starts_at: utcnow() - timedelta(minutes=30), Session.ends_at: utcnow() + timedelta(hours=1)}
    ).where(Session.id == session.id)
    form = text(await client.get(f"/events/{event.id}/walk-in"))
    assert "Inscrire et noter présent·e" in form
    response = await post_form(
        client,
        f"/events/{event.id}/walk-in",
        {"first_name": "Nour", "last_name": "Haddad", "phone": "07 61 23 45 67", "session_id": str(session.id)},
    )
    assert response.status_code == 302
    assert "Nour est inscrit·e et noté·e présent·e." in text(await client.get(response.headers["location"]))
    registration = await Registration.objects().first()
    assert registration.source == "walk_in" and registration.status == "confirmed"
    check_in = await CheckIn.objects().first()
    assert check_in.session == session.id and check_in.status == "present"
    # Someone already registered is just marked present, once.
    await post_form(
        client,
        f"/events/{event.id}/walk-in",
        {"first_name": "Nour", "last_name": "Haddad", "phone": "0761234567", "session_id": str(session.id)},
    )
    assert await Registration.count() == 1 and await CheckIn.count() == 1
    figures = text(await client.get(f"/events/{event.id}"))
    assert "Présents" in figures


async def test_the_organisers_questions_appear_on_the_form_and_required_ones_are_enforced(client):
    organisation, _ = await organiser(client)
    event = await published_event(organisation=organisation)
    await post_form(
        client, f"/events/{event.id}/questions", {"label": "Avez-vous un CV ?", "kind": "yes_no", "required": "on"}
    )
    bad = await post_form(
        client, f"/events/{event.id}/questions", {"label": "Quel créneau ?", "kind": "choice", "choices": "Matin"}
    )
    assert bad.status_code == 400 and 'id="error-choices"' in bad.text
    question = await Question.objects().first()
    async with httpx.AsyncClient(transport=client._transport, base_url="http://testserver") as phone:
        page = text(await phone.get(f"/e/{event.public_token}"))
        assert "Avez-vous un CV ?" in page
        missing = await post_form(phone, f"/e/{event.public_token}", youth(1))
        assert missing.status_code == 400 and f'id="error-q_{question.id}"' in missing.text
        ok = await post_form(phone, f"/e/{event.public_token}", {**youth(1), f"q_{question.id}": "yes"})
        assert ok.status_code == 302
        token = ok.headers["location"].split("/")[2].split("?")[0]
        await post_form(phone, f"/r/{token}/answers", {f"q_{question.id}": "no"})
    registration = await Registration.objects().where(Registration.id > 0).output(load_json=True).first()
    assert registration.answers == {str(question.id): "no"}


async def test_a_partner_adviser_cannot_decide_for_the_organiser(client, app):
    organisation, _ = await organiser(client)
    event = await published_event(organisation=organisation)
    await adviser_of_partner(event)
    async with httpx.AsyncClient(transport=client._transport, base_url="http://testserver") as phone:
        await phone.get(f"/e/{event.public_token}")
        await post_form(phone, f"/e/{event.public_token}", youth(1))
    registration = await Registration.objects().first()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as adviser:
        await login(adviser, "karima@ml.test")
        response = await post_form(adviser, f"/registrations/{registration.id}/decide", {"status": "waiting"})
        assert response.status_code == 403
    assert (await Registration.objects().first()).status == "confirmed"
    assert await Partnership.count() == 0 and await Event.count() == 1


async def test_an_organisations_link_attributes_youths_to_the_organisation(client, app):
    organisation, _ = await organiser(client)
    event = await published_event(organisation=organisation)
    ml = await adviser_of_partner(event)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as adviser:
        await login(adviser, "karima@ml.test")
        await post_form(adviser, f"/events/{event.id}/referral-link", {})
    team = await ReferralLink.objects().where(ReferralLink.user.is_null()).first()
    async with httpx.AsyncClient(transport=client._transport, base_url="http://testserver") as phone:
        await phone.get(f"/e/{event.public_token}?ref={team.code}")
        await post_form(phone, f"/e/{event.public_token}", {**youth(3), "ref": team.code})
    registration = await Registration.objects().first()
    assert registration.referring_organisation == ml.id and registration.referred_by is None
