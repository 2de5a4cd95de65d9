"""Personal data: a youth's export, their erasure keeping the figures, the retention purge, the access log."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from dateutil.relativedelta import relativedelta

from accounts.tables import AuditEntry, Organisation, Role
from app.cli import build_parser
from app.demo import DEMO_LOGIN, DEMO_PASSWORD, load_demo
from checkin.tables import CheckIn
from core.clock import utcnow
from core.settings import get_settings
from events.services import figures_by_event
from messaging.tables import OutboxMessage
from outcomes.situations import category
from outcomes.tables import FollowUp, Result, Situation
from privacy import erasure, purge
from privacy.errors import AlreadyErased
from privacy.tables import AccessKind, PersonalDataAccess
from registration import merge
from registration.errors import MergeErased
from registration.tables import Consent, Participant, Registration, RegistrationStatus
from tests.factories.accounts import make_user, principal
from tests.factories.privacy import organisation_with_a_past, youth_with_a_past
from tests.factories.registration import make_registration, published_event, registered
from tests.support import csrf_token, login, post_form

ROOT = Path(__file__).resolve().parents[1]
INES_PHONE, KARIM_PHONE = "+33612340001", "+33612340002"


async def _figures(event_ids: list[int]) -> dict:
    """What the dashboard counts: registrations by status, check-ins, situations by category, messages."""
    registrations = await Registration.select(Registration.event, Registration.status).where(
        Registration.event.is_in(event_ids)
    )
    situations = await Situation.select(Situation.kind)
    return {
        "event_lists": await figures_by_event(event_ids),  # what the console's event lists and home page show
        "registrations": Counter((r["event"], r["status"]) for r in registrations),
        "check_ins": await CheckIn.count(),
        "results": await Result.count(),
        "situations": Counter(category(s["kind"]) for s in situations),
        "youths": await Participant.count(),
        "messages": await OutboxMessage.count(),
        "qpv": await Participant.count().where(Participant.qpv == True),  # noqa: E712
    }


async def _everything_text() -> str:
    """Every row of the tables that could hold a name, a phone or an address, as one text."""
    rows = []
    for table in (Participant, Registration, CheckIn, Result, Situation, Consent, OutboxMessage, AuditEntry):
        rows += await table.select()
    return json.dumps(rows, default=str, ensure_ascii=False)


async def test_an_admin_exports_everything_held_about_a_youth_and_nothing_of_another(client):
    place = await organisation_with_a_past()
    ines = await youth_with_a_past(place, "Inès", INES_PHONE)
    await youth_with_a_past(place, "Karim", KARIM_PHONE, employer="Boulangerie Roux")
    await login(client, "admin@ml.test")

    response = await client.get(f"/youths/{ines.id}/data/export.json")

    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    data = response.json()
    assert data["person"]["first_name"] == "Inès" and data["person"]["phone"] == INES_PHONE
    assert data["organisation"]["name"] == "Mission Locale Drôme"
    assert [c["kind"] for c in data["consents"]] == ["photos"]
    [registration] = data["registrations"]
    assert registration["event"] == "Info-coll de l'ETTI" and registration["status"] == "confirmed"
    assert registration["answers"] == [{"question": "Votre projet ?", "answer": "Mécanique, dit Inès"}]
    [check_in] = data["attendance"]
    assert check_in["attended_minutes"] == 120 and check_in["exited_at"]
    assert [r["kind"] for r in data["results"]] == ["cv_left"]
    assert [s["employer"] for s in data["situations"]] == ["Garage Martin"]
    assert len(data["follow_ups"]) == 1
    assert sorted(m["channel"] for m in data["messages"]) == ["email", "sms"]
    assert [a["action"] for a in data["accesses"]] == ["exported"]
    assert "Karim" not in response.text and KARIM_PHONE not in response.text and "Boulangerie" not in response.text


async def test_the_export_is_a_readable_pdf(client):
    place = await organisation_with_a_past()
    ines = await youth_with_a_past(place, "Inès", INES_PHONE)
    await login(client, "admin@ml.test")

    response = await client.get(f"/youths/{ines.id}/data/export.pdf")

    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response.headers["cache-control"] == "private, no-store"


async def test_erasure_keeps_the_figures_while_names_and_phones_are_gone_everywhere(client):
    place = await organisation_with_a_past()
    ines = await youth_with_a_past(place, "Inès", INES_PHONE)
    await youth_with_a_past(place, "Karim", KARIM_PHONE, employer="Boulangerie Roux")
    before = await _figures([place.event.id])
    await login(client, "admin@ml.test")

    confirm = await client.get(f"/youths/{ines.id}/data/erase")
    assert confirm.status_code == 200 and "Personne effacée" in confirm.text and "2006" in confirm.text
    response = await post_form(client, f"/youths/{ines.id}/data/erase", {})

    assert response.status_code in (302, 303)
    assert await _figures([place.event.id]) == before
    everything = await _everything_text()
    for trace in ("Inès", INES_PHONE, "inès@exemple.fr", "Garage Martin"):  # notes and answers name her
        assert trace not in everything, trace
    assert "Karim" in everything and KARIM_PHONE in everything  # the other youth is untouched
    record = await Participant.select().where(Participant.id == ines.id).first()
    assert (record["first_name"], record["last_name"]) == ("Personne", "effacée")
    assert str(record["birth_date"]) == "2006-07-01" and record["postcode"] == "26000" and record["qpv"]
    assert record["erased_at"] is not None and record["sms_opt_out_at"] is not None
    page = await client.get(f"/youths/{ines.id}")
    assert "Personne effacée" in page.text and INES_PHONE not in page.text
    assert await AuditEntry.exists().where(AuditEntry.action == erasure.ACTION)


async def test_old_personal_links_stop_working_after_the_erasure():
    place = await organisation_with_a_past()
    ines = await youth_with_a_past(place, "Inès", INES_PHONE)
    before = await Registration.select().where(Registration.participant == ines.id).first()
    follow_up = await FollowUp.select(FollowUp.token_hash).first()

    await erasure.erase(place.admin, ines.id)

    after = await Registration.select().first()
    assert after["manage_hash"] != before["manage_hash"] and after["manage_sealed"] == ""
    assert after["ticket_hash"] is None and after["ticket_sealed"] is None
    assert (await FollowUp.select(FollowUp.token_hash).first())["token_hash"] != follow_up["token_hash"]


async def test_erasing_someone_already_erased_says_so(client):
    place = await organisation_with_a_past()
    ines = await youth_with_a_past(place, "Inès", INES_PHONE)
    await erasure.erase(place.admin, ines.id)

    with pytest.raises(AlreadyErased):
        await erasure.erase(place.admin, ines.id)
    await login(client, "admin@ml.test")
    response = await post_form(client, f"/youths/{ines.id}/data/erase", {})
    assert response.status_code == 409 and "ont déjà été effacées le" in response.text


async def test_erasure_cancels_coming_registrations_and_gives_the_place_without_telling_them():
    event = await published_event(capacity=1)
    ines = await registered(event, 1)
    karim = await registered(event, 2)
    assert karim["status"] == RegistrationStatus.waiting
    organisation = await Organisation.objects().get(Organisation.id == event.organisation)
    admin = await principal(await make_user("admin@interim.test", organisation, Role.admin))
    queued = await OutboxMessage.count()

    await erasure.erase(admin, ines["participant"])

    statuses = {r["id"]: r["status"] for r in await Registration.select(Registration.id, Registration.status)}
    assert statuses == {ines["id"]: RegistrationStatus.cancelled, karim["id"]: RegistrationStatus.confirmed}
    new = await OutboxMessage.select(OutboxMessage.recipient).where(OutboxMessage.id > queued)
    assert new and all(m["recipient"] in ("+33612340002", "ines2@exemple.fr") for m in new)  # Karim is told


async def _last_contact(youth_id: int, months: int, days: int = 0) -> None:
    when = utcnow() - relativedelta(months=months) - timedelta(days=days)
    await Participant.update({Participant.last_contact_at: when}).where(Participant.id == youth_id)


async def test_the_purge_dry_run_lists_and_changes_nothing():
    place = await organisation_with_a_past()
    ines = await youth_with_a_past(place, "Inès", INES_PHONE)
    karim = await youth_with_a_past(place, "Karim", KARIM_PHONE)
    await _last_contact(ines.id, 25)
    await _last_contact(karim.id, 23)
    before = await _everything_text()

    found = await purge.purge()

    assert [[row["id"] for row in due.erased] for due in found] == [[ines.id]]
    assert await _everything_text() == before
    assert not await PersonalDataAccess.exists()
    printed = purge.report(found, applied=False, months=24)
    assert "Dry run" in printed and f"#{ines.id}" in printed and f"#{karim.id}" not in printed


async def test_the_purge_erases_the_old_records_and_skips_a_youth_registered_to_a_coming_event():
    place = await organisation_with_a_past()
    ines = await youth_with_a_past(place, "Inès", INES_PHONE)
    karim = await youth_with_a_past(place, "Karim", KARIM_PHONE)
    coming = await published_event(capacity=None, organisation=place.organisation)
    await make_registration(coming, karim, status=RegistrationStatus.confirmed, manage_token="karim-a-venir")
    await _last_contact(ines.id, 30)
    await _last_contact(karim.id, 30)
    before = await _figures([place.event.id])

    found = await purge.purge(apply=True)

    [due] = found
    assert [r["id"] for r in due.erased] == [ines.id] and [r["id"] for r in due.skipped] == [karim.id]
    assert "skipped: registered to an event still to come" in purge.report(found, applied=True, months=24)
    erased = {r["id"]: r["erased_at"] for r in await Participant.select(Participant.id, Participant.erased_at)}
    assert erased[ines.id] is not None and erased[karim.id] is None
    assert await _figures([place.event.id]) == before
    assert await PersonalDataAccess.exists().where(
        (PersonalDataAccess.action == AccessKind.erased) & PersonalDataAccess.user.is_null()
    )
    assert (await purge.purge(apply=True))[0].erased == []  # erased once


async def test_the_admins_are_told_30_days_before_youths_fall_due():
    place = await organisation_with_a_past()
    ines = await youth_with_a_past(place, "Inès", INES_PHONE)
    await make_user("organiser@ml.test", place.organisation, Role.organiser)
    karim = await youth_with_a_past(place, "Karim", KARIM_PHONE)
    coming = await published_event(capacity=None, organisation=place.organisation)
    await make_registration(coming, karim, manage_token="karim")
    await _last_contact(ines.id, 24, days=-40)  # falls due in 40 days
    await _last_contact(karim.id, 24, days=-40)  # too, but registered to a coming event: kept, not counted
    await OutboxMessage.delete(force=True)
    now = utcnow()

    assert await purge.send_notices(now=now) == 0
    assert await purge.send_notices(now=now + timedelta(days=10)) == 1  # 30 days before
    assert await purge.send_notices(now=now + timedelta(days=11)) == 0  # once a month
    [notice] = await OutboxMessage.select()
    assert notice["recipient"] == "admin@ml.test"
    assert "de 1 jeune" in notice["subject"] and "Mission Locale Drôme" in notice["subject"]
    falls_due = (now + timedelta(days=40)).astimezone(get_settings().tz)  # the day as the admin reads it
    assert falls_due.strftime("%d/%m/%Y") in notice["body_text"]


async def test_the_access_log_records_a_view_once_a_day_and_each_export(client):
    place = await organisation_with_a_past()
    ines = await youth_with_a_past(place, "Inès", INES_PHONE)
    await login(client, "admin@ml.test")

    assert (await client.get(f"/youths/{ines.id}")).status_code == 200
    page = await client.get(f"/youths/{ines.id}")
    await client.get(f"/youths/{ines.id}/data/export.json")

    actions = [r["action"] for r in await PersonalDataAccess.select().order_by(PersonalDataAccess.id)]
    assert actions == [AccessKind.viewed, AccessKind.exported]
    assert "Consulté par" in page.text and "a consulté sa page" in page.text


async def test_only_an_admin_of_the_organisation_holding_the_record_exports_or_erases(client):
    place = await organisation_with_a_past()
    ines = await youth_with_a_past(place, "Inès", INES_PHONE)
    await make_user("organiser@ml.test", place.organisation, Role.organiser)
    await login(client, "organiser@ml.test")

    assert (await client.get(f"/youths/{ines.id}/data/export.json")).status_code == 403
    assert (await client.get(f"/youths/{ines.id}/data/erase")).status_code == 403
    page = await client.get(f"/youths/{ines.id}")
    assert "Exporter" not in page.text
    await organisation_with_a_past("Mission Locale Voisine", "voisine@ml.test")
    await login(client, "voisine@ml.test")
    assert (await client.get(f"/youths/{ines.id}/data/export.pdf")).status_code == 404
    response = await client.post(f"/youths/{ines.id}/data/erase", headers={"x-csrftoken": csrf_token(client)}, data={})
    assert response.status_code == 404
    assert (await Participant.select(Participant.erased_at).first())["erased_at"] is None


async def test_the_demo_shows_an_erased_youth_and_exports_the_others(client):
    await load_demo(compose_rally=False)
    await login(client, DEMO_LOGIN, DEMO_PASSWORD)
    erased = await Participant.select(Participant.id).where(Participant.erased_at.is_not_null()).first()
    page = await client.get(f"/youths/{erased['id']}")
    assert page.status_code == 200 and "Personne effacée" in page.text and "ont été effacées le" in page.text
    other = await Participant.select(Participant.id).where(Participant.erased_at.is_null()).first()
    page = await client.get(f"/youths/{other['id']}")
    assert "Exporter ses données (PDF)" in page.text
    assert (await client.get(f"/youths/{other['id']}/data/export.pdf")).content.startswith(b"%PDF")
    assert (await client.get(f"/youths/{other['id']}/data/export.json")).json()["person"]["id"] == other["id"]


async def test_tremplin_purge_prints_what_it_would_erase_and_erases_nothing(tmp_path):
    place = await organisation_with_a_past()
    ines = await youth_with_a_past(place, "Inès", INES_PHONE)
    await _last_contact(ines.id, 25)
    env = {**os.environ, "TREMPLIN_VAR_DIR": str(tmp_path)}

    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "app.cli", "purge"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert "Dry run" in result.stdout and f"#{ines.id}" in result.stdout and "Inès" not in result.stdout
    assert (await Participant.select(Participant.erased_at).first())["erased_at"] is None
    assert build_parser().parse_args(["purge", "--apply", "--months", "36"]).months == 36


async def test_an_erased_record_cannot_be_merged_into_another():
    place = await organisation_with_a_past()
    ines = await youth_with_a_past(place, "Inès", INES_PHONE)
    karim = await youth_with_a_past(place, "Karim", KARIM_PHONE)
    await erasure.erase(place.admin, ines.id)

    with pytest.raises(MergeErased):
        await merge.merge(place.admin, karim.id, ines.id)
