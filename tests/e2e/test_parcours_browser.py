"""A parcours in a browser: the ETTI's director opens one for a youth the Valence adviser referred, records the
tripartite start meeting; the adviser, on her phone, proposes an information session from the parcours; the youth
registers through the link of their text and the registration appears in the history; the skills sheet is filled
in at the start and mid-term and both show side by side."""

import re
from datetime import date, timedelta

from accounts.tables import Organisation, User
from app.demo import DEMO_PASSWORD, load_demo
from messaging.tables import OutboxMessage
from parcours.tables import Parcours
from registration.tables import Registration
from tests.factories.registration import published_event

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


async def _log_in(browser, live_server, email: str, viewport: dict):
    context = await browser.new_context(viewport=viewport, locale="fr-FR")
    page = await context.new_page()
    await page.goto(f"{live_server}/login")
    await page.get_by_label("Adresse e-mail").fill(email)
    await page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="Se connecter").click()
    await page.wait_for_url(f"{live_server}/")
    return context, page


async def _fits(page) -> bool:
    return await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


async def _a_youth_karima_referred_to_the_etti() -> dict:
    karima = await User.objects().where(User.email == "conseillere.valence@tremplin.local").first()
    etti = await Organisation.objects().where(Organisation.name == "Intérim Solidaire Drôme").first()
    followed = [r["participant"] for r in await Parcours.select(Parcours.participant)]
    rows = await (
        Registration.select(
            Registration.participant,
            Registration.participant.first_name.as_alias("first_name"),
            Registration.participant.last_name.as_alias("last_name"),
        )
        .where(
            (Registration.referred_by == karima.id)
            & (Registration.participant.organisation == etti.id)
            & Registration.participant.not_in(followed or [-1])
        )
        .order_by(Registration.id)
    )
    assert rows, "the demo has youths Karima referred to the ETTI"
    return rows[0]


async def test_a_parcours_from_opening_to_the_skills_sheets(live_server, browser, artifacts):
    await load_demo(date.today())
    youth = await _a_youth_karima_referred_to_the_etti()
    ml = await Organisation.objects().where(Organisation.name == "Mission Locale Valence Agglo").first()
    info = await published_event(None, organisation=ml, title="Info-coll Garantie jeunes de Valence")
    parcours_url = await _the_director_opens_a_parcours(live_server, browser, artifacts, youth)
    await _karima_proposes_the_information_session(live_server, browser, artifacts, parcours_url, info)
    await _the_youth_registers_through_the_text(live_server, browser, youth)
    await _karima_sees_the_registration_in_the_history(live_server, browser, artifacts, parcours_url)
    await _the_director_fills_the_skills_sheet_twice(live_server, browser, artifacts, parcours_url)


async def _the_director_opens_a_parcours(live_server, browser, artifacts, youth: dict) -> str:
    context, page = await _log_in(browser, live_server, "directrice.etti@tremplin.local", DESKTOP)
    try:
        await page.goto(f"{live_server}/youths/{youth['participant']}")
        await page.get_by_role("link", name="Ouvrir un parcours").click()
        start = date.today() + timedelta(days=7)
        await page.locator("#field-contract_kind").select_option("mission")  # its label is "Contrat *"
        await page.get_by_label("Début du contrat").fill(str(start))
        await page.get_by_label("Fin du contrat").fill(str(start + timedelta(days=180)))
        await page.get_by_label("Conseiller référent à la Mission Locale").select_option(
            label="Karima Belkacem (Mission Locale Valence Agglo)"
        )
        await page.get_by_role("button", name="Ouvrir le parcours").click()
        await page.wait_for_url(re.compile(r".*/parcours/\d+$"))
        parcours_url = page.url
        await page.get_by_text("Le parcours est ouvert").wait_for()

        row = page.locator("tr", has_text="Rencontre tripartite de démarrage")
        await row.get_by_text("Noter le compte rendu").click()
        await row.locator("textarea[name=result]").fill("Démarrage validé, équipements remis")
        await row.get_by_role("button", name="Enregistrer").click()
        await page.get_by_text("Le compte rendu est enregistré.").wait_for()
        assert await page.locator("tr", has_text="Démarrage validé, équipements remis").count() == 1
        await page.screenshot(path=str(artifacts / "parcours-1280.png"), full_page=True)
        return parcours_url
    finally:
        await context.close()


