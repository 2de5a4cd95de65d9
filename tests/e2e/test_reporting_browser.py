"""The ETTI's director opens the dashboard of the demo on a phone and on a desktop, reads its charts and tables,
downloads the year's bilan as a PDF, whose pages are then looked at as 360 px wide previews, and the year's
registrations as an XLSX file."""

import asyncio

import openpyxl
import pytest

from app.demo import DEMO_PASSWORD, load_demo


async def _log_in(browser, live_server, width: int):
    context = await browser.new_context(viewport={"width": width, "height": 800}, locale="fr-FR", accept_downloads=True)
    page = await context.new_page()
    await page.goto(f"{live_server}/login")
    await page.get_by_label("Adresse e-mail").fill("directrice.etti@tremplin.local")
    await page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="Se connecter").click()
    await page.wait_for_url(f"{live_server}/")
    return context, page


def _rows_of(xlsx) -> list[tuple]:
    book = openpyxl.load_workbook(xlsx, read_only=True)
    try:
        return list(book.active.iter_rows(values_only=True))
    finally:
        book.close()  # a read-only workbook keeps its file open until closed


@pytest.mark.parametrize("width", [360, 1280])
async def test_the_director_reads_the_dashboard_and_downloads_the_bilan(live_server, browser, artifacts, width):
    await load_demo()
    context, page = await _log_in(browser, live_server, width)
    try:
        if width == 360:
            await page.locator("label.menu-button").click()  # the menu folded behind its "Menu" button
        await page.get_by_role("link", name="Tableau de bord").click()
        await page.get_by_role("heading", name="Tableau de bord", level=1).wait_for()
        assert await page.locator("svg.chart").count() >= 6
        funnel = page.get_by_role("table", name="Inscriptions", exact=True)
        assert await funnel.get_by_role("row").count() == 4  # the header and the three steps
        wider = await page.evaluate(
            "[...document.querySelectorAll('body *')]"
            ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 5)"
            ".map(e => e.outerHTML.slice(0, 100))"
        )
        assert not wider, wider
        await page.screenshot(path=str(artifacts / f"dashboard-{width}.png"), full_page=True)
        href = await page.get_by_role("link", name="Le bilan de cette période (PDF)").get_attribute("href")
        answer = await page.request.get(f"{live_server}{href}")  # with the page's session, as the link would
        assert answer.ok and answer.headers["content-type"] == "application/pdf"
        pdf = artifacts / f"bilan-{width}.pdf"
        pdf.write_bytes(await answer.body())

        await page.goto(f"{live_server}/exports/")
        await page.locator("#kind-registrations").check()
        await page.locator("#format-xlsx").check()
        async with page.expect_download() as download:
            await page.get_by_role("button", name="Télécharger").click()
        xlsx = artifacts / f"inscriptions-{width}.xlsx"
        await (await download.value).save_as(xlsx)
    finally:
        await context.close()
    rows = _rows_of(xlsx)
    assert "Nom" in rows[0] and len(rows) > 1  # the header, then the demo's registrations of the year
    assert pdf.read_bytes().startswith(b"%PDF")
    previews = artifacts / f"bilan-{width}-page-%d.png"
    # A4 at 43 dpi is 356 px wide: the pages as a phone shows them.
    gs = await asyncio.create_subprocess_exec("gs", "-q", "-sDEVICE=png16m", "-r43", "-o", str(previews), str(pdf))
    assert await gs.wait() == 0
    pages = sorted(artifacts.glob(f"bilan-{width}-page-*.png"))
    assert 1 <= len(pages) <= 3
