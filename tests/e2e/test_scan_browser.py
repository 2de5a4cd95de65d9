"""On-site check-in at /scan in Chromium with a fake camera that films a ticket's QR code.

Each story runs its own server process (tests.scan_support.ServerProcess) so that it can be killed and started
again on the same port and database: a dead server is what a car park without network looks like to the phone
(`navigator.onLine` stays true). The API is the real one when registration/checkin_api.py has routes, else the
fake one of tests/scan_support.py (same contract).
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from checkin.services import OFFLINE_AFTER
from checkin.tables import CheckIn
from registration.tables import Registration
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.factories.checkin import pair_token, scan_event
from tests.scan_support import ServerProcess, camera_args, write_y4m
from tests.support import PASSWORD

PHONE = {"viewport": {"width": 360, "height": 740}, "locale": "fr-FR", "is_mobile": True, "has_touch": True}


@pytest.fixture
async def playwright():
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        yield pw


@pytest.fixture
def server():
    process = ServerProcess()
    process.start()
    yield process
    process.stop()


@pytest.fixture
def videos(tmp_path):
    def make(name: str, text: str | None) -> Path:
        path = tmp_path / f"{name}.y4m"
        if text is None:  # a white wall: the camera runs, nothing to read
            return _blank(path)
        return write_y4m(path, text)

    return make


def _blank(path: Path) -> Path:
    width, height = 320, 240
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(2):
            out.write(b"FRAME\n" + b"\xeb" * (width * height) + b"\x80" * (width * height // 2))
    return path


async def launch(playwright, video: Path):
    return await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + camera_args(video))


async def phone(playwright, profile: Path, video: Path):
    """A phone that keeps its storage (service worker, IndexedDB, localStorage) between launches."""
    return await playwright.chromium.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, args=CHROMIUM_ARGS + camera_args(video), **PHONE
    )


async def controlled(page) -> None:
    """Wait until the service worker controls the page (and so can serve it offline)."""
    await page.evaluate("navigator.serviceWorker.ready")
    if not await page.evaluate("!!navigator.serviceWorker.controller"):
        await page.reload()
        await page.evaluate("navigator.serviceWorker.ready")
    assert await page.evaluate("!!navigator.serviceWorker.controller")


async def prepare_phone(playwright, server: ServerProcess, profile: Path, token: str, blank: Path) -> None:
    """Pair the phone while the network works: the app and the list are now on it."""
    context = await phone(playwright, profile, blank)
    try:
        page = context.pages[0] if context.pages else await context.new_page()
        await page.goto(f"{server.url}/scan/pair#{token}")
        await page.wait_for_url(f"{server.url}/scan")
        await page.locator("body[data-camera=on]").wait_for()
        await page.locator("body[data-list-ready=yes]").wait_for()
        await controlled(page)
    finally:
        await context.close()


async def wait_for(predicate, seconds: float = 15.0):
    for _ in range(int(seconds / 0.1)):
        value = await predicate()
        if value:
            return value
        await asyncio.sleep(0.1)
    raise AssertionError("the condition was not met in time")


async def checkins() -> list[dict]:
    return await CheckIn.select().order_by(CheckIn.id)


async def test_staff_scans_a_ticket_green_then_amber_and_an_unknown_ticket_red(playwright, server, videos, artifacts):
    data = await scan_event()
    ines = data["registrations"][0]
    browser = await launch(playwright, videos("ines", ines.ticket_token))
    try:
        context = await browser.new_context(**PHONE)
        page = await context.new_page()
        await _staff_opens_the_scanner(page, server, data["event"].id)
        # One session: it is chosen by itself and the camera starts.
        await page.locator("body[data-camera=on]").wait_for()
        assert await page.evaluate("document.body.dataset.decoder") == "jsqr"  # no BarcodeDetector headless

        green = page.locator("#result[data-result=ok]")
        await green.wait_for(timeout=30000)  # a fresh server, the camera and the decoder warm up on a busy CI
        assert await page.locator("#result-name").inner_text() == "Inès B."
        assert "4" in await page.locator("#result-detail").inner_text()
        assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        await page.screenshot(path=str(artifacts / "scan-green-360.png"))
        rows = await wait_for(checkins)
        assert [(r["registration"], r["flagged"]) for r in rows] == [(ines.id, False)]

        # Back to the camera by itself; still pointed at the same code, it says so in amber and sends nothing.
        await page.locator("#result").wait_for(state="hidden", timeout=4000)
        amber = page.locator("#result[data-result=already]")
        await amber.wait_for(timeout=10000)
        assert await page.locator("#result-name").inner_text() == "Inès B."
        await page.screenshot(path=str(artifacts / "scan-amber-360.png"))
        await page.locator("#result").click()  # a tap closes it
        await page.locator("#result").wait_for(state="hidden")
        assert len(await checkins()) == 1
        assert await page.locator("#pending").get_attribute("data-count") == "0"
        await context.close()
    finally:
        await browser.close()

    await _a_ticket_of_no_registration_is_red(playwright, server, videos, artifacts, data["event"].id)
    assert len(await checkins()) == 1


async def _staff_opens_the_scanner(page, server: ServerProcess, event_id: int) -> None:
    """Karim logs in and picks the event on /scan."""
    await page.goto(f"{server.url}/login?next=/scan")
    await page.locator("input[name=email]").fill("karim@example.org")
    await page.locator("input[name=password]").fill(PASSWORD)
    await page.locator("form[action='/login'] button[type=submit]").click()
    await page.goto(f"{server.url}/scan")
    await page.locator("#event-select").select_option(str(event_id))


async def _a_ticket_of_no_registration_is_red(
    playwright, server: ServerProcess, videos, artifacts, event_id: int
) -> None:
    """Another phone films a code that is no ticket of the event: it shows red."""
    stranger = await launch(playwright, videos("stranger", "pas-un-billet-de-cet-evenement"))
    try:
        context = await stranger.new_context(**PHONE)
        page = await context.new_page()
        await _staff_opens_the_scanner(page, server, event_id)
        await page.locator("#result[data-result=unknown]").wait_for(timeout=10000)
        await page.screenshot(path=str(artifacts / "scan-red-360.png"))
        await context.close()
    finally:
        await stranger.close()


async def test_three_tickets_scanned_while_the_server_is_down_are_recorded_once(
    playwright, server, videos, tmp_path, artifacts
):
    data = await scan_event()
    token = await pair_token(data)
    profile = tmp_path / "phone"
    await prepare_phone(playwright, server, profile, token, videos("blank", None))

    server.stop()  # the car park: no server from here on
    tickets = data["registrations"][:3]
    page = context = None
    for number, registration in enumerate(tickets, start=1):
        if context is not None:
            await context.close()
        context = await phone(playwright, profile, videos(f"ticket{number}", registration.ticket_token))
        page = context.pages[0] if context.pages else await context.new_page()
        await page.goto(f"{server.url}/scan")  # served by the service worker
        await page.locator("#result[data-result=ok][data-source=local]").wait_for(timeout=15000)
        await page.locator(f"#pending[data-count='{number}']").wait_for()
    assert await page.locator("#result-name").inner_text() == "Léa D."
    await page.locator("#result").click()
    await page.locator("#result").wait_for(state="hidden")
    await page.screenshot(path=str(artifacts / "scan-offline-counter-360.png"))
    await page.locator("#pending").click()  # the log of this phone
    await page.locator("#log li[data-state=pending]").nth(2).wait_for()
    assert await page.locator("#log li[data-state=pending]").count() == 3
    await page.screenshot(path=str(artifacts / "scan-offline-log-360.png"))
    await page.locator("#log-panel [data-close]").click()
    assert await checkins() == []

    server.start()  # same port, same database: the phone catches up by itself
    try:
        await page.locator("#pending[data-count='0']").wait_for(timeout=30000)
        rows = await wait_for(lambda: _count(3))
        assert sorted(r["registration"] for r in rows) == sorted(r.id for r in tickets)
        assert len({r["nonce"] for r in rows}) == 3 and not any(r["flagged"] for r in rows)
        await page.reload()
        await page.locator("#pending[data-count='0']").wait_for()
        await page.evaluate("TremplinScanStore.flush()")  # a further round of retries sends nothing twice
        assert len(await checkins()) == 3
    finally:
        await context.close()


async def _count(n: int):
    rows = await checkins()
    return rows if len(rows) >= n else None


async def test_two_phones_scan_the_same_ticket_offline_one_is_flagged(playwright, server, videos, tmp_path, artifacts):
    data = await scan_event()
    ines = data["registrations"][0]
    blank = videos("blank", None)
    ticket = videos("ines", ines.ticket_token)
    profiles = [tmp_path / "phone-a", tmp_path / "phone-b"]
    for n, profile in enumerate(profiles):
        await prepare_phone(playwright, server, profile, await pair_token(data, f"Téléphone {n}"), blank)

    server.stop()
    phone_a = phone_b = None
    try:
        # Each phone alone: green from its own list, one scan waiting. Phone A scans first and stays on; phone B
        # scans next and is put away (its queue stays in its storage), so that the earlier scan reaches the
        # server first (the server keeps the earliest scan as the record).
        for profile in profiles:
            context = await phone(playwright, profile, ticket)
            # The server treats a scan as made offline when it arrives over 30 s late (checkin.OFFLINE_AFTER): only
            # then is the duplicate recorded and flagged (an online duplicate is just refused in amber). Rather than
            # wait 31 s for the server to come back, the phones scan 31 s in the past: their clocks are set back
            # (Playwright's clock; it then runs on, and the page's timers with it).
            await context.clock.install(time=datetime.now(UTC) - OFFLINE_AFTER - timedelta(seconds=1))
            page = context.pages[0] if context.pages else await context.new_page()
            await page.goto(f"{server.url}/scan")
            await page.locator("#result[data-result=ok][data-source=local]").wait_for(timeout=15000)
            await page.locator("#pending[data-count='1']").wait_for()
            if phone_a is None:
                phone_a, page_a = context, page
            else:
                await context.close()

        server.start()
        await page_a.locator("#pending[data-count='0']").wait_for(timeout=30000)
        rows = await wait_for(lambda: _count(1))
        assert [(r["registration"], r["flagged"]) for r in rows] == [(ines.id, False)]

        phone_b = await phone(playwright, profiles[1], blank)  # phone B comes back and sends its scan by itself
        page_b = phone_b.pages[0] if phone_b.pages else await phone_b.new_page()
        await page_b.goto(f"{server.url}/scan")
        await page_b.locator("#pending[data-count='0']").wait_for(timeout=30000)
        rows = await wait_for(lambda: _count(2))
        assert [r["registration"] for r in rows] == [ines.id, ines.id]
        assert sorted(r["flagged"] for r in rows) == [False, True]  # one check-in, one duplicate to look at

        await _only_the_later_scan_is_flagged_in_the_logs(page_a, page_b, artifacts)
    finally:
        for context in (phone_a, phone_b):
            if context is not None:
                await context.close()
    assert await Registration.count().where(Registration.event == data["event"].id) == 4


async def _only_the_later_scan_is_flagged_in_the_logs(page_a, page_b, artifacts) -> None:
    """Phone B's log shows its scan flagged as a duplicate; phone A's log has its scan done and nothing flagged."""
    await page_b.locator("#pending").click()
    await page_b.locator("#log li[data-flagged=yes]").wait_for()
    await page_b.screenshot(path=str(artifacts / "scan-flagged-log-360.png"))
    with contextlib.suppress(Exception):
        await page_a.locator("#result").click(timeout=500)
    await page_a.locator("#pending").click()
    await page_a.locator("#log li[data-state=done]").wait_for()
    assert await page_a.locator("#log li[data-flagged=yes]").count() == 0


async def test_search_check_in_by_hand_undo_and_walk_in(playwright, server, videos, artifacts):
    data = await scan_event()
    yanis = data["registrations"][1]
    browser = await launch(playwright, videos("blank", None))
    try:
        context = await browser.new_context(**PHONE)
        page = await context.new_page()
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        await page.goto(f"{server.url}/scan/pair#{await pair_token(data)}")
        await page.wait_for_url(f"{server.url}/scan")
        await page.locator("body[data-camera=on]").wait_for()

        await _check_in_by_search_then_undo(page, yanis, artifacts)

        await page.locator("#open-walkin").click()
        for field_id in ("walkin-first", "walkin-last", "walkin-phone"):
            assert await page.locator(f"label[for={field_id}]").count() == 1
        await page.locator("#walkin-first").fill("Nora")
        await page.locator("#walkin-last").fill("Haddad")
        await page.locator("#walkin-phone").fill("06 98 76 54 32")
        await page.screenshot(path=str(artifacts / "scan-walkin-360.png"))
        await page.locator("#walkin-form button[type=submit]").click()
        await page.locator("#toast").wait_for()
        assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        rows = await wait_for(checkins)
        walk_in = await Registration.objects().where(Registration.id == rows[0]["registration"]).first()
        assert walk_in.source == "walk_in" and len(rows) == 1
        assert problems == []  # no script error, nothing refused by the Content-Security-Policy
        await context.close()
    finally:
        await browser.close()


async def _none_left():
    return not await checkins()


async def _check_in_by_search_then_undo(page, yanis: Registration, artifacts) -> None:
    """Yanis found by name and checked in by hand (recorded as manual), then the tap undone (no check-in left)."""
    await page.locator("#open-search").click()
    await page.locator("#search-q").fill("yanis")
    await page.locator("#search-form button[type=submit]").click()
    await page.locator("#search-results li").first.wait_for()
    await page.screenshot(path=str(artifacts / "scan-search-360.png"))
    await page.locator("#search-results li button[data-status=present]").first.click()
    await page.locator("#result[data-result=ok]").wait_for()
    assert await page.locator("#result-name").inner_text() == "Yanis M."
    rows = await wait_for(checkins)
    assert [(r["registration"], r["source"]) for r in rows] == [(yanis.id, "manual")]
    await page.locator("#result").click()

    await page.locator("#undo").click()  # a wrong tap: undone on the server too
    await wait_for(lambda: _none_left())
    await page.locator("#pending[data-count='0']").wait_for()
