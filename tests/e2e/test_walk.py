"""Issue 13, point 19: every role walks every page it can reach, at 360 px and 1280 px, after a demo that has
been used (registrations, a composed and published rally, scans, texts sent, a cancellation)."""

from __future__ import annotations

import asyncio
import json

from app.demo import DEMO_LOGINS, DEMO_PASSWORD, load_demo
from events.tables import Event, EventStatus, Format
from registration.tables import Registration
from tests.e2e.walk import WIDTHS, Walk, crawl, revisit
from tests.factories.registration import personal_token


async def _demo_events() -> list[dict]:
    """The rally, the job dating, the meetup, the next information session and the cancelled permanence."""
    rows = await Event.select(Event.id, Event.format, Event.status, Event.public_token).order_by(Event.starts_on)
    chosen: dict[str, dict] = {}
    for row in rows:
        if row["status"] == EventStatus.cancelled:
            chosen.setdefault("cancelled", row)
        elif row["status"] == EventStatus.published:
            chosen.setdefault(row["format"], row)
    return list(chosen.values())


async def _personal_pages(events: list[dict]) -> list[str]:
    """A youth's page in each state: a rally team member, the one left waiting, the one who cancelled, a youth
    of the job dating and of the cancelled permanence."""
    pages = []
    for event in events:
        for status in ("confirmed", "waiting", "cancelled"):
            row = (
                await Registration.select(Registration.id)
                # An erased youth's registration has no page left (registration.tokens).
                .where(
                    (Registration.event == event["id"])
                    & (Registration.status == status)
                    & (Registration.manage_sealed != "")
                )
                .first()
            )
            if row:
                pages.append(f"/r/{await personal_token(row['id'])}")
    return pages


async def _log_in(context, base: str, email: str) -> None:
    page = await context.new_page()
    await page.goto(f"{base}/login")
    await page.get_by_label("Adresse e-mail").fill(email)
    await page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="Se connecter").click()
    await page.wait_for_url(f"{base}/")
    await page.close()


async def test_every_role_walks_every_page_at_both_widths_without_a_defect(live_server, browser, artifacts):
    await load_demo()
    events = await _demo_events()
    assert {e["format"] for e in events} >= {Format.rallye, Format.job_dating, Format.info_collective}
    walk = Walk(base=live_server, kept_apart={str(e["id"]) for e in events})
    roles: dict[str, tuple[list[str], tuple[str, ...]]] = {role: (["/", "/scan"], ("/",)) for role in DEMO_LOGINS}
    youth_pages = [f"/e/{e['public_token']}" for e in events] + await _personal_pages(events)
    roles["youth"] = (youth_pages, ("/e/", "/r/", "/accessibility"))
    counted: dict[str, int] = {}
    together = asyncio.Semaphore(3)  # roles walk side by side: the server and Chromium wait on each other

    async def walk_as(role: str, seeds: list[str], stay_under: tuple[str, ...]) -> None:
        async with together:
            context = await browser.new_context(locale="fr-FR", bypass_csp=True)
            try:
                if role in DEMO_LOGINS:
                    await _log_in(context, live_server, DEMO_LOGINS[role])
                pages = await crawl(walk, context, role, seeds, stay_under=stay_under)
                await revisit(walk, context, role, pages, 360)
                counted[role] = len(pages)
            finally:
                await context.close()

    await asyncio.gather(*(walk_as(role, *plan) for role, plan in roles.items()))
    summary = {
        "pages_by_role": counted,
        "widths": sorted(WIDTHS),
        "visits": walk.visits,
        "audit_seconds": round(walk.audit_seconds),
        "slowest": sorted(walk.slowest)[-25:],
        "kinds": sorted(walk.kinds),
        "problems": walk.problems,
    }
    (artifacts / "walk.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    assert not walk.problems, "\n".join(walk.problems)
