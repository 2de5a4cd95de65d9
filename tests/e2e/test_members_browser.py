"""Issue 14 in a real browser: an admin invites a colleague, who accepts from the e-mail; the admin deactivates a
departing adviser and hands their youths to the colleague; the youth's page names their new contact."""

from __future__ import annotations

import dataclasses
import re

import pytest

from accounts.tables import OrganisationKind, Role, User
from messaging.outbox import deliver_due
from tests.factories.accounts import make_organisation, make_user
from tests.factories.registration import make_registration, make_youth, published_event
from tests.support import PASSWORD, text_of


async def _log_in(page, base: str, email: str) -> None:
    await page.goto(f"{base}/login")
    await page.get_by_label("Adresse e-mail").fill(email)
    await page.get_by_label("Mot de passe").fill(PASSWORD)
    await page.get_by_role("button", name="Se connecter").click()
    await page.wait_for_url(f"{base}/")


async def _accept(browser, link: str, width: int, height: int) -> None:
    """The colleague opens the mail's link on their own device and joins."""
    newcomer = await browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
    theirs = await newcomer.new_page()
    await theirs.goto(link)
    await theirs.get_by_label("Vos prénom et nom").fill("Karima Belkacem")
    await theirs.get_by_label("Choisissez un mot de passe").fill(PASSWORD)
    await theirs.get_by_label("Le mot de passe, à nouveau").fill(PASSWORD)
    await theirs.get_by_role("button", name="Rejoindre").click()
    await theirs.get_by_text("Bienvenue à Mission Locale Valence").wait_for()
    await newcomer.close()
    karima = await User.objects().get(User.email == "karima@ml.test")
    await User.update({User.phone: "+33622222222"}).where(User.id == karima.id)


@pytest.mark.parametrize("width, height", [(360, 740), (1280, 800)])
async def test_an_admin_invites_a_colleague_and_hands_a_departing_advisers_youths_to_them(
    live_server, browser, artifacts, settings, smtp_server, width, height
):
    organisation = await make_organisation("Mission Locale Valence", OrganisationKind.mission_locale)
    await make_user("admin@ml.test", organisation, Role.admin)
    leaving = await make_user("julien@ml.test", organisation, Role.adviser)
    event = await published_event(organisation=organisation)
    youth = await make_youth(organisation, "Inès", phone="+33633333333")
    registration = await make_registration(event, youth, referred_by=leaving.id, referring_organisation=organisation.id)
    base = live_server
    context = await browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
    page = await context.new_page()
    try:
        await _log_in(page, base, "admin@ml.test")
        await page.goto(f"{base}/organisations/{organisation.id}/members")
        await page.get_by_label("Adresse e-mail").fill("karima@ml.test")
        await page.locator("#field-role").select_option("adviser")
        await page.get_by_role("button", name="Envoyer l'invitation").click()
        await page.get_by_text("Invitation envoyée à karima@ml.test").wait_for()
        await page.screenshot(path=str(artifacts / f"members-{width}.png"), full_page=True)

        await deliver_due(dataclasses.replace(settings, smtp_host="127.0.0.1", smtp_port=smtp_server.port))
        mail = (await smtp_server.wait_for(1))[-1]
        await _accept(browser, base + re.search(r"/invitations/\S+", text_of(mail)).group(0), width, height)

        await page.goto(f"{base}/organisations/{organisation.id}/members")
        row = page.get_by_role("row", name=re.compile(leaving.full_name))
        await row.get_by_role("link", name="Désactiver…").click()
        await page.get_by_label("Transmettre son travail à").select_option(label="Karima Belkacem")
        await page.screenshot(path=str(artifacts / f"deactivate-{width}.png"), full_page=True)
        await page.get_by_role("button", name="Désactiver", exact=True).click()
        await page.get_by_text("1 jeune(s) (1 prévenu·es par SMS)").wait_for()

        await page.goto(f"{base}/r/{registration.manage_token}")
        await page.get_by_text("Votre contact à Mission Locale Valence : Karima Belkacem").wait_for()
        wider = await page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert not wider
    finally:
        await context.close()
