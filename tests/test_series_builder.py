"""An organiser composes a repeating event in plain French (every N weeks or months, which weekday, which week
of the month, until when or how many times), sees the sentence and the next dates before saving, and picks a
place from meeting places set apart from companies. The raw iCalendar rule stays there for experts."""

import html

from events.rules import build, composed
from events.tables import Series, SiteKind
from tests.factories.accounts import organiser
from tests.factories.events import make_site
from tests.support import post_form

FORM = {
    "format": "info_collective",
    "title": "Info-coll intérim",
    "first_start": "2031-01-14T09:30",
    "duration_minutes": "120",
    "capacity": "10",
}


async def test_an_organiser_composes_every_two_months_on_the_second_tuesday_in_words(client):
    await organiser(client)
    words = {"every": "2", "unit": "months", "week": "2", "weekday": "TU"}
    response = await post_form(client, "/series/new", FORM | words)
    assert response.status_code == 302, html.unescape(response.text)
    assert (await Series.select(Series.rrule).first())["rrule"] == "FREQ=MONTHLY;INTERVAL=2;BYDAY=+2TU"
    page = html.unescape((await client.get(response.headers["location"])).text)
    assert "mardi 14 janvier 2031" in page and "mardi 11 mars 2031" in page


async def test_the_builder_shows_the_sentence_and_the_next_five_dates_before_saving(client):
    await organiser(client)
    form = await client.get("/series/new?format=permanence")
    words = {"every": "1", "unit": "weeks", "weekday": "FR", "count": "8"}
    preview = html.unescape((await post_form(client, "/series/preview", FORM | words)).text)
    assert "Chaque semaine, le vendredi" in preview
    assert preview.count("<li>") == 5 and "vendredi 17 janvier 2031, 09:30" in preview
    assert form.status_code == 200 and await Series.count() == 0  # nothing saved by looking


async def test_a_builder_mistake_is_said_on_its_field_and_nothing_is_lost(client):
    await organiser(client)
    response = await post_form(client, "/series/new", FORM | {"every": "0", "unit": "weeks", "weekday": "FR"})
    text = html.unescape(response.text)
    assert response.status_code == 400 and 'id="error-every"' in text
    assert 'value="Info-coll intérim"' in text and await Series.count() == 0


async def test_an_expert_rule_still_wins_over_the_words(client):
    await organiser(client)
    expert = {"rrule": "FREQ=WEEKLY;BYDAY=MO,TH", "every": "2", "unit": "months", "weekday": "TU"}
    response = await post_form(client, "/series/new", FORM | expert)
    assert response.status_code == 302
    assert (await Series.select(Series.rrule).first())["rrule"] == "FREQ=WEEKLY;BYDAY=MO,TH"


async def test_the_place_list_sets_meeting_places_apart_from_companies(client):
    ml, _user = await organiser(client)
    await make_site(ml, "Mission Locale de Valence", kind=SiteKind.mission_locale, city="Valence")
    await make_site(ml, "Boulangerie Martin", kind=SiteKind.company, city="Valence")
    page = html.unescape((await client.get("/series/new?format=permanence")).text)
    meeting, companies = page.index('optgroup label="Lieux de rendez-vous"'), page.index('optgroup label="Entreprises"')
    assert meeting < page.index("Mission Locale de Valence") < companies < page.index("Boulangerie Martin")


def test_the_words_and_the_rule_say_the_same_thing():
    rule = build(every=2, unit="months", weekday="TU", week=2)
    assert rule == "FREQ=MONTHLY;INTERVAL=2;BYDAY=+2TU"
    assert composed(rule) == {"every": "2", "unit": "months", "weekday": "TU", "week": "2", "until": "", "count": ""}
    assert composed("FREQ=WEEKLY;BYDAY=MO,TH") is None  # an expert's rule stays as it is
