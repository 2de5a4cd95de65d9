"""The organiser's dashboard and the bilans: what their events reached and what followed."""

import html
from datetime import date, timedelta

import pytest

from accounts.tables import Role
from core.clock import utcnow
from core.errors import NotFound
from dashboard import figures as dashboard_figures
from dashboard import services
from outcomes import services as outcomes
from outcomes.services import ResultInput
from outcomes.tables import ResultKind
from privacy import erasure
from registration.tables import RegistrationStatus
from tests.factories.accounts import make_organisation, make_user, principal
from tests.factories.outcomes import came, past_event, situation
from tests.factories.registration import make_registration, make_youth
from tests.support import login


async def _an_information_session_with_what_followed():
    """Four registered: three came (one from a priority neighbourhood), one did not; one cancelled. Of those who
    came, one found a permanent job and one got a CV taken at the session."""
    past = await past_event(days_ago=40)
    others = [
        await make_youth(
            past.organisation, "Lucas", "Martin", "+33611111111", qpv=True, birth_date=date(2004, 5, 1), gender="male"
        ),
        await make_youth(past.organisation, "Sarah", "Roux", "+33622222222"),
        await make_youth(past.organisation, "Yanis", "Durand", "+33633333333"),
    ]
    for youth in others:
        await make_registration(past.event, youth)
    gone = await make_youth(past.organisation, "Léa", "Petit", "+33644444444")
    await make_registration(past.event, gone, status=RegistrationStatus.cancelled)
    await came(past, past.youth, others[0], others[1])
    await outcomes.record_situation(past.organiser, past.youth.id, situation("cdi", event=past.event.id))
    await outcomes.record_result(
        past.organiser, past.registration.id, ResultInput(kind=ResultKind.cv_left, company_name="Boulangerie Martin")
    )
    return past


def _scope(past, **fields):
    today = utcnow().date()
    return dashboard_figures.Scope(past.organisation.id, today - timedelta(days=365), today, **fields)


async def test_the_funnel_counts_who_registered_who_came_and_what_followed():
    past = await _an_information_session_with_what_followed()
    found = await dashboard_figures.figures(_scope(past))
    assert (found.events, found.registered, found.came, found.followed) == (1, 4, 3, 1)
    assert found.cancelled == 1 and found.youths == 3 and found.qpv == 1
    assert found.genders == {"": 2, "female": 0, "male": 1, "other": 0}
    assert found.no_show_rate == pytest.approx(0.25)
    assert found.hours == 9  # three youths, three hours each: the session's length
    assert found.categories["durable_job"] == 1 and found.categories["positive_exit"] == 0
    assert found.results == {"cv_left": 1}
    assert found.by_format == [("info_collective", 4, 3)]


async def test_a_period_or_a_format_without_events_shows_zeros_not_an_error():
    past = await _an_information_session_with_what_followed()
    found = await dashboard_figures.figures(_scope(past, format="rallye"))
    assert (found.events, found.registered, found.came, found.youths, found.minutes) == (0, 0, 0, 0, 0)
    assert found.no_show_rate is None


async def test_the_organiser_reads_the_dashboard_and_prints_the_bilans(client):
    past = await _an_information_session_with_what_followed()
    await login(client, "sophie@etti.test")
    today = utcnow().date()
    page = await client.get(f"/dashboard/?from={today - timedelta(days=365)}&to={today}")
    text = html.unescape(page.text)
    assert page.status_code == 200
    assert "Tableau de bord" in text and "<svg" in text and "Emploi durable" in text
    bilan = await client.get(f"/dashboard/bilan.pdf?from={today - timedelta(days=365)}&to={today}")
    assert bilan.status_code == 200 and bilan.content.startswith(b"%PDF")
    event_bilan = await client.get(f"/events/{past.event.id}/bilan.pdf")
    assert event_bilan.status_code == 200 and event_bilan.content.startswith(b"%PDF")


async def test_a_period_the_wrong_way_round_is_refused_on_the_form(client):
    await _an_information_session_with_what_followed()
    await login(client, "sophie@etti.test")
    page = await client.get("/dashboard/?from=2026-12-31&to=2026-01-01")
    assert page.status_code == 400
    assert "Choisissez une date de début" in html.unescape(page.text)


async def test_another_organisations_figures_and_bilans_stay_out_of_reach():
    past = await _an_information_session_with_what_followed()
    stranger = await principal(
        await make_user("autre@ml.test", await make_organisation("Mission Locale Ailleurs"), Role.admin)
    )
    with pytest.raises(NotFound):
        services.scope_of(stranger, {"organisation": str(past.organisation.id)})
    with pytest.raises(NotFound):
        await services.event_bilan(stranger, past.event.id)


async def test_erasing_a_youth_leaves_the_dashboards_totals_unchanged():
    past = await _an_information_session_with_what_followed()
    admin = await principal(await make_user("admin@etti.test", past.organisation, Role.admin))
    before = await dashboard_figures._read(_scope(past))
    await erasure.erase(admin, past.youth.id)
    after = await dashboard_figures._read(_scope(past))
    assert before == after
