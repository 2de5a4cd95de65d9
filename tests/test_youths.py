"""The youths of an organisation: the list, its search and filters, a youth's page, merging two records."""

import html
import re
from datetime import UTC, date, datetime, timedelta

import httpx

from accounts.tables import AuditEntry, OrganisationKind, Role, User
from checkin.tables import CheckIn
from core.clock import utcnow
from events.tables import Format
from registration.tables import Consent, Participant, Registration
from tests.factories.accounts import add_member, make_organisation, make_user, organiser
from tests.factories.events import adviser_of_partner, make_session
from tests.factories.registration import make_registration, make_youth, published_event
from tests.support import login, post_form

TODAY = date.today()


def text(response: httpx.Response) -> str:
    return html.unescape(response.text)


def names(response: httpx.Response) -> list[str]:
    """The youths listed, in order."""
    return re.findall(r'<a href="/youths/\d+">([^<]+)</a>', html.unescape(response.text))


def born(years: int, days: int = 10) -> date:
    return TODAY.replace(year=TODAY.year - years) - timedelta(days=days)


async def test_an_admin_sees_every_youth_of_their_organisation_even_those_no_adviser_referred(client):
    organisation, _ = await organiser(client, role=Role.admin)
    await make_youth(organisation, "Inès", "Benali", "+33612345601")
    await make_youth(organisation, "Yanis", "Martin", "+33612345602")
    page = await client.get("/youths")
    assert page.status_code == 200
    assert names(page) == ["Inès Benali", "Yanis Martin"]
    assert "2 jeunes" in text(page) and "06 12 34 56 01" in text(page)


async def test_an_admin_finds_a_youth_by_the_last_digits_of_their_phone(client):
    organisation, _ = await organiser(client, role=Role.admin)
    await make_youth(organisation, "Inès", "Benali", "+33612345678")
    await make_youth(organisation, "Yanis", "Martin", "+33698765432")
    for typed in ("5678", "06 12 34 56 78", "+33612345678", "+33 6 12 34 56 78", "06.12.34.56.78"):
        assert names(await client.get("/youths", params={"q": typed})) == ["Inès Benali"], typed


async def test_a_youth_is_found_by_name_without_accents_or_capitals_in_any_order(client):
    organisation, _ = await organiser(client)
    await make_youth(organisation, "Inès", "Benali", "+33612345601")
    await make_youth(organisation, "Inès", "Martin", "+33612345602")
    await make_youth(organisation, "Benoît", "Durand", "+33612345603")
    assert names(await client.get("/youths", params={"q": "INES"})) == ["Inès Benali", "Inès Martin"]
    assert names(await client.get("/youths", params={"q": "benali ines"})) == ["Inès Benali"]
    assert names(await client.get("/youths", params={"q": "ben"})) == ["Inès Benali", "Benoît Durand"]
    assert names(await client.get("/youths", params={"q": "benoit"})) == ["Benoît Durand"]
    assert names(await client.get("/youths", params={"q": "zoé"})) == []


async def test_a_youth_is_found_by_postcode(client):
    organisation, _ = await organiser(client)
    await make_youth(organisation, "Inès", "Benali", "+33612345601", postcode="26000")
    await make_youth(organisation, "Yanis", "Martin", "+33612345602", postcode="07500")
    assert names(await client.get("/youths", params={"q": "26000"})) == ["Inès Benali"]
    assert names(await client.get("/youths", params={"q": "07"})) == ["Yanis Martin"]


async def test_an_adviser_sees_only_the_youths_their_mission_locale_referred(client, app):
    organisation, _ = await organiser(client)
    event = await published_event(organisation=organisation)
    ml = await adviser_of_partner(event)
    karima = await User.objects().where(User.email == "karima@ml.test").first()
    colleague = await make_user("paul@ml.test", ml, Role.adviser)
    mine = await make_youth(organisation, "Inès", "Benali", "+33612345601")
    theirs = await make_youth(organisation, "Yanis", "Martin", "+33612345602")
    unreferred = await make_youth(organisation, "Léa", "Durand", "+33612345603")
    await make_registration(event, mine, referred_by=karima.id, referring_organisation=ml.id)
    await make_registration(event, theirs, referred_by=colleague.id, referring_organisation=ml.id)
    await make_registration(event, unreferred)

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as adviser:
        await login(adviser, "karima@ml.test")
        assert names(await adviser.get("/youths")) == ["Inès Benali"]  # "my youths" by default
        everyone = await adviser.get("/youths", params={"scope": "all"})
        assert names(everyone) == ["Inès Benali", "Yanis Martin"]
        assert (await adviser.get(f"/youths/{unreferred.id}")).status_code == 404
        assert names(await adviser.get("/youths", params={"scope": "all", "q": "durand"})) == []
        page = await adviser.get(f"/youths/{theirs.id}")
        assert page.status_code == 200 and "Information collective" in text(page)


