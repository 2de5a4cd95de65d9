"""Issue 13: numbers, durations and times read the French way, the small things around the pages
(favicon, accessibility statement, request log, quiet-hours log) and the road sheet's sketch."""

from __future__ import annotations

import logging
import math
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.cli import build_parser
from core.db import write_transaction
from core.i18n import current_language
from core.templating import make_environment
from messaging import outbox
from planning.documents import sketch
from tests.factories.accounts import organiser
from tests.factories.events import NEXT_MONTH, make_session
from tests.factories.registration import published_event


def _render(source: str, language: str = "fr", **context) -> str:
    token = current_language.set(language)
    try:
        return make_environment().from_string(source).render(**context)
    finally:
        current_language.reset(token)


def test_planning_figures_read_as_a_french_organiser_writes_them():
    figures = "{{ gap | number('0.00') }} · {{ travel | duration }} · {{ short | duration }} · {{ big | number }}"
    context = {"gap": 0.4123, "travel": 583, "short": 45, "big": 1250}
    assert _render(figures, **context) == "0,41 · 9 h 43 · 45 min · 1\u202f250"
    assert _render(figures, "en", **context) == "0.41 · 9 h 43 · 45 min · 1,250"


def test_planning_page_shows_the_metrics_through_the_french_filters():
    source = Path("templates/planning/planning.html").read_text(encoding="utf-8")
    assert '"%.2f"' not in source and "total_travel_minutes | duration" in source


def test_dates_with_a_time_never_show_seconds():
    morning = datetime(2026, 3, 10, 8, 30, tzinfo=UTC)
    for fmt in ("full", "long", "medium", "short"):
        shown = _render("{{ when | datetime(fmt) }}", when=morning, fmt=fmt)
        assert "08:30" in shown and not re.search(r"\d\d:\d\d:\d\d", shown), shown


async def test_youth_choosing_a_slot_sees_times_without_seconds(client):
    event = await published_event(capacity=None)
    nine = datetime.combine(NEXT_MONTH, datetime.min.time(), UTC).replace(hour=8)
    for hours in (0, 2):
        await make_session(event, nine + timedelta(hours=hours), nine + timedelta(hours=hours + 1), capacity=5)
    page = (await client.get(f"/e/{event.public_token}")).text
    assert "Your time slot" in page or "Votre créneau" in page or 'name="session_id"' in page
    assert not re.search(r"\d\d:\d\d:\d\d", page)


async def test_home_page_says_no_message_failed_in_words(client):
    await organiser(client)
    page = (await client.get("/")).text
    assert "Aucun message en échec" in page
    assert "0 message n'a pas pu partir" not in page


async def test_messages_page_says_how_many_failed_in_words(client):
    organisation, _ = await organiser(client)
    page = (await client.get(f"/organisations/{organisation.id}/messages/")).text
    assert "Aucun message en échec" in page


async def test_anyone_reads_the_accessibility_statement_linked_from_every_footer(client):
    statement = await client.get("/accessibility")
    assert statement.status_code == 200
    text = statement.text
    for words in ("Déclaration d'accessibilité", "RGAA", "axe-core", "360 px", "clavier", "Défenseur des droits"):
        assert words in text, words
    event = await published_event()
    youth_page = (await client.get(f"/e/{event.public_token}")).text
    assert 'href="/accessibility"' in youth_page and 'href="/accessibility"' in text


async def test_every_page_names_a_favicon_that_exists(client):
    page = (await client.get("/accessibility")).text
    assert '<link rel="icon" href="/static/favicon.svg"' in page
    icon = await client.get("/static/favicon.svg")
    assert icon.status_code == 200 and b"<svg" in icon.content


def test_serve_logs_each_request_unless_told_not_to():
    assert build_parser().parse_args(["serve"]).access_log is True
    assert build_parser().parse_args(["serve", "--no-access-log"]).access_log is False


async def test_a_text_held_for_the_quiet_hours_says_so_in_the_log(settings, caplog):
    night = datetime(2026, 3, 10, 22, 30, tzinfo=UTC)
    with caplog.at_level(logging.INFO, logger="tremplin.outbox"):
        async with write_transaction():
            await outbox.enqueue_sms(to="+33612345678", text="Rappel", key="held-at-night", now=night)
    assert "held-at-night" in caplog.text and "quiet hours" in caplog.text


def test_road_sheet_sketch_keeps_visit_one_off_the_meeting_point():
    depot = {"name": "Mission Locale", "lat": 44.9334, "lon": 4.8924}
    next_door = {"name": "EHPAD Les Tilleuls", "lat": 44.93345, "lon": 4.89245}
    far = {"name": "Garage", "lat": 44.96, "lon": 4.93}
    drawn = sketch([depot, next_door, far])
    meeting, first = drawn["markers"][0], drawn["markers"][1]
    assert meeting["depot"] and first["label"] == "1"
    assert math.dist((meeting["x"], meeting["y"]), (first["x"], first["y"])) >= 24
    assert first["at"] is not None  # tied back to its true place with a line
    svg = _render(Path("templates/planning/_map.html").read_text(encoding="utf-8"), map=drawn, map_id="m")
    assert svg.count("<line") == 2  # the tie and the scale bar
