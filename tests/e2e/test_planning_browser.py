"""An organiser composes the demo Rallye's teams, moves a youth by mistake, sees the rule, undoes, publishes."""

import pytest

from app.demo import load_demo
from events.tables import Event, Format
from planning.tables import PairRule, Team, TeamMember


@pytest.mark.parametrize("width, height", [(360, 740), (1280, 800)])
async def test_organiser_composes_the_demo_rally_moves_a_youth_undoes_and_publishes(
    live_server, browser, artifacts, width, height
):
    await load_demo(compose_rally=False)
    rally = await Event.objects().where(Event.format == Format.rallye).first()
    rule = await PairRule.objects().where(PairRule.event == rally.id).first()  # these two must not be together
    context = await browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
    page = await context.new_page()
    try:
        await page.goto(f"{live_server}/login")
        await page.get_by_label("Adresse e-mail").fill("demo@tremplin.local")
        await page.get_by_label("Mot de passe").fill("tremplin-demo-2026")
        await page.get_by_role("button", name="Se connecter").click()
        await page.wait_for_url(f"{live_server}/")
        await page.goto(f"{live_server}/events/{rally.id}")
        await page.get_by_role("button", name="Équipes et itinéraires").click()
        await page.get_by_label("Temps de recherche").select_option("5")
        await page.get_by_role("button", name="Composer les équipes").click()
        await page.get_by_text("Le planificateur travaille").first.wait_for()
        await page.get_by_text("Toutes les règles sont respectées.").wait_for(timeout=30_000)  # the page reloads
        await page.screenshot(path=str(artifacts / f"planning-{width}.png"), full_page=True)
        wider_than_the_phone = await page.evaluate(
            "[...document.querySelectorAll('body *')]"
            ".filter(e => e.getBoundingClientRect().right > window.innerWidth && !e.closest('.table-scroll'))"
            ".slice(0, 8).map(e => e.outerHTML.slice(0, 120))"
        )
        assert not wider_than_the_phone, wider_than_the_phone  # grids scroll inside their own box

        rival = await TeamMember.select().where(TeamMember.registration == rule.second).first()
        rival_team = await Team.select(Team.number).where(Team.id == rival["team"]).first()
        await page.locator(f"#move-{rule.first}").select_option(str(rival["team"]))
        await page.locator(f"#move-{rule.first}").locator("xpath=..").get_by_role("button", name="Déplacer").click()
        await page.get_by_text("règle n'est pas respectée", exact=False).first.wait_for()
        assert await page.get_by_text("H05").first.is_visible()
        await page.screenshot(path=str(artifacts / f"planning-violation-{width}.png"), full_page=True)

        await page.get_by_role("button", name="Annuler ce déplacement").click()
        await page.get_by_text("Toutes les règles sont respectées.").wait_for()
        await page.get_by_role("button", name="Publier les équipes et les itinéraires").click()
        await page.get_by_text("Le planning est publié").wait_for()
        await page.screenshot(path=str(artifacts / f"planning-published-{width}.png"), full_page=True)
    finally:
        await context.close()

    assert rival_team["number"] > 0
    assert all(t["published_at"] for t in await Team.select(Team.published_at).where(Team.event == rally.id))
