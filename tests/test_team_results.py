"""A rally companion records on their phone what each youth of their team got at each company."""

import html
from datetime import timedelta

import pytest

from accounts.tables import Role, User
from core.clock import utcnow
from core.errors import Forbidden
from outcomes import errors, team_results
from outcomes.tables import Result
from planning import companions
from planning import services as planning_services
from planning.tables import Companion, Team
from tests.factories.accounts import make_user, principal
from tests.factories.checkin import rally_under_way
from tests.support import login


async def _companion_of_team(rally, email: str = "sami@compagnon.test"):
    """Team 3's companion, with an account of their own (a volunteer of the organisation)."""
    user = await make_user(email, rally.organisation, Role.viewer)
    companion = Companion(event=rally.event.id, full_name="Sami Haddad", user=user.id)
    await companion.save()
    await Team.update({Team.companion: companion.id}).where(Team.id == rally.teams[0].id)
    return user


async def test_a_companion_records_their_teams_results_at_a_visit_from_their_phone(client):
    rally = await rally_under_way()
    await _companion_of_team(rally)
    await login(client, "sami@compagnon.test")
    team, visit = rally.teams[0], rally.visits[0]
    page = await client.get(f"/events/{rally.event.id}/teams/{team.id}/results")
    assert page.status_code == 200 and "Garage Martin" in html.unescape(page.text)
    first, second = rally.registrations[:2]

    token = client.cookies.get("tremplin_csrf")
    sent = await client.post(
        f"/events/{rally.event.id}/teams/{team.id}/results",
        data={
            "_csrf_token": token,
            "visit": str(visit.id),
            "result": [f"{first}:cv_left", f"{first}:contact_taken", f"{second}:interview_booked"],
        },
    )
    assert sent.status_code in (302, 303)
    rows = await Result.select(Result.registration, Result.kind, Result.visit, Result.company).order_by(Result.id)
    company = rally.companies["Garage Martin"].id if "Garage Martin" in rally.companies else None
    assert [(r["registration"], r["kind"], r["visit"]) for r in rows] == [
        (first, "cv_left", visit.id),
        (first, "contact_taken", visit.id),
        (second, "interview_booked", visit.id),
    ]
    assert all(r["company"] == company for r in rows)
    again = await team_results.record_visit(
        await principal(await User.objects().where(User.email == "sami@compagnon.test").first()),
        rally.event.id,
        team.id,
        visit.id,
        [(first, "cv_left")],
    )
    assert again == 0  # recorded once


async def test_someone_else_than_the_companion_or_the_staff_cannot_record():
    rally = await rally_under_way()
    await _companion_of_team(rally)
    other = await principal(await make_user("autre@ml.test", rally.organisation, Role.viewer))
    with pytest.raises(Forbidden):
        await team_results.record_visit(other, rally.event.id, rally.teams[0].id, rally.visits[0].id, [])


async def test_a_result_at_a_visit_that_has_not_begun_is_refused():
    rally = await rally_under_way()
    user = await _companion_of_team(rally)
    before = rally.visits[0].starts_at - timedelta(minutes=30)
    with pytest.raises(errors.ResultBeforeEvent):
        await team_results.record_visit(
            await principal(user),
            rally.event.id,
            rally.teams[0].id,
            rally.visits[0].id,
            [(rally.registrations[0], "cv_left")],
            now=before,
        )
    assert await Result.count() == 0
    assert utcnow() >= rally.visits[0].starts_at


async def test_a_companion_linked_by_their_account_email_finds_their_team_on_their_home_page(client):
    rally = await rally_under_way()
    organiser = await principal(await make_user("coord@collectif.test", rally.organisation, Role.organiser))
    volunteer = await make_user("benevole@collectif.test", rally.organisation, Role.viewer)
    with pytest.raises(companions.NoSuchCompanionAccount):
        await planning_services.add_companion(organiser, rally.event.id, "Sami", "", False, "inconnu@ailleurs.test")
    await planning_services.add_companion(organiser, rally.event.id, "Sami Haddad", "", True, "Benevole@collectif.test")
    companion = await Companion.objects().where(Companion.full_name == "Sami Haddad").first()
    assert companion.user == volunteer.id
    await Team.update({Team.companion: companion.id}).where(Team.id == rally.teams[0].id)

    await login(client, "benevole@collectif.test")
    home = html.unescape((await client.get("/")).text)
    assert "Rallye pour l'emploi" in home and "équipe 3" in home
    assert f"/events/{rally.event.id}/teams/{rally.teams[0].id}/results" in home
