"""Checking youths in on site: scans from paired phones and the console, offline lists, corrections."""

import asyncio
import base64
import contextlib
import hashlib
import json
import shutil
import subprocess
import tempfile
import time
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from accounts.tables import Role
from checkin import attendance, corrections, tickets
from checkin import services as checkin
from checkin.tables import AttendanceStatus, CheckIn, Device
from core.errors import NotFound
from core.i18n import gettext as _
from events.tables import Session
from registration import services
from registration.tables import Registration, RegistrationStatus
from tests.factories.accounts import make_organisation, make_user
from tests.factories.checkin import device, rally_under_way, scan
from tests.factories.events import adviser_of_partner
from tests.support import device_headers, login, post, post_form


async def test_a_paired_phone_scans_a_ticket_then_the_same_ticket_again(client):
    r = await rally_under_way()
    headers = device_headers(await device(r))
    inès = r.youths[0]

    first = await post(client, "/api/checkin/redeem", scan(inès["token"], r.session_list), headers)
    assert first.status_code == 200, first.text
    assert "set-cookie" not in first.headers  # a phone's scans open no browser session
    assert first.json() | {"first_at": None} == {
        "result": "ok",
        "reason": "checked_in",
        "name": "Inès0 B.",
        "team": "3",
        "first_at": None,
        "first_by": "Téléphone de Karim",
        "flagged": False,
        "registration": inès["id"],
        "status": "present",
    }
    # Another phone, a minute later: amber, with who checked her in and when; nothing recorded.
    again = (await post(client, "/api/checkin/redeem", scan(inès["token"], r.session_list), headers)).json()
    assert again["result"] == "already" and again["first_by"] == "Téléphone de Karim" and not again["flagged"]
    assert datetime.fromisoformat(again["first_at"]) == datetime.fromisoformat(first.json()["first_at"])
    assert await CheckIn.count() == 1
    status = (await client.get(f"/api/checkin/lists/{r.session_list}/status", headers=headers)).json()
    assert status == {"expected": 3, "present": 1, "late": 0, "excused": 0, "absent": 0, "flagged": 0}


async def test_unknown_wrong_list_and_cancelled_tickets_are_refused_with_a_reason(client):
    r = await rally_under_way()
    other = await rally_under_way(organisation=r.organisation, email="sophie@ml.test")
    headers = device_headers(await device(r))

    unknown = (await post(client, "/api/checkin/redeem", scan("pas-un-billet", r.session_list), headers)).json()
    assert unknown["result"] == "unknown" and unknown["name"] == "" and unknown["team"] is None
    elsewhere = await post(client, "/api/checkin/redeem", scan(other.youths[0]["token"], r.session_list), headers)
    assert elsewhere.json()["result"] == "wrong_list" and elsewhere.json()["reason"] == "other_event"
    await services.cancel(r.youths[1]["id"])
    cancelled = (await post(client, "/api/checkin/redeem", scan(r.youths[1]["token"], r.session_list), headers)).json()
    assert cancelled["result"] == "cancelled" and cancelled["reason"] == "registration_cancelled"
    assert cancelled["name"] == "Inès1 B."
    assert await CheckIn.count() == 0
    # The phone of this event cannot use the other event's lists at all.
    refused = await post(client, "/api/checkin/redeem", scan(other.youths[0]["token"], other.session_list), headers)
    assert refused.status_code == 404 and refused.json()["code"] == "not_found"


async def test_a_visit_list_accepts_only_the_members_of_that_team(client):
    r = await rally_under_way()
    headers = device_headers(await device(r))
    member = (await post(client, "/api/checkin/redeem", scan(r.youths[1]["token"], r.visit_list), headers)).json()
    assert member["result"] == "ok" and member["team"] == "3"
    stranger = (await post(client, "/api/checkin/redeem", scan(r.youths[2]["token"], r.visit_list), headers)).json()
    assert stranger["result"] == "wrong_list" and stranger["reason"] == "other_team"
    lists = (await client.get(f"/api/checkin/events/{r.event.id}/lists", headers=headers)).json()
    assert [(x["id"], x["title"], x["expected"], x["present"]) for x in lists] == [
        (r.session_list, "Jour 1 matin", 3, 0),
        (r.visit_list, _("Team %(number)s at %(site)s", number=3, site="Garage Martin"), 2, 1),
    ]


