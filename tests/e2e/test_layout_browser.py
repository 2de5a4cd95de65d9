"""Issue 13, item 14: at 360 px (a phone) and 1280 px (a laptop), no page is wider than the screen, the
itinerary and interview grids scroll inside their own frame with their first column fixed, the console menu
folds into one line on a phone, and the youth's personal page fits. No console error (the favicon) either."""

from datetime import datetime, timedelta

import pytest

from accounts.tables import OrganisationKind, Role
from events.tables import Event, Format
from tests.factories.accounts import make_organisation, make_user
from tests.factories.events import NEXT_MONTH
from tests.factories.planning import COMPANIES, PARIS, TeamPlan, job_dating, make_interview, rally
from tests.support import PASSWORD

PAGE_OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"
GRIDS = """[...document.querySelectorAll('.table-scroll')].filter(f => f.querySelector('.time-grid')).map(f => ({
    scrolls: f.scrollWidth > f.clientWidth,
    sticky: getComputedStyle(f.querySelector('.time-grid tr > :first-child')).position,
    wider_than_frame: f.getBoundingClientRect().right > window.innerWidth + 1}))"""


async def _a_busy_day(organisation):
    """A rally whose four teams visit every company from 9:00 to 16:30, and a job dating with interviews."""
    day = datetime.combine(NEXT_MONTH, datetime.min.time(), PARIS)
    teams = []
    for number in range(1, 5):
        visits = []
        for n, company in enumerate(COMPANIES * 2):
            start = day.replace(hour=9) + timedelta(minutes=50 * n + 10 * number)
            visits.append((company.name, start, start + timedelta(minutes=40)))
        teams.append(TeamPlan(number, members=(number - 1,), companion=None, visits=visits[:8]))
    await rally(organisation, teams=teams)
    event, sites, registrations = await job_dating(organisation)
    start = datetime.combine(NEXT_MONTH, datetime.min.time(), PARIS).replace(hour=14)
    for n, registration in enumerate(registrations[:2]):
        await make_interview(registration.id, sites[n], start, start + timedelta(minutes=20))
    return event


async def _log_in(page, live_server):
    await page.goto(f"{live_server}/login")
    await page.get_by_label("Adresse e-mail").fill("lea@ml-drome.test")
    await page.get_by_label("Mot de passe").fill(PASSWORD)
    await page.get_by_role("button", name="Se connecter").click()
    await page.wait_for_url(f"{live_server}/")


async def _menu_folds_on_a_phone(page, width):
    partners = page.get_by_role("link", name="Partenaires")
    if width == 360:  # folded: the brand and one "Menu" button on one line
        assert not await partners.is_visible()
        assert (await page.locator(".site-header nav").bounding_box())["height"] < 70
        await page.locator("label.menu-button").click()
        assert await partners.is_visible()
    else:
        assert await partners.is_visible()
        assert not await page.locator("label.menu-button").is_visible()


async def _grids_scroll_in_their_frame(page, live_server, artifacts, width, urls):
    for name, url in urls.items():
        await page.goto(f"{live_server}{url}")
        await page.screenshot(path=str(artifacts / f"layout-{name}-{width}.png"), full_page=True)
        assert await page.evaluate(PAGE_OVERFLOW) <= 0, name
        grids = await page.evaluate(GRIDS)
        assert grids, name
        assert all(g["sticky"] == "sticky" and not g["wider_than_frame"] for g in grids), (name, grids)
        if width == 360 or name == "planning":
            assert any(g["scrolls"] for g in grids), (name, grids)


@pytest.mark.parametrize("width, height", [(360, 740), (1280, 800)])
async def test_pages_fit_the_screen_and_grids_scroll_in_their_frame(live_server, browser, artifacts, width, height):
    organisation = await make_organisation("Mission Locale Drôme", OrganisationKind.mission_locale)
    await make_user("lea@ml-drome.test", organisation, Role.organiser)
    dating = await _a_busy_day(organisation)
    rally_event = await Event.objects().where(Event.format == Format.rallye).first()
    context = await browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
    page = await context.new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    try:
        await _log_in(page, live_server)
        await page.screenshot(path=str(artifacts / f"layout-home-{width}.png"))
        assert await page.evaluate(PAGE_OVERFLOW) <= 0
        await _menu_folds_on_a_phone(page, width)
        urls = {"planning": f"/events/{rally_event.id}/planning", "board": f"/events/{dating.id}/interviews"}
        await _grids_scroll_in_their_frame(page, live_server, artifacts, width, urls)

        await page.goto(f"{live_server}/r/manage-{rally_event.id}-0")
        await page.screenshot(path=str(artifacts / f"layout-personal-{width}.png"), full_page=True)
        assert await page.evaluate(PAGE_OVERFLOW) <= 0

        await page.goto(f"{live_server}/accessibility")
        assert await page.evaluate(PAGE_OVERFLOW) <= 0
        assert await page.get_by_role("heading", name="Déclaration d'accessibilité").is_visible()
    finally:
        await context.close()
    assert not errors, errors  # the favicon's 404 was the only one
