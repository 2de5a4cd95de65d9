"""What came of an event for each youth: situations at follow-up dates and results on the spot."""

import html
import re
from datetime import timedelta

import pytest

from accounts.tables import OrganisationKind, Role, User
from core.clock import utcnow
from core.errors import Forbidden, NotFound
from outcomes import errors
from outcomes.services import ResultInput, record_result, record_situation, situations_of
from outcomes.situations import Category, category, is_dynamic
from outcomes.tables import Result, Situation, SituationKind
from registration.tables import Registration
from tests.factories.accounts import make_organisation, make_user, principal
from tests.factories.events import adviser_of_partner
from tests.factories.outcomes import came, past_event, situation
from tests.support import login

# CONTEXT.md: the IAE "sorties dynamiques" and what is counted but not dynamic.
EXPECTED = {
    "cdi": Category.durable_job,
    "long_contract": Category.durable_job,
    "business": Category.durable_job,
    "short_contract": Category.transition_job,
    "subsidised": Category.transition_job,
    "alternance": Category.positive_exit,
    "training": Category.positive_exit,
    "siae_hire": Category.positive_exit,
    "immersion": Category.other,
    "civic_service": Category.other,
    "school": Category.other,
    "job_seeking": Category.other,
    "inactive": Category.other,
    "no_news": Category.other,
}


@pytest.mark.parametrize("kind", [k.value for k in SituationKind])
def test_every_situation_counts_in_its_reporting_category(kind):
    assert category(kind) == EXPECTED[kind]
    assert is_dynamic(kind) == (EXPECTED[kind] != Category.other)


async def test_an_adviser_records_a_situation_and_a_later_one_never_erases_it():
    past = await past_event()
    earlier = await record_situation(past.organiser, past.youth.id, situation("job_seeking", event=past.event.id))
    later = await record_situation(
        past.organiser, past.youth.id, situation("short_contract", contract_months=3, employer="Intermarché")
    )
    found = await situations_of(past.youth.id)
    assert [(s["id"], s["kind"]) for s in found] == [(later, "short_contract"), (earlier, "job_seeking")]
    assert all(s["recorded_by"] == past.organiser.id for s in found)


async def test_a_situation_dated_before_the_event_is_refused_and_nothing_is_saved():
    past = await past_event(days_ago=10)
    before = past.event.starts_on - timedelta(days=1)
    with pytest.raises(errors.SituationBeforeEvent):
        await record_situation(past.organiser, past.youth.id, situation("cdi", since=before, event=past.event.id))
    assert await Situation.count() == 0


async def test_a_situation_in_the_future_is_refused():
    past = await past_event()
    with pytest.raises(errors.DateInFuture):
        await record_situation(
            past.organiser, past.youth.id, situation("cdi", since=utcnow().date() + timedelta(days=2))
        )
    assert await Situation.count() == 0


async def test_a_contract_length_must_agree_with_the_situation():
    past = await past_event()
    with pytest.raises(errors.ContractLengthMismatch):
        await record_situation(past.organiser, past.youth.id, situation("long_contract", contract_months=4))
    with pytest.raises(errors.ContractLengthMismatch):
        await record_situation(past.organiser, past.youth.id, situation("short_contract", contract_months=6))
    assert await Situation.count() == 0
    await record_situation(past.organiser, past.youth.id, situation("long_contract", contract_months=6))
    await record_situation(past.organiser, past.youth.id, situation("short_contract"))  # the length is optional
    assert await Situation.count() == 2


async def test_a_viewer_reads_but_does_not_record_and_another_organisation_sees_nothing():
    past = await past_event()
    viewer = await make_user("observatoire@etti.test", past.organisation, Role.viewer)
    with pytest.raises(Forbidden):
        await record_situation(await principal(viewer), past.youth.id, situation())
    elsewhere = await make_organisation("ETTI Ardèche", OrganisationKind.siae)
    stranger = await make_user("admin@ardeche.test", elsewhere, Role.admin)
    with pytest.raises(NotFound):
        await record_situation(await principal(stranger), past.youth.id, situation())
    assert await Situation.count() == 0


async def test_the_adviser_who_referred_the_youth_records_their_situation():
    past = await past_event()
    ml = await adviser_of_partner(past.event)
    adviser = await principal(await User.objects().where(User.email == "karima@ml.test").first())
    await Registration.update({Registration.referring_organisation: ml.id, Registration.referred_by: adviser.id}).where(
        Registration.id == past.registration.id
    )
    await record_situation(adviser, past.youth.id, situation("training", source="youth"))
    found = await situations_of(past.youth.id)
    assert found[0]["kind"] == "training" and found[0]["author"] == adviser.full_name


async def test_a_result_names_the_company_and_is_refused_before_the_event_began():
    past = await past_event()
    await record_result(past.organiser, past.registration.id, ResultInput(kind="cv_left", company_name="Brico Dépôt"))
    assert (await Result.select(Result.kind, Result.company_name).first()) == {
        "kind": "cv_left",
        "company_name": "Brico Dépôt",
    }
    with pytest.raises(errors.CompanyRequired):
        await record_result(past.organiser, past.registration.id, ResultInput(kind="cv_left"))
    early = await past_event(days_ago=-5, email="claire@etti.test")
    with pytest.raises(errors.ResultBeforeEvent):
        await record_result(early.organiser, early.registration.id, ResultInput(kind="contact_taken", company_name="X"))
    assert await Result.count() == 1


async def test_an_advisers_list_of_their_youths_shows_hours_attended_and_what_followed(client):
    past = await past_event()
    await came(past)
    ml = await adviser_of_partner(past.event)
    adviser = await principal(await User.objects().where(User.email == "karima@ml.test").first())
    await Registration.update({Registration.referring_organisation: ml.id, Registration.referred_by: adviser.id}).where(
        Registration.id == past.registration.id
    )
    await record_situation(adviser, past.youth.id, situation("cdi", employer="Valrhona"))
    await login(client, "karima@ml.test")
    page = html.unescape((await client.get("/youths")).text)
    assert "Inès Benali" in page and "CDI (Emploi durable)" in page
    assert re.search(r"<td>3</td><td>CDI", page)  # a three-hour session, no exit scan: counted to its end