async def test_a_resent_scan_is_recorded_once_and_gets_the_same_answer(client):
    r = await rally_under_way()
    headers = device_headers(await device(r))
    body = scan(r.youths[0]["token"], r.session_list, nonce="phone-1-scan-1")
    answers = [(await post(client, "/api/checkin/redeem", body, headers)).json() for _ in range(3)]
    assert answers[0] == answers[1] == answers[2] and answers[0]["result"] == "ok"
    assert await CheckIn.count() == 1


async def test_two_offline_scans_of_one_ticket_the_earliest_wins_and_the_other_is_flagged(client):
    r = await rally_under_way()
    karim, lea = device_headers(await device(r)), device_headers(await device(r, "Téléphone de Léa"))
    token, now = r.youths[0]["token"], datetime.now(UTC)
    # Léa's phone comes back online first with a scan made at 9:05; Karim's scan of 9:00 arrives later.
    later = await post(
        client, "/api/checkin/redeem", scan(token, r.session_list, "lea-1", now - timedelta(minutes=5)), lea
    )
    assert later.json()["result"] == "ok"
    earlier = await post(
        client, "/api/checkin/redeem", scan(token, r.session_list, "karim-1", now - timedelta(minutes=10)), karim
    )
    assert earlier.json()["result"] == "ok" and not earlier.json()["flagged"]
    rows = {c["nonce"]: c for c in await CheckIn.select().output(load_json=True)}
    assert not rows["karim-1"]["flagged"] and rows["lea-1"]["flagged"]
    # Léa's phone resends its scan: it now hears that Karim's came first.
    replay = (
        await post(client, "/api/checkin/redeem", scan(token, r.session_list, "lea-1", now - timedelta(minutes=5)), lea)
    ).json()
    assert replay["result"] == "already" and replay["flagged"] and replay["first_by"] == "Téléphone de Karim"
    # A third offline scan, later than both: recorded, flagged, answered "already".
    third = (
        await post(client, "/api/checkin/redeem", scan(token, r.session_list, "lea-2", now - timedelta(minutes=2)), lea)
    ).json()
    assert third["result"] == "already" and third["flagged"]
    assert await CheckIn.count() == 3
    status = (await client.get(f"/api/checkin/lists/{r.session_list}/status", headers=karim)).json()
    assert status["present"] == 1 and status["flagged"] == 2


async def test_two_phones_scanning_one_ticket_at_the_same_moment_check_the_youth_in_once():
    r = await rally_under_way(12)
    karim = await tickets.device_principal(await device(r))
    lea = await tickets.device_principal(await device(r, "Téléphone de Léa"))
    now = datetime.now(UTC)

    async def both(youth: dict) -> list[str]:
        answers = await asyncio.gather(
            checkin.redeem(karim, r.session_list, youth["token"], f"k-{youth['id']}", now),
            checkin.redeem(lea, r.session_list, youth["token"], f"l-{youth['id']}", now),
        )
        return sorted(answer.result for answer, _ in answers)

    results = await asyncio.gather(*(both(youth) for youth in r.youths))
    # One green screen and one amber per youth; a single record each, nothing for review.
    assert results == [["already", "ok"]] * 12
    records = await CheckIn.select(CheckIn.registration).where(CheckIn.flagged.eq(False))
    assert sorted(c["registration"] for c in records) == sorted(y["id"] for y in r.youths)
    assert await CheckIn.count() == 12