async def _karima_proposes_the_information_session(live_server, browser, artifacts, parcours_url: str, info) -> None:
    context, page = await _log_in(browser, live_server, "conseillere.valence@tremplin.local", PHONE)
    try:
        await page.goto(parcours_url)
        assert await page.get_by_text("Démarrage validé, équipements remis").count() >= 1
        await page.get_by_label("Proposer un événement au jeune").select_option(str(info.id))
        await page.get_by_role("button", name="Envoyer la proposition").click()
        await page.get_by_text("La proposition est envoyée au jeune.").wait_for()
        assert await page.locator("#proposals ~ ul li", has_text="proposé").count() == 1
        assert await _fits(page)
        await page.screenshot(path=str(artifacts / "parcours-adviser-360.png"), full_page=True)
    finally:
        await context.close()


async def _the_youth_registers_through_the_text(live_server, browser, youth: dict) -> None:
    text = (
        await OutboxMessage.objects()
        .where(OutboxMessage.body_text.like("%?p=%"))
        .order_by(OutboxMessage.id, ascending=False)
        .first()
    )
    assert text is not None and youth["first_name"] in text.body_text
    link = re.search(r"https?://\S+/e/(\S+)\?p=(\S+)", text.body_text)
    context = await browser.new_context(viewport=PHONE, locale="fr-FR", has_touch=True, is_mobile=True)
    page = await context.new_page()
    try:
        await page.goto(f"{live_server}/e/{link.group(1)}?p={link.group(2)}")
        assert await page.get_by_label("Prénom").input_value() == youth["first_name"]
        if not await page.get_by_label("Code postal").input_value():
            await page.get_by_label("Code postal").fill("26000")
        await page.get_by_role("button", name="S'inscrire").click()
        await page.get_by_text("Vous êtes inscrit·e.").wait_for()
    finally:
        await context.close()


async def _karima_sees_the_registration_in_the_history(live_server, browser, artifacts, parcours_url: str) -> None:
    context, page = await _log_in(browser, live_server, "conseillere.valence@tremplin.local", PHONE)
    try:
        await page.goto(parcours_url)
        history = page.locator("ol.timeline")
        await history.get_by_text(re.compile("Info-coll Garantie jeunes de Valence.*inscrit")).first.wait_for()
        assert await page.locator("#proposals ~ ul li", has_text="inscrit").count() == 1
    finally:
        await context.close()


async def _the_director_fills_the_skills_sheet_twice(live_server, browser, artifacts, parcours_url: str) -> None:
    context, page = await _log_in(browser, live_server, "directrice.etti@tremplin.local", PHONE)
    try:
        for moment, observed, own in (("Début", "En cours", "Acquis"), ("Mi-parcours", "Acquis", "Maîtrisé")):
            await page.goto(parcours_url)
            await page.get_by_role("link", name=f"Remplir la fiche : {moment}").click()
            await page.get_by_label("Ponctualité et assiduité — observé").select_option(label=observed)
            await page.get_by_label("Ponctualité et assiduité — avis du jeune").select_option(label=own)
            await page.get_by_label("Prochaines étapes").fill("Préparer le CACES 1")
            await page.get_by_role("button", name="Enregistrer la fiche").click()
            await page.get_by_text("La fiche de compétences est enregistrée.").wait_for()
        table = page.locator("table", has=page.locator("#skills-caption"))
        assert await table.locator("th", has_text="Début").count() == 1
        assert await table.locator("th", has_text="Mi-parcours").count() == 1
        line = table.locator("tr", has_text="Ponctualité et assiduité")
        assert "En cours / Acquis" in await line.inner_text() and "Acquis / Maîtrisé" in await line.inner_text()
        assert await _fits(page)
        await page.screenshot(path=str(artifacts / "parcours-skills-360.png"), full_page=True)
    finally:
        await context.close()
