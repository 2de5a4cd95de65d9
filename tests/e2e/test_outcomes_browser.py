"""What came of the demo rally and of the last information session, in a browser: a companion records their
team's results on a 360 px phone, the ETTI's director opens her follow-ups, a youth answers the link of their
text, and the adviser who referred that youth sees the answer in her list."""

import re
from datetime import UTC, date, datetime, time, timedelta

from accounts.tables import User
from app.demo import DEMO_PASSWORD, load_demo
from events.tables import Event, Format
from messaging.tables import OutboxMessage
from outcomes import self_report
from outcomes.tables import FollowUp, Result, Situation
from planning.tables import Team

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


async def _nothing_wider_than(page) -> list[str]:
    return await page.evaluate(
        "[...document.querySelectorAll('body *')]"
        ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.table-scroll'))"
        ".slice(0, 8).map(e => e.outerHTML.slice(0, 120))"
    )


async def _a_youth_karima_referred_with_a_pending_first_follow_up() -> tuple[dict, date]:
    karima = await User.objects().where(User.email == "conseillere.valence@tremplin.local").first()
    rows = await (
        FollowUp.select(
            FollowUp.id,
            FollowUp.due_on,
            FollowUp.registration.event.starts_on.as_alias("event_day"),
            FollowUp.registration.participant.as_alias("youth"),
            FollowUp.registration.participant.first_name.as_alias("first_name"),
            FollowUp.registration.participant.last_name.as_alias("last_name"),
            FollowUp.registration.participant.phone.as_alias("phone"),
        )
        .where(
            (FollowUp.registration.referred_by == karima.id)
            & FollowUp.done_at.is_null()
            & FollowUp.token_hash.is_null()
            & (FollowUp.days == 30)
        )
        .order_by(FollowUp.due_on)
    )
    assert rows, "the demo has a youth of Karima's who came to an information session"
    return rows[0], rows[0]["due_on"]


async def test_a_companion_records_results_the_director_follows_up_the_youth_answers_the_adviser_sees(
    live_server, browser, artifacts
):
    await load_demo(date.today() - timedelta(days=23))  # the demo's rally took place last week
    await _julien_records_his_teams_results_on_his_phone(live_server, browser, artifacts)
    youth, due_on = await _a_youth_karima_referred_with_a_pending_first_follow_up()
    await _the_director_finds_the_youth_in_her_follow_ups(live_server, browser, artifacts, youth)
    await _the_youth_answers_the_link_of_their_text_once(live_server, browser, artifacts, youth, due_on)
    await _karima_sees_the_answer_in_her_youths_list(live_server, browser, artifacts, youth)


async def _julien_records_his_teams_results_on_his_phone(live_server, browser, artifacts) -> None:
    """Julien, adviser at Montélimar and the companion of a team, on his phone."""
    rally = await Event.objects().where(Event.format == Format.rallye).first()
    julien = await User.objects().where(User.email == "conseiller.montelimar@tremplin.local").first()
    team = await Team.objects().where((Team.event == rally.id) & (Team.companion.user == julien.id)).first()
    assert team is not None, "the planner gave Julien Arnaud a team"
    context, page = await _log_in(browser, live_server, "conseiller.montelimar@tremplin.local", PHONE)
    try:
        await page.get_by_role("link", name="Noter les résultats de l'équipe").click()
        await page.get_by_role("heading", name=re.compile(f"Équipe {team.number}")).wait_for()
        first_visit = page.locator("article").first
        await first_visit.get_by_role("checkbox", name="CV déposé").first.check()
        await first_visit.get_by_role("checkbox", name="Contact pris").nth(1).check()
        await first_visit.get_by_role("button", name=re.compile("^Enregistrer pour")).click()
        await page.locator("article").first.get_by_text("Déjà noté :").wait_for()
        assert not await _nothing_wider_than(page)
        await page.screenshot(path=str(artifacts / "outcomes-companion-360.png"), full_page=True)
    finally:
        await context.close()
    recorded = await Result.select(Result.kind, Result.recorded_by).where(Result.visit.is_not_null())
    assert sorted(r["kind"] for r in recorded) == ["contact_taken", "cv_left"]
    assert {r["recorded_by"] for r in recorded} == {julien.id}


async def _the_director_finds_the_youth_in_her_follow_ups(live_server, browser, artifacts, youth: dict) -> None:
    """The ETTI's director, who ran the information sessions, opens her follow-ups."""
    name = f"{youth['first_name']} {youth['last_name']}"
    context, page = await _log_in(browser, live_server, "directrice.etti@tremplin.local", DESKTOP)
    try:
        await page.goto(f"{live_server}/follow-ups?scope=all&state=overdue")
        if not await page.get_by_role("link", name=name).count():
            await page.goto(f"{live_server}/follow-ups?scope=all&state=due")
        await page.get_by_role("link", name=name).first.wait_for()
        await page.screenshot(path=str(artifacts / "outcomes-follow-ups-1280.png"), full_page=True)
    finally:
        await context.close()


async def _the_youth_answers_the_link_of_their_text_once(
    live_server, browser, artifacts, youth: dict, due_on: date
) -> None:
    """The first follow-up falls due: a text with the youth's own link; they answer on their phone."""
    await self_report.send_due(datetime.combine(due_on, time(9), UTC))
    text = await (
        OutboxMessage.select(OutboxMessage.body_text)
        .where((OutboxMessage.recipient == youth["phone"]) & OutboxMessage.body_text.like("%/s/%"))
        .first()
    )
    assert text is not None, "the youth was texted their link"
    path = re.search(r"/s/[\w-]+", text["body_text"]).group(0)
    context = await browser.new_context(viewport=PHONE, locale="fr-FR")
    page = await context.new_page()
    try:
        await page.goto(f"{live_server}{path}")
        await page.get_by_label("1. Où en êtes-vous aujourd’hui ?").select_option("training")
        await page.get_by_label("2. Depuis quand ?").fill((youth["event_day"] + timedelta(days=7)).isoformat())
        await page.get_by_label("3. Un mot pour votre conseiller", exact=False).fill("Rappelez-moi pour le permis.")
        await page.screenshot(path=str(artifacts / "outcomes-self-report-360.png"), full_page=True)
        await page.get_by_role("button", name="Envoyer ma réponse").click()
        await page.get_by_role("heading", name=f"Merci, {youth['first_name']} !").wait_for()
        assert not await _nothing_wider_than(page)
        await page.goto(f"{live_server}{path}")  # the link worked once
        await page.get_by_role("heading", name="Vous avez déjà répondu").wait_for()
    finally:
        await context.close()
    answered = await Situation.select(Situation.kind, Situation.source).where(Situation.participant == youth["youth"])
    assert {"kind": "training", "source": "youth"} in answered


async def _karima_sees_the_answer_in_her_youths_list(live_server, browser, artifacts, youth: dict) -> None:
    """Karima, who referred the youth, sees it in her youths' list."""
    context, page = await _log_in(browser, live_server, "conseillere.valence@tremplin.local", PHONE)
    try:
        await page.goto(f"{live_server}/youths?q={youth['last_name']}")
        row = page.get_by_role("row").filter(has_text=youth["first_name"])
        cell = row.get_by_text("Formation", exact=False).first
        await cell.scroll_into_view_if_needed()
        await page.screenshot(path=str(artifacts / "outcomes-adviser-360.png"), full_page=True)
    finally:
        await context.close()