async def test_a_scan_on_a_session_deleted_then_its_id_given_to_another_event_follows_the_new_session():
    # SQLite gives a deleted last row's id to the next row: phones scanning on "session-N" must then be checked
    # against the new session, not against the list kept from before (checkin.services keeps lists a moment).
    before = await rally_under_way(1)
    after = await rally_under_way(1, email="lea@ml.test")
    first_phone = await tickets.device_principal(await device(before))
    second_phone = await tickets.device_principal(await device(after, "Téléphone de Léa"))
    now = datetime.now(UTC)
    reused = before.session.id

    async def give_the_id_to(event_id: int) -> None:
        await CheckIn.delete().where(CheckIn.session == reused)
        await Session.delete().where(Session.id == reused)
        hours = {"starts_at": now, "ends_at": now + timedelta(hours=2)}
        await Session.insert(Session(id=reused, event=event_id, title="Jour 1", kind="info", **hours))

    async def scan_with(phone, youth: dict, nonce: str) -> tuple[str, int]:
        answer, lst = await checkin.redeem(phone, f"session-{reused}", youth["token"], nonce, now)
        return answer.reason, lst.event_id

    assert await scan_with(first_phone, before.youths[0], "n-1") == ("checked_in", before.event.id)
    await give_the_id_to(after.event.id)
    with pytest.raises(NotFound):  # the first rally's phone, on its kept list: the session is not its own now
        await scan_with(first_phone, before.youths[0], "n-2")
    assert await scan_with(second_phone, after.youths[0], "n-3") == ("checked_in", after.event.id)
    await give_the_id_to(before.event.id)  # and back: the list kept is now the second rally's
    assert await scan_with(first_phone, before.youths[0], "n-4") == ("checked_in", before.event.id)
    assert [c["session"] for c in await CheckIn.select(CheckIn.session)] == [reused]


async def test_a_correction_by_hand_while_a_phone_scans_the_same_youth_leaves_one_record():
    r = await rally_under_way(12)
    phone = await tickets.device_principal(await device(r))
    now = datetime.now(UTC)

    async def both(youth: dict) -> None:
        await asyncio.gather(
            checkin.redeem(phone, r.session_list, youth["token"], f"scan-{youth['id']}", now),
            corrections.set_status(r.staff, r.session_list, youth["id"], AttendanceStatus.late, f"hand-{youth['id']}"),
        )

    await asyncio.gather(*(both(youth) for youth in r.youths))
    records = await CheckIn.select(CheckIn.registration).where(CheckIn.flagged.eq(False))
    assert sorted(c["registration"] for c in records) == sorted(y["id"] for y in r.youths)


async def test_a_correction_sent_twice_at_once_by_a_hesitating_phone_is_recorded_once():
    r = await rally_under_way(6)

    async def twice(youth: dict) -> None:  # the page and its retry round send the same nonce together
        nonce = f"hand-{youth['id']}"
        answers = await asyncio.gather(
            *(corrections.set_status(r.staff, r.session_list, youth["id"], AttendanceStatus.late, nonce) for _ in "ab")
        )
        assert [a.result for a in answers] == ["ok", "ok"]

    await asyncio.gather(*(twice(youth) for youth in r.youths))
    records = await CheckIn.select(CheckIn.registration, CheckIn.status)
    assert sorted(c["registration"] for c in records) == sorted(y["id"] for y in r.youths)
    assert {c["status"] for c in records} == {"late"}


async def test_undo_removes_the_scan_and_a_flagged_duplicate_takes_its_place(client):
    r = await rally_under_way()
    headers = device_headers(await device(r))
    token, now = r.youths[0]["token"], datetime.now(UTC)
    await post(client, "/api/checkin/redeem", scan(token, r.session_list, "a", now - timedelta(minutes=4)), headers)
    await post(client, "/api/checkin/redeem", scan(token, r.session_list, "b", now - timedelta(minutes=3)), headers)
    assert (await post(client, "/api/checkin/undo", {"nonce": "a"}, headers)).json() == {"undone": True}
    rows = await CheckIn.select(CheckIn.nonce, CheckIn.flagged)
    assert rows == [{"nonce": "b", "flagged": False}]
    assert (await post(client, "/api/checkin/undo", {"nonce": "a"}, headers)).json() == {"undone": False}


