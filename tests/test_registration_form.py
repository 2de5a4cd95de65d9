"""A youth fills the registration form on a phone: every mistake is shown at once, on its field,
in French, and what they typed stays there, so one correction is one round trip."""

import html
import re

from registration.tables import Registration
from tests.factories.accounts import organiser
from tests.factories.registration import published_event, register_online, youth
from tests.support import post_form


def text(response) -> str:
    return html.unescape(response.text)


def error_on(response, field: str) -> str | None:
    found = re.search(rf'<small id="error-{field}" class="field-error">(.*?)</small>', text(response), re.S)
    return found.group(1).strip() if found else None


async def test_a_youth_sending_an_empty_form_sees_every_missing_field_at_once(client):
    event = await published_event()
    response = await register_online(client, event, first_name="", last_name="", phone="", postcode="", birth_date="")
    assert response.status_code == 400
    for field in ("first_name", "last_name", "phone", "postcode"):
        assert error_on(response, field), field
    assert error_on(response, "first_name") == "Ce champ est obligatoire."
    assert error_on(response, "postcode") == "Indiquez votre code postal ou votre commune."
    assert "Corrigez les 4 champs signalés ci-dessous." in text(response)
    assert await Registration.count() == 0


async def test_a_youth_with_several_mistakes_sees_them_all_in_french_and_keeps_the_rest(client):
    event = await published_event()
    response = await register_online(
        client,
        event,
        first_name="A" * 10_000,
        last_name="😀🎉",
        phone="04 75 12 34 56",  # a landline: no text message reaches it
        postcode="2600",
        email="ines@exemple.fr",
        commune="Valence",
    )
    assert response.status_code == 400
    assert error_on(response, "first_name") == "50 caractères au plus."
    assert "lettres" in error_on(response, "last_name")
    assert "numéro de portable" in error_on(response, "phone")
    assert "cinq chiffres" in error_on(response, "postcode")
    assert 'value="ines@exemple.fr"' in response.text and 'value="Valence"' in response.text
    assert 'value="04 75 12 34 56"' in response.text
    assert await Registration.count() == 0


async def test_a_foreign_number_typed_without_its_country_code_is_shown_on_the_phone_field(client):
    event = await published_event()
    response = await register_online(client, event, phone="447700900123", first_name="", birth_date="2005-13-40")
    assert response.status_code == 400
    assert "numéro de portable" in error_on(response, "phone")
    assert error_on(response, "first_name") == "Ce champ est obligatoire."
    assert error_on(response, "birth_date") == "Saisissez une date."


async def test_the_form_marks_every_required_field_and_limits_the_text_fields(client):
    event = await published_event()
    page = text(await client.get(f"/e/{event.public_token}"))
    assert re.search(r'name="first_name"[^>]*maxlength="50"', page)
    assert re.search(r'name="last_name"[^>]*maxlength="50"', page)
    assert re.search(r'name="phone"[^>]*maxlength="30"', page)
    assert re.search(r'name="postcode"[^>]*maxlength="5"', page)
    assert "Code postal ou commune <span" in page  # the postcode-or-town rule is marked required


async def test_an_emoji_for_a_name_is_refused_from_the_console_too(client):
    organisation, _user = await organiser(client)
    event = await published_event(organisation=organisation)
    response = await post_form(client, f"/events/{event.id}/register", youth(7, first_name="🙂🙂"))
    assert response.status_code == 400
    assert error_on(response, "first_name") == "Écrivez le nom avec des lettres."
    assert await Registration.count() == 0


async def test_an_adviser_registering_a_youth_and_staff_at_the_door_see_every_mistake_at_once(client):
    organisation, _user = await organiser(client)
    event = await published_event(organisation=organisation)
    empty = {"first_name": "", "last_name": "", "phone": "", "postcode": "", "birth_date": ""}
    by_adviser = await post_form(client, f"/events/{event.id}/register", youth(**empty))
    assert by_adviser.status_code == 400
    assert all(error_on(by_adviser, f) for f in ("first_name", "last_name", "phone", "postcode"))

    at_the_door = await post_form(client, f"/events/{event.id}/walk-in", {"first_name": "", "phone": "04 75 12 34 56"})
    assert at_the_door.status_code == 400
    assert error_on(at_the_door, "first_name") and error_on(at_the_door, "last_name")
    assert "numéro de portable" in error_on(at_the_door, "phone")
    assert 'value="04 75 12 34 56"' in at_the_door.text
    assert await Registration.count() == 0
