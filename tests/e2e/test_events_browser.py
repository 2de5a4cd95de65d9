"""An organiser creates a Rallye from its format and publishes it, in a real browser."""

from datetime import date, timedelta

import pytest

from accounts.tables import OrganisationKind, Role
from events.holidays import is_working_day
from events.tables import Event, EventStatus, Session
from tests.factories.accounts import make_organisation, make_user
from tests.support import PASSWORD


@pytest.mark.parametrize("width, height", [(360, 740), (1280, 800)])
async def test_organiser_creates_a_rally_from_its_format_and_publishes_it(
    live_server, browser, artifacts, width, height
):
    collectif = await make_organisation("Collectif Insertion Drôme", OrganisationKind.collectif)
    await make_user("sophie@collectif.test", collectif, Role.organiser)
    start = date.today() + timedelta(days=40)
    while not all(is_working_day(start + timedelta(days=n)) for n in range(3)):  # nothing to confirm when publishing
        start += timedelta(days=1)
    context = await browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
    page = await context.new_page()
    try:
        await page.goto(f"{live_server}/login")
        await page.get_by_label("Adresse e-mail").fill("sophie@collectif.test")
        await page.get_by_label("Mot de passe").fill(PASSWORD)
        await page.get_by_role("button", name="Se connecter").click()
        if width == 360:  # on a phone the menu is folded behind its "Menu" button
            await page.locator("label.menu-button").click()
        await page.get_by_role("link", name="Événements", exact=True).click()
        await page.screenshot(path=str(artifacts / f"events-{width}.png"), full_page=True)
        await page.get_by_role("button", name="Créer un événement").click()
        await page.screenshot(path=str(artifacts / f"formats-{width}.png"), full_page=True)
        await page.get_by_role("button", name="Créer : Rallye pour l'emploi").click()

        await page.get_by_label("Titre").fill("Rallye pour l'emploi du printemps")
        await page.get_by_label("Premier jour").fill(start.isoformat())
        await page.get_by_label("Point de rendez-vous").fill("Mission Locale, 5 avenue des Alpes, Valence")
        await page.get_by_label("Téléphone de l'organisateur, donné aux jeunes").fill("06 12 34 56 78")
        assert await page.get_by_label("Places", exact=True).input_value() == "21"  # from the format
        await page.screenshot(path=str(artifacts / f"rally-form-{width}.png"), full_page=True)
        await page.get_by_role("button", name="Créer l'événement").click()

        await page.get_by_text("L'événement est créé en brouillon").wait_for()
        assert await page.get_by_text("Jour 3 — clôture et remise des diplômes").is_visible()
        assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        await page.get_by_role("button", name="Passer à : Publié").click()
        await page.get_by_text("Statut changé : Publié.").wait_for()
        await page.screenshot(path=str(artifacts / f"rally-published-{width}.png"), full_page=True)
    finally:
        await context.close()

    event = await Event.objects().where(Event.title == "Rallye pour l'emploi du printemps").first()
    assert event.status == EventStatus.published and event.starts_on == start
    assert await Session.count().where(Session.event == event.id) == 6
