"""Parcours: an SIAE hires a youth referred by a Mission Locale; the touchpoints are planned from a template,
invitations and texts follow every change, late touchpoints reach the work lists and the manager, the partnership
decides who sees the parcours, and a hand-over moves it with the person who leaves."""

from datetime import UTC, date, datetime, timedelta

import pytest

from accounts import members
from accounts.tables import Membership, Partnership
from core.clock import utcnow
from core.errors import NotFound
from messaging.tables import Channel, OutboxMessage
from parcours import reminders, services
from parcours.errors import ParcoursRefused
from parcours.rhythm import DEFAULT_STEPS, plan
from parcours.tables import Parcours, Touchpoint, TouchpointStatus
from tests.factories.accounts import make_organisation, make_user, principal
from tests.factories.parcours import hiring, open_for

BEFORE = datetime(2026, 8, 20, 9, tzinfo=UTC)  # the hiring is planned in August
START, END = date(2026, 9, 7), date(2027, 2, 26)  # a CDDI across the October clock change (25 October 2026)


async def outbox(channel: Channel | None = None) -> list[dict]:
    query = OutboxMessage.select().order_by(OutboxMessage.id)
    if channel is not None:
        query = query.where(OutboxMessage.channel == channel)
    return await query


async def touchpoints(parcours_id: int) -> list[dict]:
    return await Touchpoint.select().where(Touchpoint.parcours == parcours_id).order_by(Touchpoint.starts_at)


def paris(value: datetime) -> str:
    return services.local(value).strftime("%Y-%m-%d %H:%M")


# ----------------------------------------------------------------------------- the rhythm


def test_the_default_template_plans_the_five_steps_and_a_monthly_contact_at_ten_local_time():
    planned = plan(DEFAULT_STEPS, START, END, "Europe/Paris")
    steps = [p.step for p in planned]
    assert steps[0] == "orientation_call" and steps[1] == "start_meeting" and steps[-1] == "final_review"
    assert "mid_review" in steps and steps.count("monthly_contact") >= 3
    assert all(services.local(p.starts_at).strftime("%H:%M") == "10:00" for p in planned)
    assert all(services.local(p.starts_at).weekday() < 5 for p in planned)  # never a weekend
    by_day = {services.local(p.starts_at).date(): p for p in planned}
    # Before the clock change 10:00 in Paris is 08:00 UTC; after it, 09:00 UTC.
    assert by_day[date(2026, 10, 7)].starts_at == datetime(2026, 10, 7, 8, tzinfo=UTC)
    assert by_day[date(2026, 11, 9)].starts_at == datetime(2026, 11, 9, 9, tzinfo=UTC)  # the 7th is a Saturday
    assert planned[0].starts_at == datetime(2026, 8, 31, 8, tzinfo=UTC)  # a week before the start
    assert services.local(planned[-1].starts_at).date() == date(2027, 2, 19)  # a week before the end


async def test_opening_a_parcours_plans_its_touchpoints_and_invites_each_participant():
    world = await hiring()
    parcours_id = await open_for(world, START, END, now=BEFORE)

    planned = await touchpoints(parcours_id)
    assert [paris(t["starts_at"]) for t in planned[:3]] == ["2026-08-31 10:00", "2026-09-07 10:00", "2026-10-07 10:00"]
    assert paris(next(t for t in planned if t["starts_at"].month == 11)["starts_at"]) == "2026-11-09 10:00"
    row = await Parcours.select().where(Parcours.id == parcours_id).first()
    assert row["status"] == "planned" and row["adviser_organisation"] == world.ml.id
    assert row["counsellor"] == world.counsellor.id

    mails = await outbox(Channel.email)
    start_meeting = next(t for t in planned if t["step"] == "start_meeting")
    invited = sorted(
        m["recipient"] for m in mails if m["idempotency_key"].startswith(f"touchpoint:{start_meeting['id']}:")
    )
    assert invited == ["claire@ml.test", "karim@aci.test", "lea@example.org", "paul@aci.test"]
    call = next(t for t in planned if t["step"] == "orientation_call")
    called = sorted(m["recipient"] for m in mails if m["idempotency_key"].startswith(f"touchpoint:{call['id']}:"))
    assert called == ["claire@ml.test", "karim@aci.test"]  # the call before hiring is between professionals
    invitation = next(m for m in mails if m["idempotency_key"].startswith(f"touchpoint:{start_meeting['id']}:"))
    assert invitation["attachment_method"] == "REQUEST"
    assert (
        "SEQUENCE:0" in invitation["attachment"]
        and f"UID:touchpoint-{start_meeting['id']}@" in invitation["attachment"]
    )
    assert "TZID=Europe/Paris" in invitation["attachment"]
    assert await outbox(Channel.sms) == []  # the youth's text comes the day before