async def test_search_manual_statuses_and_walk_ins_from_the_phone(client):
    r = await rally_under_way()
    headers = device_headers(await device(r))
    found = (await client.get(f"/api/checkin/search?list={r.session_list}&q=ines1", headers=headers)).json()
    assert found == [{"registration": r.youths[1]["id"], "name": "Inès1 B.", "team": "3", "status": None}]
    by_phone = await client.get(f"/api/checkin/search?list={r.session_list}&q=06 12 34 00 02", headers=headers)
    assert [x["registration"] for x in by_phone.json()] == [r.youths[2]["id"]]
    assert (await client.get(f"/api/checkin/search?list={r.session_list}&q=i", headers=headers)).json() == []

    manual = {"registration": r.youths[1]["id"], "list": r.session_list, "nonce": "m1", "status": "excused"}
    assert (await post(client, "/api/checkin/manual", manual, headers)).json()["status"] == "excused"
    # She came after all: her scan replaces the excused absence.
    arrived = (await post(client, "/api/checkin/redeem", scan(r.youths[1]["token"], r.session_list), headers)).json()
    assert arrived["result"] == "ok"
    assert await CheckIn.select(CheckIn.status).where(CheckIn.registration == r.youths[1]["id"]) == [
        {"status": "present"}
    ]

    walk_in = {
        "list": r.session_list,
        "first_name": "Yanis",
        "last_name": "Morel",
        "phone": "0698765432",
        "nonce": "w1",
    }
    done = (await post(client, "/api/checkin/walk-in", walk_in, headers)).json()
    assert done["result"] == "ok" and done["name"] == "Yanis M."
    again = (await post(client, "/api/checkin/walk-in", walk_in, headers)).json()
    assert again["registration"] == done["registration"]
    registration = await Registration.objects().where(Registration.id == done["registration"]).first()
    assert registration.status == RegistrationStatus.confirmed and registration.source == "walk_in"
    assert await CheckIn.count().where(CheckIn.registration == done["registration"]) == 1
    on_visit = await post(client, "/api/checkin/walk-in", walk_in | {"list": r.visit_list, "nonce": "w2"}, headers)
    assert on_visit.status_code == 409 and on_visit.json()["code"] == "walk_in_session_only"


async def test_a_scan_well_after_the_start_is_late(client):
    r = await rally_under_way()
    headers = device_headers(await device(r))
    answer = (await post(client, "/api/checkin/redeem", scan(r.youths[0]["token"], r.session_list), headers)).json()
    assert answer["status"] == "present"  # the session started 10 minutes ago
    await r.session.update_self({"starts_at": datetime.now(UTC) - timedelta(hours=1)})
    checkin._lists.clear()
    late = (await post(client, "/api/checkin/redeem", scan(r.youths[1]["token"], r.session_list), headers)).json()
    assert late["status"] == "late"
    status = (await client.get(f"/api/checkin/lists/{r.session_list}/status", headers=headers)).json()
    assert status["present"] == 2 and status["late"] == 1


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


async def test_the_offline_list_opens_only_with_each_ticket(client):
    r = await rally_under_way()
    headers = device_headers(await device(r))
    await post(client, "/api/checkin/redeem", scan(r.youths[0]["token"], r.visit_list), headers)
    offline = (await client.get(f"/api/checkin/lists/{r.visit_list}/offline", headers=headers)).json()
    assert offline["list"] == r.visit_list and offline["event"] == r.event.id and len(offline["entries"]) == 2
    assert "Inès" not in json.dumps(offline) and r.youths[0]["token"] not in json.dumps(offline)
    by_hash = {e["h"]: e for e in offline["entries"]}
    entry = by_hash[hashlib.sha256(r.youths[0]["token"].encode()).hexdigest()]
    key = tickets.offline_key(r.youths[0]["token"], r.visit_list)
    payload = json.loads(AESGCM(key).decrypt(_b64(entry["iv"]), _b64(entry["d"]), None))
    assert payload | {"at": None} == {
        "name": "Inès0 B.",
        "team": "3",
        "registration": r.youths[0]["id"],
        "status": "present",
        "at": None,
        "by": "Téléphone de Karim",
    }
    assert datetime.fromisoformat(payload["at"])
    for wrong in (
        tickets.offline_key(r.youths[1]["token"], r.visit_list),
        tickets.offline_key(r.youths[0]["token"], r.session_list),
    ):
        with pytest.raises(InvalidTag):
            AESGCM(wrong).decrypt(_b64(entry["iv"]), _b64(entry["d"]), None)


