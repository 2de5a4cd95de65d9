"""The organiser keeps a directory of partner organisations and the people to call there."""

import html

from accounts.tables import Contact, Organisation, OrganisationKind, Partnership
from tests.factories.accounts import make_organisation, organiser
from tests.support import post_form


async def test_organiser_adds_a_company_and_its_recruiter_to_the_directory(client):
    collectif, _ = await organiser(client)
    response = await post_form(
        client,
        f"/directory/{collectif.id}/partners",
        {
            "name": "Logistique Rhône Sud",
            "kind": "entreprise",
            "siae_kind": "",
            "city": "Valence",
            "phone": "04 75 00 00 01",
        },
    )
    assert response.status_code == 302
    company = await Organisation.objects().where(Organisation.name == "Logistique Rhône Sud").first()
    added = await post_form(
        client,
        f"/directory/{collectif.id}/contacts",
        {
            "organisation_id": str(company.id),
            "full_name": "Claire Fabre",
            "job_title": "Responsable recrutement",
            "phone": "06 01 02 03 04",
        },
    )
    assert added.status_code == 302
    page = html.unescape((await client.get("/directory/")).text)
    assert "Logistique Rhône Sud" in page and "Claire Fabre (Responsable recrutement)" in page
    # The company has no account: it is a directory entry, not a member.
    assert await Partnership.count() == 1 and await Contact.count() == 1


async def test_an_siae_kind_on_a_company_is_refused_on_its_field(client):
    collectif, _ = await organiser(client)
    response = await post_form(
        client, f"/directory/{collectif.id}/partners", {"name": "Garage", "kind": "entreprise", "siae_kind": "etti"}
    )
    assert response.status_code == 400
    assert 'id="error-siae_kind"' in response.text
    assert await Partnership.count() == 0


async def test_a_contact_must_belong_to_a_partner_of_the_directory(client):
    collectif, _ = await organiser(client)
    stranger = await make_organisation("Inconnue", OrganisationKind.autre)
    response = await post_form(
        client, f"/directory/{collectif.id}/contacts", {"organisation_id": str(stranger.id), "full_name": "X"}
    )
    assert response.status_code == 400
    assert await Contact.count() == 0