async def test_moving_a_touchpoint_updates_every_invitation_and_sends_the_youth_one_text():
    world = await hiring()
    parcours_id = await open_for(world, START, END, now=BEFORE)
    meeting = next(t for t in await touchpoints(parcours_id) if t["step"] == "start_meeting")
    before = len(await outbox(Channel.email))

    await services.move(
        world.counsellor, meeting["id"], datetime(2026, 9, 8, 14, 30), place="Atelier, 12 rue des Alpes", now=BEFORE
    )

    moved = await Touchpoint.select().where(Touchpoint.id == meeting["id"]).first()
    assert moved["sequence"] == 1 and paris(moved["starts_at"]) == "2026-09-08 14:30"
    updates = (await outbox(Channel.email))[before:]
    assert sorted(m["recipient"] for m in updates) == [
        "claire@ml.test",
        "karim@aci.test",
        "lea@example.org",
        "paul@aci.test",
    ]
    assert all("SEQUENCE:1" in m["attachment"] and m["attachment_method"] == "REQUEST" for m in updates)
    texts = await outbox(Channel.sms)
    assert len(texts) == 1 and texts[0]["recipient"] == "+33611223344"
    assert "08/09 à 14:30" in texts[0]["body_text"] and "Atelier, 12 rue des Alpes" in texts[0]["body_text"]

    await services.drop(world.counsellor, meeting["id"], now=BEFORE)
    cancelled = [m for m in await outbox(Channel.email) if m["attachment_method"] == "CANCEL"]
    assert len(cancelled) == 4 and all("SEQUENCE:2" in m["attachment"] for m in cancelled)
    assert len(await outbox(Channel.sms)) == 2


async def test_the_youth_gets_a_text_the_day_before_a_meeting_they_take_part_in():
    world = await hiring()
    parcours_id = await open_for(world, START, END, now=BEFORE)
    evening_before = datetime(2026, 9, 6, 16, tzinfo=UTC)  # Sunday 18:00 in Paris; the meeting is Monday 10:00

    assert await reminders.remind_youths(evening_before) == 1
    assert await reminders.remind_youths(evening_before + timedelta(minutes=15)) == 0  # once
    (text,) = await outbox(Channel.sms)
    assert "demain" in text["body_text"] or "tomorrow" in text["body_text"]
    # The call of 31 August was between the professionals: no text the day before it.
    assert await reminders.remind_youths(datetime(2026, 8, 30, 16, tzinfo=UTC)) == 0
    assert parcours_id


# ----------------------------------------------------------------------------- late touchpoints


async def test_a_touchpoint_not_done_by_its_date_is_on_both_work_lists_then_in_the_managers_digest():
    world = await hiring()
    parcours_id = await open_for(world, START, END, now=BEFORE)
    call = (await touchpoints(parcours_id))[0]  # Monday 31 August, 10:00

    same_day = datetime(2026, 8, 31, 15, tzinfo=UTC)
    assert not [i for i in await services.work_list(world.counsellor, now=same_day) if i.overdue]
    next_day = datetime(2026, 9, 1, 7, tzinfo=UTC)
    for person in (world.counsellor, world.adviser):
        items = await services.work_list(person, now=next_day)
        assert items[0].id == call["id"] and items[0].overdue
    assert await reminders.send_digests(next_day) == 0  # not yet: managers hear of it after a few days

    later = datetime(2026, 9, 4, 6, tzinfo=UTC)
    assert await reminders.send_digests(later) == 1
    assert await reminders.send_digests(later + timedelta(hours=1)) == 0  # once a day
    (digest,) = [m for m in await outbox(Channel.email) if m["idempotency_key"].startswith("parcours-digest")]
    assert digest["recipient"] == "direction@aci.test" and "Léa Martin" in digest["body_text"]

    await services.record(world.adviser, call["id"], result="Orientation validée", now=later)
    assert call["id"] not in [i.id for i in await services.work_list(world.counsellor, now=later)]
    done = await Touchpoint.select().where(Touchpoint.id == call["id"]).first()
    assert done["status"] == TouchpointStatus.done and done["done_by"] == world.adviser.id


# ----------------------------------------------------------------------------- bad input