async def test_pairing_and_device_tokens_that_expired_or_were_revoked(client):
    r = await rally_under_way()
    token = await device(r)
    paired = await post(client, "/api/checkin/pair", {"token": token}, {"authorization": f"Device {token}"})
    assert paired.status_code == 200, paired.text
    assert paired.json() | {"expires_at": None} == {
        "event": r.event.id,
        "event_title": "Rallye pour l'emploi",
        "device": "Téléphone de Karim",
        "expires_at": None,
    }
    bad = await post(client, "/api/checkin/pair", {"token": "dev_nope"}, {"authorization": "Device dev_nope"})
    assert bad.status_code == 401 and bad.json()["code"] == "device_unknown"
    # A device token is for the check-in API of its event only.
    assert (await client.get("/api/events", headers=device_headers(token))).status_code == 401

    await Device.update({Device.expires_at: datetime.now(UTC) - timedelta(minutes=1)}).where(Device.event == r.event.id)
    tickets._devices.clear()
    expired = await post(
        client, "/api/checkin/redeem", scan(r.youths[0]["token"], r.session_list), device_headers(token)
    )
    assert expired.status_code == 401 and expired.json()["code"] == "device_expired"

    revoked_token = await device(r, "Ancien téléphone")
    row = await Device.select(Device.id).where(Device.name == "Ancien téléphone").first()
    assert (
        await client.get(f"/api/checkin/lists/{r.session_list}/status", headers=device_headers(revoked_token))
    ).status_code == 200
    await tickets.revoke_device(r.staff, row["id"])
    refused = await client.get(f"/api/checkin/lists/{r.session_list}/status", headers=device_headers(revoked_token))
    assert refused.status_code == 401 and refused.json()["code"] == "device_revoked"
    assert await CheckIn.count() == 0


async def test_console_staff_and_api_tokens_use_the_same_api(client):
    r = await rally_under_way()
    await login(client, r.staff.email)
    answer = await post(
        client, "/api/checkin/redeem", scan(r.youths[0]["token"], r.session_list, device="Tablette accueil")
    )
    assert answer.status_code == 200 and answer.json()["first_by"] == "Karim"
    # A viewer of the organisation reads the figures but does not check anyone in.
    viewer = await make_user("lecture@ml.test", r.organisation, Role.viewer)
    await login(client, viewer.email)
    assert (await client.get(f"/api/checkin/lists/{r.session_list}/status")).json()["present"] == 1
    refused = await post(client, "/api/checkin/redeem", scan(r.youths[1]["token"], r.session_list))
    assert refused.status_code == 403
    # A prescriber partner sees the event but not its attendance lists; a stranger gets a 404.
    await adviser_of_partner(r.event, "adviser@partner.test", "Mission Locale partenaire")
    checkin._lists.clear()  # lists are cached for a few seconds
    await login(client, "adviser@partner.test")
    assert (await post(client, "/api/checkin/redeem", scan(r.youths[1]["token"], r.session_list))).status_code == 403
    await make_user("inconnu@ailleurs.test", await make_organisation("Ailleurs"), Role.admin)
    await login(client, "inconnu@ailleurs.test")
    assert (await client.get(f"/api/checkin/events/{r.event.id}/lists")).status_code == 404
    assert (await client.get(f"/api/checkin/lists/{r.session_list}/offline")).status_code == 404


async def test_the_api_is_in_the_openapi_schema(client):
    schema = (await client.get("/schema/openapi.json")).json()
    paths = schema["paths"]
    for path in (
        "/api/checkin/redeem",
        "/api/checkin/pair",
        "/api/checkin/lists/{list_id}/offline",
        "/api/checkin/undo",
    ):
        assert path in paths, path


def pdf_text(pdf: bytes) -> str:
    gs = shutil.which("gs")
    if not gs:
        pytest.fail("Ghostscript (gs) is needed to read PDFs")
    with tempfile.NamedTemporaryFile(suffix=".pdf") as source:
        source.write(pdf)
        source.flush()
        out = subprocess.run(
            [gs, "-q", "-dNOPAUSE", "-dBATCH", "-sDEVICE=txtwrite", "-sOutputFile=-", source.name],
            capture_output=True,
            text=True,
            check=True,
        )
    return out.stdout


