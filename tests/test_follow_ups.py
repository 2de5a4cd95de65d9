"""Follow-ups: falling due one, three and six months after an event for the youths who came; the list the
organiser and the adviser work through; the youth's own answer through a link, once."""

import html
import re
from datetime import datetime, time, timedelta

from accounts.tables import Organisation, Role
from core.clock import utcnow
from core.settings import get_settings
from messaging.tables import OutboxMessage
from outcomes import followups, reminders, self_report
from outcomes.tables import FollowUp, Situation
from registration.tables import Registration
from tests.factories.accounts import make_user, principal
from tests.factories.events import adviser_of_partner
from tests.factories.outcomes import came, past_event
from tests.factories.registration import make_registration, make_youth
from tests.support import login, post_form


def text(response) -> str:
    return html.unescape(response.text)


async def test_follow_ups_fall_due_one_three_and_six_months_after_the_event_for_those_who_came():
    past = await past_event(days_ago=1)
    no_show = await make_youth(past.organisation, "Yanis", "Roux", phone="+33611111111")
    await make_registration(past.event, no_show)
    await came(past)

    assert await followups.schedule() == 3
    assert await followups.schedule() == 0  # once, however often it runs
    due = await FollowUp.select(FollowUp.days, FollowUp.due_on, FollowUp.registration).order_by(FollowUp.days)
    assert [(d["days"], d["due_on"]) for d in due] == [
        (days, past.event.ends_on + timedelta(days=days)) for days in (30, 90, 180)
    ]
    assert {d["registration"] for d in due} == {past.registration.id}  # not the youth who did not come


async def test_an_organisation_chooses_its_follow_up_delays():
    past = await past_event(days_ago=1)
    await Organisation.update({Organisation.follow_up_days: "15,45"}).where(Organisation.id == past.organisation.id)
    await came(past)
    await followups.schedule()
    assert [r["days"] for r in await FollowUp.select(FollowUp.days).order_by(FollowUp.days)] == [15, 45]


async def test_the_work_list_shows_what_is_due_this_week_overdue_and_done():
    past = await past_event(days_ago=1)
    await came(past)
    await followups.schedule()
    first_due = past.event.ends_on + timedelta(days=30)

    early = await followups.work_list(past.organiser, today=first_due - timedelta(days=10))
    assert early.counts == {"due": 0, "overdue": 0, "done": 0}
    week = await followups.work_list(past.organiser, today=first_due - timedelta(days=3))
    assert [row.days for row in week.rows] == [30] and week.rows[0].name == "Inès Benali"
    late = await followups.work_list(past.organiser, "overdue", today=first_due + timedelta(days=2))
    assert [row.days for row in late.rows] == [30]


async def test_an_adviser_sees_the_follow_ups_of_the_youths_they_referred_only(client):
    past = await past_event(days_ago=1)
    ml = await adviser_of_partner(past.event)
    adviser_user = await make_user("claire@ml.test", ml, Role.adviser)
    await Registration.update({Registration.referred_by: adviser_user.id}).where(
        Registration.id == past.registration.id
    )
    other = await make_youth(past.organisation, "Léa", "Martin", phone="+33622222222")
    await make_registration(past.event, other)
    await came(past, past.youth, other)
    await followups.schedule()
    first_due = past.event.ends_on + timedelta(days=30)

    adviser = await principal(adviser_user)
    mine = await followups.work_list(adviser, today=first_due)
    assert mine.scope == "mine" and [row.name for row in mine.rows] == ["Inès Benali"]
    karima = await principal(await make_user("karima2@ml.test", ml, Role.adviser))
    assert (await followups.work_list(karima, today=first_due)).rows == []  # a colleague's youth, not hers
    organiser = await followups.work_list(past.organiser, today=first_due)
    assert sorted(row.name for row in organiser.rows) == ["Inès Benali", "Léa Martin"]