async def test_a_viewer_sees_the_list_without_phone_numbers(client, app):
    organisation, _ = await organiser(client)
    await make_user("lecteur@collectif.test", organisation, Role.viewer)
    await make_youth(organisation, "Inès", "Benali", "+33612345678")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as viewer:
        await login(viewer, "lecteur@collectif.test")
        page = await viewer.get("/youths")
        assert names(page) == ["Inès Benali"] and "06 12 34 56 78" not in text(page)
        assert names(await viewer.get("/youths", params={"q": "5678"})) == []  # no phone to search either


async def test_the_filters_narrow_the_list_and_combine(client):
    organisation, _ = await organiser(client)
    rally = await published_event(organisation=organisation, title="Rallye", format=Format.rallye)
    info = await published_event(organisation=organisation, title="Info-coll")
    start = utcnow().replace(microsecond=0) - timedelta(hours=3)
    session = await make_session(info, start, start + timedelta(hours=2))
    young = await make_youth(organisation, "Inès", "Benali", "+33612345601", birth_date=born(17), qpv=True)
    adult = await make_youth(organisation, "Yanis", "Martin", "+33612345602", birth_date=born(23))
    older = await make_youth(organisation, "Léa", "Durand", "+33612345603", birth_date=born(26, days=1))
    await make_registration(rally, young)
    came = await make_registration(info, adult, session=session.id)
    await make_registration(info, older, session=session.id)
    await CheckIn(registration=came.id, session=session.id, status="present", nonce="n1").save()

    async def listed(**params) -> list[str]:
        return names(await client.get("/youths", params=params))

    assert await listed(format="rallye") == ["Inès Benali"]
    assert await listed(event=info.id) == ["Léa Durand", "Yanis Martin"]
    assert await listed(event=info.id, attended="yes") == ["Yanis Martin"]
    assert await listed(event=info.id, attended="no") == ["Léa Durand"]
    assert await listed(age="16-17") == ["Inès Benali"]
    assert await listed(age="22-25") == ["Yanis Martin"]
    assert await listed(age="26+") == ["Léa Durand"]
    assert await listed(qpv="yes") == ["Inès Benali"]
    assert await listed(sort="age") == ["Inès Benali", "Yanis Martin", "Léa Durand"]
    assert (await listed(sort="last_registration"))[0] == "Léa Durand"
    form = text(await client.get("/youths"))
    for name in ("q", "event", "format", "adviser", "referring", "attended", "age", "qpv", "sort"):
        assert f'<label for="field-{name}">' in form, name


async def test_the_list_pages_by_fifty_and_its_links_keep_the_search(client):
    organisation, _ = await organiser(client)
    await Participant.insert(
        *[
            Participant(
                organisation=organisation.id, first_name=f"Jeune{n:03d}", last_name="Benali", phone=f"+336{n:08d}"
            )
            for n in range(120)
        ]
    )
    await Participant.raw("UPDATE participant SET search_name = lower(first_name) || ' benali'")
    first = await client.get("/youths", params={"q": "benali", "qpv": "no"})
    assert len(names(first)) == 50 and "120 jeunes" in text(first) and "Page 1 sur 3" in text(first)
    assert 'href="/youths?q=benali&amp;scope=all&amp;qpv=no&amp;page=2"' in first.text
    third = await client.get("/youths", params={"q": "benali", "qpv": "no", "page": 3})
    assert len(names(third)) == 20 and names(third)[-1] == "Jeune119 Benali"
    # A bookmark past the end (the list has shrunk since) opens on the last page.
    beyond = await client.get("/youths", params={"q": "benali", "qpv": "no", "page": 9})
    assert names(beyond) == names(third) and "Page 3 sur 3" in text(beyond)
    few = await client.get("/youths", params={"q": "jeune007"})
    assert names(few) == ["Jeune007 Benali"] and "1 jeune" in text(few)


