"""A youth registers on a 360 px phone, lands on their page, and cancels from it."""

from registration.tables import Registration
from tests.factories.registration import published_event


async def test_youth_registers_on_a_phone_and_cancels_from_their_page(live_server, browser, artifacts):
    event = await published_event(capacity=10)
    context = await browser.new_context(
        viewport={"width": 360, "height": 740}, locale="fr-FR", has_touch=True, is_mobile=True
    )
    page = await context.new_page()
    try:
        await page.goto(f"{live_server}/e/{event.public_token}")
        assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        await page.screenshot(path=str(artifacts / "public-event-360.png"), full_page=True)

        await page.get_by_label("Prénom").fill("Inès")
        await page.locator("#field-last_name").fill("Benali")
        await page.get_by_label("Téléphone portable").fill("06 12 34 56 78")
        await page.get_by_role("button", name="S'inscrire").click()
        # The postcode was forgotten: the form says so next to it and keeps the rest.
        await page.get_by_text("Indiquez votre code postal ou votre commune.").wait_for()
        assert await page.get_by_label("Prénom").input_value() == "Inès"
        await page.get_by_label("Code postal").fill("26000")
        await page.get_by_role("button", name="S'inscrire").click()

        await page.get_by_text("Vous êtes inscrit·e.").wait_for()
        assert await page.get_by_role("button", name="Ajouter à mon agenda").is_visible()
        await page.screenshot(path=str(artifacts / "personal-page-360.png"), full_page=True)
        assert await page.get_by_role("link", name="06 12 34 56 78").is_visible()  # tappable organiser phone
        assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        await page.screenshot(path=str(artifacts / "personal-page-360.png"), full_page=True)

        await page.get_by_role("link", name="Je ne peux plus venir").click()
        await page.get_by_role("button", name="Oui, annuler").click()
        await page.get_by_text("Votre inscription est annulée.").wait_for()
    finally:
        await context.close()
    registration = await Registration.objects().first()
    assert registration.status == "cancelled" and registration.cancelled_at is not None
