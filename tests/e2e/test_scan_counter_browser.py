"""At the door, the counter follows each scan and each scan reaches the server once (page or service worker,
never both)."""

from __future__ import annotations

from datetime import timedelta

from checkin.tables import CheckIn
from events.tables import Session
from tests.e2e.test_scan_browser import (  # noqa: F401 (fixtures)
    PHONE,
    _staff_opens_the_scanner,
    launch,
    playwright,
    server,
    videos,
)
from tests.factories.checkin import scan_event


async def test_after_one_green_scan_the_counter_says_one_present_and_the_scan_was_sent_once(
    playwright,  # noqa: F811
    server,  # noqa: F811
    videos,  # noqa: F811
    artifacts,
):
    data = await scan_event(youths=4)
    ines = data["registrations"][0]
    browser = await launch(playwright, videos("ines", ines.ticket_token))
    try:
        context = await browser.new_context(**PHONE)
        sent: list[str] = []  # the nonces of every check-in request, from the page or its service worker

        def on_request(request) -> None:
            if request.method == "POST" and request.url.endswith("/api/checkin/redeem"):
                sent.append((request.post_data_json or {}).get("nonce", ""))

        context.on("request", on_request)
        page = await context.new_page()
        await _staff_opens_the_scanner(page, server, data["event"].id)
        await page.locator("body[data-camera=on]").wait_for()  # the camera may read the code at once
        await page.locator("#result[data-result=ok]").wait_for(timeout=30000)
        await page.locator("#present-count", has_text="1 présent·e sur 4").wait_for(timeout=5000)
        await page.screenshot(path=str(artifacts / "scan-counter-360.png"))
        await page.evaluate("TremplinScanStore.flush()")  # a round of retries: had the scan stayed queued, it goes
        assert await page.locator("#pending").get_attribute("data-count") == "0"
        await context.close()
    finally:
        await browser.close()

    rows = await CheckIn.select(CheckIn.registration, CheckIn.nonce)
    assert [r["registration"] for r in rows] == [ines.id]
    assert sent == [rows[0]["nonce"]]


async def test_a_scan_days_before_the_session_is_a_plain_green_that_names_the_sessions_day(
    playwright,  # noqa: F811
    server,  # noqa: F811
    videos,  # noqa: F811
    artifacts,
):
    data = await scan_event(youths=2)
    later = data["session"].starts_at + timedelta(days=3)
    await Session.update({Session.starts_at: later, Session.ends_at: later + timedelta(hours=4)}).where(
        Session.id == data["session"].id
    )
    ines = data["registrations"][0]
    browser = await launch(playwright, videos("ines", ines.ticket_token))
    try:
        context = await browser.new_context(**PHONE)
        page = await context.new_page()
        await _staff_opens_the_scanner(page, server, data["event"].id)
        green = page.locator("#result[data-result=ok][data-colour=green]")
        await green.wait_for(timeout=30000)
        assert "Séance du " in await page.locator("#result-detail").inner_text()
        await page.screenshot(path=str(artifacts / "scan-other-day-360.png"))
        await context.close()
    finally:
        await browser.close()
    assert [r["registration"] for r in await CheckIn.select(CheckIn.registration)] == [ines.id]
