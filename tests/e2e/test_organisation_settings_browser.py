"""An admin changes the organisation's settings in a real browser, on a phone and on a desktop: the page fits,
axe finds nothing serious, and a mistake is shown on its field with what was typed."""

import pytest

from accounts.tables import Organisation
from app.demo import DEMO_LOGIN, DEMO_PASSWORD, load_demo
from tests.e2e.walk import WIDTHS, Walk, _audit, visit


@pytest.mark.parametrize("width", sorted(WIDTHS))
async def test_an_admin_corrects_a_siret_on_the_settings_page(live_server, browser, artifacts, width):
    await load_demo(compose_rally=False)
    collectif = await Organisation.objects().where(Organisation.name == "Collectif Insertion Drôme").first()
    path = f"/organisations/{collectif.id}/settings"
    context = await browser.new_context(
        viewport={"width": width, "height": WIDTHS[width]}, locale="fr-FR", bypass_csp=True
    )
    page = await context.new_page()
    try:
        await page.goto(f"{live_server}/login")
        await page.get_by_label("Adresse e-mail").fill(DEMO_LOGIN)
        await page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
        await page.get_by_role("button", name="Se connecter").click()
        await page.wait_for_url(f"{live_server}/")

        walk = Walk(base=live_server)
        assert await visit(walk, page, [], "admin", path, width) is not None
        await page.get_by_label("Numéro SIRET").fill("987 654 321 00016")
        await page.get_by_label("Nom d'expéditeur des SMS").fill("Insertion Drôme")
        await page.get_by_role("button", name="Enregistrer les paramètres").click()
        await page.get_by_text("Le numéro SIRET n'est pas valide (clé de contrôle)").wait_for()
        await page.get_by_text("Pas d'espace : écrivez le nom en un seul mot").wait_for()
        assert await page.get_by_label("Numéro SIRET").input_value() == "987 654 321 00016"
        assert await page.evaluate("document.activeElement.id") == "field-siret"
        assert not await page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
        await page.screenshot(path=str(artifacts / f"organisation-settings-{width}.png"), full_page=True)
        await _audit(walk, page, f"admin {width}px {path} (refused)", "refused", width)
        assert not walk.problems, "\n".join(walk.problems)

        await page.get_by_label("Numéro SIRET").fill("987 654 321 00015")
        await page.get_by_label("Nom d'expéditeur des SMS").fill("InsertDrome")
        await page.get_by_role("button", name="Enregistrer les paramètres").click()
        await page.get_by_text("Paramètres enregistrés.").wait_for()
    finally:
        await context.close()