async def test_recording_the_situation_from_the_list_marks_the_follow_up_done(client):
    past = await past_event(days_ago=31)
    await came(past)
    await followups.schedule()
    await login(client, "sophie@etti.test")
    page = await client.get("/follow-ups?state=overdue")
    assert page.status_code == 200 and "Inès Benali" in text(page)
    follow_up = await FollowUp.select(FollowUp.id).where(FollowUp.days == 30).first()
    form = await client.get(f"/follow-ups/{follow_up['id']}")
    for name in ("kind", "since", "contract_months", "employer", "source", "notes"):
        assert f'<label for="field-{name}"' in form.text, name

    refused = await post_form(
        client,
        f"/follow-ups/{follow_up['id']}",
        {"kind": "long_contract", "since": (utcnow().date() + timedelta(days=3)).isoformat(), "contract_months": "3"},
    )
    assert refused.status_code == 400
    assert "dans le futur" in text(refused) and "Un contrat de 3 mois" in text(refused)  # every error at once
    assert await Situation.count() == 0

    since = (utcnow().date() - timedelta(days=5)).isoformat()
    done = await post_form(
        client,
        f"/follow-ups/{follow_up['id']}",
        {
            "kind": "short_contract",
            "since": since,
            "contract_months": "3",
            "employer": "Intermarché",
            "source": "youth",
        },
    )
    assert done.status_code in (302, 303)
    assert (await FollowUp.select(FollowUp.done_at).where(FollowUp.id == follow_up["id"]).first())["done_at"]
    youth_page = text(await client.get(f"/youths/{past.youth.id}"))
    assert "CDD ou intérim de moins de 6 mois" in youth_page and "Emploi de transition" in youth_page


async def test_the_youth_answers_once_through_the_link_of_their_first_follow_up(client):
    past = await past_event(days_ago=30)
    await came(past)
    await followups.schedule()
    await OutboxMessage.delete(force=True)

    assert await self_report.send_due() == 1
    assert await self_report.send_due() == 0  # one text, once
    body = (await OutboxMessage.select(OutboxMessage.body_text).first())["body_text"]
    link = re.search(r"/s/[\w-]+", body).group(0)
    assert "Inès" in body

    page = await client.get(link)
    assert page.status_code == 200 and "Où en êtes-vous" in text(page)
    since = (utcnow().date() - timedelta(days=3)).isoformat()
    answered = await post_form(client, link, {"kind": "training", "since": since, "notes": "Rappelez-moi"})
    assert answered.status_code == 200 and "Merci" in text(answered)
    situation = await Situation.select(Situation.kind, Situation.source, Situation.recorded_by).first()
    assert situation == {"kind": "training", "source": "youth", "recorded_by": None}

    again = await post_form(client, link, {"kind": "cdi", "since": since})
    assert again.status_code == 410 and "déjà répondu" in text(again)
    assert await Situation.count() == 1
    assert (await client.get("/s/not-a-real-link")).status_code == 404


async def test_no_follow_up_text_goes_to_a_youth_who_did_not_come():
    await past_event(days_ago=30)
    await followups.schedule()  # nobody checked in: no follow-up, no text
    await OutboxMessage.delete(force=True)
    assert await self_report.send_due() == 0
    assert await OutboxMessage.count() == 0


async def test_on_monday_morning_each_person_who_follows_youths_gets_one_reminder_of_the_week():
    past = await past_event(days_ago=45)  # its J+30 follow-up is overdue (by more than a week)
    await came(past)
    await followups.schedule()
    await OutboxMessage.delete(force=True)
    monday = datetime.combine(utcnow().date() - timedelta(days=utcnow().weekday()), time(9), get_settings().tz)

    assert await reminders.send_weekly(monday - timedelta(hours=2)) == 0  # 07:00: not yet
    assert await reminders.send_weekly(monday) == 1
    assert await reminders.send_weekly(monday + timedelta(hours=3)) == 0  # once a week
    assert await reminders.send_weekly(monday + timedelta(days=1)) == 0  # Mondays only
    mail = await OutboxMessage.select(OutboxMessage.recipient, OutboxMessage.subject, OutboxMessage.body_text).first()
    assert mail["recipient"] == "sophie@etti.test"
    assert "1 en retard" in mail["subject"] and "/follow-ups" in mail["body_text"]