async def test_a_youths_page_shows_their_details_consents_registrations_and_attendance_per_session(client):
    organisation, _ = await organiser(client)
    event = await published_event(organisation=organisation)
    ml = await adviser_of_partner(event)
    karima = await User.objects().where(User.email == "karima@ml.test").first()
    start = utcnow().replace(microsecond=0) - timedelta(hours=3)
    morning = await make_session(event, start, start + timedelta(hours=2), title="Matinée")
    await make_session(event, start + timedelta(hours=4), start + timedelta(hours=6), title="Après-midi")
    youth = await make_youth(organisation, "Inès", "Benali", "+33612345678", postcode="26000")
    registration = await make_registration(event, youth, referred_by=karima.id, referring_organisation=ml.id)
    await CheckIn(registration=registration.id, session=morning.id, status="late", nonce="n1").save()
    await Consent(participant=youth.id, kind="photos", given_by="Inès").save()

    page = text(await client.get(f"/youths/{youth.id}"))
    assert "Inès Benali" in page and "06 12 34 56 78" in page and "26000" in page
    assert "pris·e en photo" in page and "Information collective" in page
    assert "Karima" in page and "Mission Locale Valence" in page
    morning_row = next(r for r in page.split("<tr") if "Matinée" in r)
    afternoon_row = next(r for r in page.split("<tr") if "Après-midi" in r)
    assert "En retard" in morning_row and "—" in afternoon_row
    listed = await client.get("/youths")
    assert f'href="/youths/{youth.id}"' in listed.text


async def test_qpv_is_recorded_on_the_youths_page_and_filters_the_list(client):
    organisation, _ = await organiser(client)
    youth = await make_youth(organisation, "Inès", "Benali", "+33612345678")
    await client.get(f"/youths/{youth.id}")
    response = await post_form(client, f"/youths/{youth.id}/details", {"qpv": "on", "gender": "female"})
    assert response.status_code == 302
    assert (await Participant.select(Participant.qpv).where(Participant.id == youth.id).first())["qpv"] is True
    assert names(await client.get("/youths", params={"qpv": "yes"})) == ["Inès Benali"]


async def test_an_admin_of_another_organisation_never_sees_these_youths(client, app):
    organisation, _ = await organiser(client)
    youth = await make_youth(organisation, "Inès", "Secrète", "+33612345678")
    other = await make_organisation("Mission Locale Voisine", OrganisationKind.mission_locale)
    await make_user("admin@voisine.test", other, Role.admin)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as stranger:
        await login(stranger, "admin@voisine.test")
        assert "Secrète" not in text(await stranger.get("/youths", params={"q": "secrete"}))
        assert "Secrète" not in text(await stranger.get("/youths", params={"q": "5678"}))
        for path in (f"/youths/{youth.id}", f"/youths/{youth.id}/merge?other={youth.id}"):
            assert (await stranger.get(path)).status_code == 404, path


# --------------------------------------------------------------------------- merging


async def _two_records(client, **second):
    """An organiser logged in; the same youth recorded twice (two phones), registered for two events."""
    organisation, user = await organiser(client)
    first_event = await published_event(organisation=organisation, title="Info-coll de mars")
    second_event = await published_event(organisation=organisation, title="Job dating d'avril")
    kept = await make_youth(organisation, "Inès", "Benali", "+33612345678", birth_date=date(2006, 4, 12))
    fields = {"birth_date": date(2006, 4, 12), "email": "ines@exemple.fr", "postcode": "26000", **second}
    other = await make_youth(organisation, "Ines", "BENALI", "+33698765432", **fields)
    await make_registration(first_event, kept)
    await make_registration(second_event, other)
    return organisation, user, kept, other, (first_event, second_event)


async def test_the_youths_page_lists_a_likely_duplicate_with_a_link_to_merge(client):
    _, _, kept, other, _ = await _two_records(client)
    page = await client.get(f"/youths/{kept.id}")
    assert f'href="/youths/{kept.id}/merge?other={other.id}"' in page.text
    confirm = text(await client.get(f"/youths/{kept.id}/merge", params={"other": other.id}))
    assert "06 12 34 56 78" in confirm and "06 98 76 54 32" in confirm and "ines@exemple.fr" in confirm