async def test_the_console_page_board_statuses_and_attendance_sheet(client):
    r = await rally_under_way(40)
    headers = device_headers(await device(r))
    for youth in r.youths[:30]:
        await post(client, "/api/checkin/redeem", scan(youth["token"], r.session_list), headers)
    await login(client, r.staff.email)
    page = await client.get(f"/events/{r.event.id}/checkin")
    assert page.status_code == 200, page.text
    assert "Jour 1 matin" in page.text and "Garage Martin" in page.text and "Téléphone de Karim" in page.text
    assert f'hx-get="/events/{r.event.id}/checkin/board?v=' in page.text

    # The organiser marks an absence as excused, by hand.
    target = r.youths[35]
    response = await post_form(
        client,
        f"/events/{r.event.id}/checkin/lists/{r.session_list}/status",
        {"registration": str(target["id"]), "status": "excused"},
    )
    assert response.status_code in (302, 303)
    listing = await client.get(f"/events/{r.event.id}/checkin/lists/{r.session_list}")
    assert listing.status_code == 200 and "BENALI Inès35" in listing.text

    pdf = await client.get(f"/events/{r.event.id}/checkin/lists/{r.session_list}/sheet.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.content)
    for expected in ("Jour 1 matin", "Karim", "BENALI Inès0", "BENALI Inès39", "Téléphone de Karim"):
        assert expected in text, expected
    assert text.count("BENALI Inès") == 40


async def test_the_live_board_answers_when_someone_is_checked_in(client, monkeypatch):
    r = await rally_under_way(2)
    headers = device_headers(await device(r))
    await login(client, r.staff.email)
    first = await client.get(f"/events/{r.event.id}/checkin/board")  # an old version: answered at once
    version = first.text.split("board?v=")[1].split('"')[0]
    board_waits = asyncio.Event()
    changes = attendance.changes

    @contextlib.asynccontextmanager
    async def announced_changes(event_id: int):  # tells the test when the board starts waiting for a change
        async with changes(event_id) as next_change:

            async def waiting_for_next_change() -> None:
                board_waits.set()
                await next_change()

            yield waiting_for_next_change

    monkeypatch.setattr(attendance, "changes", announced_changes)
    async with attendance._plugin:  # the channels the app's lifespan starts (tests call the app without it)
        waiting = asyncio.create_task(client.get(f"/events/{r.event.id}/checkin/board?v={version}"))
        await board_waits.wait()
        started = time.perf_counter()
        await post(client, "/api/checkin/redeem", scan(r.youths[0]["token"], r.session_list), headers)
        board = await waiting
        assert time.perf_counter() - started < 1.5
    assert "<strong>1</strong> / 2" in board.text and f"board?v={version}" not in board.text


async def test_duplicates_are_reviewed_and_phones_paired_and_revoked_from_the_console(client):
    r = await rally_under_way(2)
    karim = device_headers(await device(r))
    now = datetime.now(UTC)
    for nonce, minutes in (("a", 9), ("b", 5)):
        await post(
            client,
            "/api/checkin/redeem",
            scan(r.youths[0]["token"], r.session_list, nonce, now - timedelta(minutes=minutes)),
            karim,
        )
    await login(client, r.staff.email)
    page = await client.get(f"/events/{r.event.id}/checkin")
    assert "Duplicate scans to review (1)" in page.text or "(1)" in page.text
    flagged = await CheckIn.select(CheckIn.id).where(CheckIn.nonce == "b").first()
    await post_form(client, f"/events/{r.event.id}/checkin/review/{flagged['id']}", {})
    rows = await CheckIn.select(CheckIn.nonce, CheckIn.notes)
    assert [row["nonce"] for row in rows] == ["a"] and "Téléphone de Karim" in rows[0]["notes"]

    paired = await post_form(client, f"/events/{r.event.id}/checkin/devices", {"name": "Téléphone de Léa", "days": "2"})
    assert paired.status_code == 200 and 'src="data:image/svg+xml;base64,' in paired.text
    url = paired.text.split('<code class="token">')[1].split("</code>")[0]
    assert url.startswith("http") and "/scan/pair#dev_" in url
    token = url.split("#")[1]
    assert (
        await client.get(f"/api/checkin/lists/{r.session_list}/status", headers=device_headers(token))
    ).status_code == 200
    lea = await Device.select(Device.id).where(Device.name == "Téléphone de Léa").first()
    await post_form(client, f"/events/{r.event.id}/checkin/devices/{lea['id']}/revoke", {})
    assert (
        await client.get(f"/api/checkin/lists/{r.session_list}/status", headers=device_headers(token))
    ).status_code == 401
