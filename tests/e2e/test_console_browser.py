"""An organiser uses the console in a real browser, on a phone and on a desktop."""

import pytest

from accounts.tables import Organisation
from app.demo import DEMO_LOGIN, DEMO_PASSWORD, load_demo


async def _no_horizontal_scroll(page) -> bool:
    return await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width, height", [(360, 740), (1280, 800)])
async def test_organiser_logs_in_and_opens_the_rally(live_server, browser, artifacts, width, height):
    await load_demo()
    context = await browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
    page = await context.new_page()
    try:
        await page.goto(f"{live_server}/")
        assert "/login" in page.url
        assert await _no_horizontal_scroll(page)
        await page.screenshot(path=str(artifacts / f"login-{width}.png"), full_page=True)

        await page.get_by_label("Adresse e-mail").fill(DEMO_LOGIN)
        await page.get_by_label("Mot de passe").fill("pas-le-bon")
        await page.get_by_role("button", name="Se connecter").click()
        await page.get_by_text("Adresse e-mail ou mot de passe incorrect.").wait_for()
        # The e-mail typed is kept; the password field takes the focus back.
        assert await page.get_by_label("Adresse e-mail").input_value() == DEMO_LOGIN

        await page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
        await page.get_by_role("button", name="Se connecter").click()
        await page.get_by_role("heading", name="Bonjour Sophie Durand").wait_for()
        assert await _no_horizontal_scroll(page)
        await page.screenshot(path=str(artifacts / f"dashboard-{width}.png"), full_page=True)

        await page.get_by_role("link", name="Rallye pour l'emploi de Valence").click()
        await page.get_by_role("heading", name="Programme").wait_for()
        assert await page.get_by_text("Jour 3 — bilan").is_visible()
        assert await _no_horizontal_scroll(page)
        await page.screenshot(path=str(artifacts / f"event-{width}.png"), full_page=True)

        # Wide tables scroll inside their box, never the whole page.
        event_id = page.url.rsplit("/", 1)[1]
        collectif = await Organisation.objects().where(Organisation.name == "Collectif Insertion Drôme").first()
        for path in (f"/events/{event_id}/registrations", f"/organisations/{collectif.id}", "/youths", "/directory/"):
            await page.goto(f"{live_server}{path}")
            assert await _no_horizontal_scroll(page), path

        if width == 360:  # on a phone the menu is folded behind its "Menu" button
            await page.locator("label.menu-button").click()
        await page.get_by_role("button", name="Se déconnecter").click()
        await page.get_by_role("heading", name="Se connecter").wait_for()
    finally:
        await context.close()