async def test_merging_two_records_of_the_same_youth_keeps_every_registration_and_the_earliest_consents(client):
    organisation, _, kept, other, events = await _two_records(client)
    early, late = datetime(2026, 1, 5, tzinfo=UTC), datetime(2026, 3, 5, tzinfo=UTC)
    await Consent(participant=other.id, kind="photos", given_at=early, given_by="Ines").save()
    await Consent(participant=kept.id, kind="photos", given_at=late, given_by="Inès").save()
    await Consent(participant=other.id, kind="other_messages", given_at=late).save()

    await client.get(f"/youths/{kept.id}/merge", params={"other": other.id})
    response = await post_form(client, f"/youths/{kept.id}/merge", {"other": str(other.id)})

    assert response.status_code == 302
    assert not await Participant.exists().where(Participant.id == other.id)
    moved = await Registration.select(Registration.event).where(Registration.participant == kept.id)
    assert sorted(r["event"] for r in moved) == sorted(e.id for e in events)
    consents = await Consent.select().where(Consent.participant == kept.id).order_by(Consent.kind)
    assert [(c["kind"], c["given_at"]) for c in consents] == [("other_messages", late), ("photos", early)]
    record = await Participant.select().where(Participant.id == kept.id).first()
    assert (record["first_name"], record["phone"]) == ("Inès", "+33612345678")  # the kept record's own
    assert (record["email"], record["postcode"]) == ("ines@exemple.fr", "26000")  # its empty ones filled
    entry = await AuditEntry.select().where(AuditEntry.organisation == organisation.id).first()
    assert entry["action"] == "youths_merged" and "Inès Benali" in entry["summary"]
    page = text(await client.get(f"/youths/{kept.id}"))
    assert "Info-coll de mars" in page and "Job dating d'avril" in page


async def _unchanged(kept, other) -> tuple:
    return (
        await Participant.count(),
        await Registration.select(Registration.id, Registration.participant).order_by(Registration.id),
        await AuditEntry.count(),
    )


async def test_a_merge_of_two_people_on_the_same_event_is_refused_and_changes_nothing(client):
    _, _, kept, other, (first_event, _) = await _two_records(client)
    await make_registration(first_event, other)
    before = await _unchanged(kept, other)
    await client.get(f"/youths/{kept.id}")
    response = await post_form(client, f"/youths/{kept.id}/merge", {"other": str(other.id)})
    assert response.status_code == 409
    assert "Les deux fiches sont inscrites à « Info-coll de mars »" in text(response)
    assert await _unchanged(kept, other) == before


async def test_a_record_cannot_be_merged_into_itself(client):
    _, _, kept, other, _ = await _two_records(client)
    before = await _unchanged(kept, other)
    await client.get(f"/youths/{kept.id}")
    response = await post_form(client, f"/youths/{kept.id}/merge", {"other": str(kept.id)})
    assert response.status_code == 409 and "C'est la même fiche" in text(response)
    assert await _unchanged(kept, other) == before


async def test_records_of_two_organisations_are_not_merged(client):
    organisation, user, kept, other, _ = await _two_records(client)
    elsewhere = await make_organisation("Intérim Solidaire", OrganisationKind.siae)
    stranger = await make_youth(elsewhere, "Inès", "Benali", "+33612345678", birth_date=date(2006, 4, 12))
    await add_member(await User.objects().where(User.id == user.id).first(), elsewhere, Role.organiser)
    before = await _unchanged(kept, stranger)
    await client.get(f"/youths/{kept.id}")
    response = await post_form(client, f"/youths/{kept.id}/merge", {"other": str(stranger.id)})
    assert response.status_code == 409 and "appartiennent à deux organisations" in text(response)
    assert await _unchanged(kept, stranger) == before


async def test_only_organisers_and_admins_merge(client, app):
    organisation, _, kept, other, _ = await _two_records(client)
    await make_user("staff@collectif.test", organisation, Role.staff)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as staff:
        await login(staff, "staff@collectif.test")
        page = await staff.get(f"/youths/{kept.id}")
        assert "Ines BENALI" in text(page) and "/merge?other=" not in page.text  # sees the duplicate, no link
        response = await post_form(staff, f"/youths/{kept.id}/merge", {"other": str(other.id)})
        assert response.status_code == 403
    assert await Participant.exists().where(Participant.id == other.id)