async def test_bad_input_is_refused_with_a_precise_message_and_nothing_saved_changes():
    world = await hiring()
    other_ml = await make_organisation("Mission Locale Lointaine")
    stranger = await make_user("zoe@ml-lointaine.test", other_ml, "adviser")

    with pytest.raises(ParcoursRefused) as refused:
        await open_for(world, END, START, now=BEFORE, adviser_id=stranger.id)
    assert set(refused.value.errors) == {"contract_end", "adviser_id"}  # every refusal at once
    assert "Mission Locale Lointaine" in refused.value.errors["adviser_id"]
    assert await Parcours.count() == 0

    parcours_id = await open_for(world, START, END, now=BEFORE)
    meeting = next(t for t in await touchpoints(parcours_id) if t["step"] == "start_meeting")
    saved = await touchpoints(parcours_id)
    with pytest.raises(ParcoursRefused) as refused:
        await services.move(world.counsellor, meeting["id"], datetime(2027, 6, 1, 10))
    assert "26/02/2027" in refused.value.errors["starts_at"]
    with pytest.raises(ParcoursRefused) as refused:
        await services.record(world.counsellor, meeting["id"], note="x" * (services.NOTE_LIMIT + 1))
    assert "500" in refused.value.errors["note"]
    assert await touchpoints(parcours_id) == saved


# ----------------------------------------------------------------------------- who sees it


async def test_the_partner_mission_locale_sees_the_parcours_until_the_partnership_ends():
    world = await hiring()
    parcours_id = await open_for(world, START, END, now=BEFORE)
    nosy_org = await make_organisation("Mission Locale Voisine")
    nosy = await principal(await make_user("nosy@ml.test", nosy_org, "admin"))

    assert (await services.seen_parcours(world.adviser, parcours_id))["side"] == "ml"
    assert (await services.seen_parcours(world.counsellor, parcours_id))["side"] == "siae"
    with pytest.raises(NotFound):
        await services.seen_parcours(nosy, parcours_id)

    await Partnership.delete().where(Partnership.owner == world.siae.id)
    with pytest.raises(NotFound):
        await services.seen_parcours(world.adviser, parcours_id)
    assert await services.work_list(world.adviser, now=BEFORE) == []
    assert (await services.seen_parcours(world.counsellor, parcours_id))["side"] == "siae"


# ----------------------------------------------------------------------------- hand-over


async def test_when_the_counsellor_leaves_their_parcours_go_to_their_successor_and_both_sides_are_told():
    world = await hiring()
    await open_for(world, START, END, now=BEFORE)
    successor = await make_user("nadia@aci.test", world.siae, "staff")
    manager = await principal(world.manager)
    memberships = {
        r["user"]: r["id"]
        for r in await Membership.select(Membership.id, Membership.user).where(Membership.organisation == world.siae.id)
    }
    before = len(await outbox())

    moved = await members.deactivate(
        manager, world.siae.id, memberships[world.counsellor.id], successor_membership=memberships[successor.id]
    )

    assert moved.get("parcours") == 1
    assert (await Parcours.select(Parcours.counsellor).first())["counsellor"] == successor.id
    news = (await outbox())[before:]
    (text,) = [m for m in news if m["channel"] == Channel.sms]
    assert text["recipient"] == "+33611223344" and "Nadia" in text["body_text"]
    told = [m for m in news if m["recipient"] == "claire@ml.test"]
    assert told and "Nadia" in told[0]["body_text"]
    assert any(m["recipient"] == "nadia@aci.test" and m["attachment_method"] == "REQUEST" for m in news)


# ----------------------------------------------------------------------------- calendar feeds


async def test_each_participants_calendar_feed_carries_their_touchpoints():
    from calendars import feeds

    world = await hiring()
    start = utcnow().date() + timedelta(days=10)
    parcours_id = await open_for(world, start, start + timedelta(days=120))
    meeting = next(t for t in await touchpoints(parcours_id) if t["step"] == "start_meeting")
    call = next(t for t in await touchpoints(parcours_id) if t["step"] == "orientation_call")

    adviser_feed = (
        await feeds.feed_calendar(await feeds.create_feed(world.adviser, "adviser", world.adviser.id))
    ).decode()
    assert f"UID:touchpoint-{meeting['id']}@" in adviser_feed and f"UID:touchpoint-{call['id']}@" in adviser_feed
    supervisor = await principal(world.supervisor)
    supervisor_feed = (
        await feeds.feed_calendar(await feeds.create_feed(supervisor, "adviser", supervisor.id))
    ).decode()
    assert f"UID:touchpoint-{meeting['id']}@" in supervisor_feed
    assert f"UID:touchpoint-{call['id']}@" not in supervisor_feed  # the call is between the adviser and the CIP


# ----------------------------------------------------------------------------- the youth's data


async def test_the_youths_export_carries_their_parcours_and_erasure_clears_its_texts():
    from parcours import skills
    from privacy import erasure, export

    world = await hiring()
    parcours_id = await open_for(world, START, END, now=BEFORE)
    meeting = next(t for t in await touchpoints(parcours_id) if t["step"] == "start_meeting")
    await services.record(world.counsellor, meeting["id"], result="Démarrage validé", note="Covoiturage", now=BEFORE)
    await skills.save_sheet(world.counsellor, parcours_id, "start", {"observed_safety": "2", "next_steps": "CACES"})
    manager = await principal(world.manager)

    data = await export.collect(manager, world.youth.id)
    assert data["parcours"][0]["adviser_organisation"] == "Mission Locale Valence"
    assert any(t["result"] == "Démarrage validé" for t in data["touchpoints"])
    assert data["skills_sheets"][0]["next_steps"] == "CACES"

    await erasure.erase(manager, world.youth.id)
    kept = await touchpoints(parcours_id)
    assert kept and all(t["note"] == "" and t["result"] == "" for t in kept)
    assert {t["status"] for t in kept} <= {"done", "dropped"}
    sheet = await skills.sheets_of(world.counsellor, parcours_id)
    assert sheet["start"]["next_steps"] == "" and sheet["start"]["observed"] == {"safety": 2}


async def test_an_extension_moves_the_end_and_the_end_records_the_exit_situation_with_the_youths_outcomes():
    from outcomes.tables import Situation

    world = await hiring()
    parcours_id = await open_for(world, START, END, now=BEFORE)
    with pytest.raises(ParcoursRefused):
        await services.extend(world.counsellor, parcours_id, START)
    await services.extend(world.counsellor, parcours_id, date(2027, 5, 28))
    row = await Parcours.select().where(Parcours.id == parcours_id).first()
    assert row["contract_end"] == date(2027, 5, 28) and row["first_end"] == END and row["extensions"] == 1
    # A touchpoint may now be moved into the extension.
    review = next(t for t in await touchpoints(parcours_id) if t["step"] == "final_review")
    await services.move(world.counsellor, review["id"], datetime(2027, 5, 20, 10), now=BEFORE)

    with pytest.raises(ParcoursRefused) as refused:
        await services.end_parcours(world.counsellor, parcours_id, "", "")
    assert set(refused.value.errors) == {"end_reason", "exit_situation"}
    ended_at = datetime(2027, 5, 28, 15, tzinfo=UTC)
    await services.end_parcours(world.counsellor, parcours_id, "completed", "long_contract", now=ended_at)
    row = await Parcours.select().where(Parcours.id == parcours_id).first()
    assert row["status"] == "ended" and row["exit_situation"] == "long_contract"
    (situation,) = await Situation.select().where(Situation.participant == world.youth.id)
    assert situation["kind"] == "long_contract" and situation["source"] == "employer"
    assert {t["status"] for t in await touchpoints(parcours_id)} == {"dropped"}  # none was recorded done


async def test_when_the_adviser_leaves_the_mission_locale_her_successor_becomes_the_referent():
    world = await hiring()
    parcours_id = await open_for(world, START, END, now=BEFORE)
    successor = await make_user("yanis@ml.test", world.ml, "adviser")
    ml_admin = await principal(await make_user("direction@ml.test", world.ml, "admin"))
    memberships = {
        r["user"]: r["id"]
        for r in await Membership.select(Membership.id, Membership.user).where(Membership.organisation == world.ml.id)
    }

    moved = await members.deactivate(
        ml_admin, world.ml.id, memberships[world.adviser.id], successor_membership=memberships[successor.id]
    )

    assert moved.get("parcours") == 1
    assert (await Parcours.select(Parcours.adviser).where(Parcours.id == parcours_id).first())[
        "adviser"
    ] == successor.id
    told = [m for m in await outbox(Channel.email) if m["idempotency_key"].startswith("parcours-new-contact")]
    assert [m["recipient"] for m in told] == ["karim@aci.test"] and "Yanis" in told[0]["body_text"]
    texts = [m for m in await outbox(Channel.sms) if "Yanis" in m["body_text"]]
    assert len(texts) == 1 and texts[0]["recipient"] == "+33611223344"  # one text, though registration tells too
    assert (await services.seen_parcours(await principal(successor), parcours_id))["side"] == "ml"


async def test_an_organisations_own_rhythm_plans_the_parcours_opened_after_it():
    from parcours.rhythm import Step
    from parcours.tables import TouchpointKind

    world = await hiring()
    director = await principal(world.manager)
    fortnightly_review = Step("review", TouchpointKind.review, "start", 14, ("youth", "counsellor"), 30)
    final = Step("final_review", TouchpointKind.tripartite, "end", 0, ("youth", "adviser", "counsellor"), 60)
    with pytest.raises(NotFound):
        await services.save_template(world.adviser, world.siae.id, [final])  # not a member of the ACI
    await services.save_template(director, world.siae.id, [fortnightly_review, final])

    parcours_id = await open_for(world, START, END, now=BEFORE)
    planned = await touchpoints(parcours_id)
    assert [(t["step"], paris(t["starts_at"])) for t in planned] == [
        ("review", "2026-09-21 10:00"),
        ("final_review", "2027-02-26 10:00"),
    ]
