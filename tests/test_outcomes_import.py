"""An organiser brings in a follow-up spreadsheet: every rejected row is reported with its reasons, the good rows
are saved together on confirmation, and nothing saved before is changed."""

import html
import re
from datetime import date, timedelta

import pytest

from accounts import tokens
from accounts.tables import ApiTokenScope, Role
from core.clock import utcnow
from core.errors import Forbidden
from outcomes import followups
from outcomes.imports import HEADERS, import_situations
from outcomes.services import record_situation
from outcomes.tables import FollowUp, Situation
from tests.factories.accounts import make_organisation, make_user, principal
from tests.factories.outcomes import came, past_event, situation
from tests.factories.registration import make_registration, make_youth
from tests.support import csrf_token, login

HEADER = ";".join(HEADERS) + "\n"  # the model file's


def day(days_ago: int) -> str:
    return (utcnow().date() - timedelta(days=days_ago)).strftime("%d/%m/%Y")


async def upload(client, url: str, content: bytes):
    return await client.post(
        url, files={"file": ("suivi.csv", content, "text/csv")}, data={"_csrf_token": csrf_token(client)}
    )


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.text))


async def test_a_file_mixing_good_and_bad_rows_is_checked_first_and_only_the_good_rows_are_imported(client):
    past = await past_event(days_ago=40)
    yanis = await make_youth(past.organisation, "Yanis", "Roux", "+33612345602", birth_date=date(2004, 1, 31))
    await make_registration(past.event, yanis)
    for phone in ("+33612345603", "+33612345604"):  # two records, same name and birth date
        await make_youth(past.organisation, "Lina", "Faure", phone, birth_date=date(2005, 2, 1))
    await came(past, past.youth, yanis)
    await followups.schedule()
    before_event = (past.event.starts_on - timedelta(days=3)).strftime("%d/%m/%Y")
    future = (utcnow().date() + timedelta(days=10)).strftime("%d/%m/%Y")
    rows = [
        f"06 12 34 56 78;Benali;Inès;;;;{day(5)};CDI;employeur;;Valrhona;Embauchée après la visite",  # 2
        f";Roux;Yanis;31/01/2004;;;{day(3)};En recherche d'emploi;conseiller;;;",  # 3
        f"0699999999;Inconnu;Paul;;;;{day(3)};CDI;;;;",  # 4
        f";Faure;Lina;01/02/2005;;;{day(3)};CDI;;;;",  # 5
        f"0612345678;;;;;;{future};Astronaute;patron;;;",  # 6
        f"+33 6 12 34 56 02;;;;{past.event.id};;{before_event};CDD ou intérim de moins de 6 mois;;8;;",  # 7
        f"0612345678;Benali;Inès;;;;{day(5)};cdi;;;;",  # 8: the same as line 2
        "0612345602;;;;;;32/13/2025;CDI;;;;",  # 9
    ]
    content = (HEADER + "\n".join(rows) + "\n").encode()
    await login(client, "sophie@etti.test")
    assert "/follow-ups/import" in (await client.get("/follow-ups")).text

    preview = text(await upload(client, "/follow-ups/import", content))
    assert "2 lignes peuvent être importées. 6 lignes ne seront pas importées." in preview
    rejected = dict(re.findall(r"<tr><td>(\d+)</td><td>[^<]*</td><td><ul>(.*?)</ul></td></tr>", preview))
    assert sorted(rejected) == ["4", "5", "6", "7", "8", "9"]
    assert "Aucun jeune de votre organisation" in rejected["4"]
    assert "Plusieurs jeunes de votre organisation" in rejected["5"]
    assert "dans le futur" in rejected["6"] and "« Astronaute » n'est pas une situation" in rejected["6"]
    assert "« patron » n'est pas une source" in rejected["6"]
    assert "avant lui" in rejected["7"] and "Un contrat de 8 mois" in rejected["7"]
    assert "Même jeune, même date et même situation qu'à la ligne 2" in rejected["8"]
    assert "Date de la situation : « 32/13/2025 » n'est pas une date" in rejected["9"]  # each reason names its column
    assert await Situation.count() == 0  # a preview saves nothing

    token = re.search(r'name="token" value="([^"]+)"', preview).group(1)
    done = await client.post("/follow-ups/import/confirm", data={"_csrf_token": csrf_token(client), "token": token})
    assert "2 situations enregistrées." in text(done)
    saved = await Situation.select().order_by(Situation.id)
    assert [(s["participant"], s["kind"], s["source"], s["event"]) for s in saved] == [
        (past.youth.id, "cdi", "employer", past.event.id),  # the latest event each came to
        (yanis.id, "job_seeking", "adviser", past.event.id),
    ]
    assert saved[0]["employer"] == "Valrhona" and saved[0]["notes"] == "Embauchée après la visite"
    day_30 = await FollowUp.objects().where((FollowUp.registration == past.registration.id) & (FollowUp.days == 30))
    assert day_30[0].done_at is not None and saved[0]["follow_up"] == day_30[0].id

    again = await client.post("/follow-ups/import/confirm", data={"_csrf_token": csrf_token(client), "token": token})
    assert again.status_code == 410 and await Situation.count() == 2  # a double click imports nothing more


async def test_a_file_saved_by_excel_in_windows_1252_with_semicolons_reads():
    past = await past_event()
    await came(past)
    # Excel drops the phone's leading 0 (a number to it), and a comment may hold a comma.
    content = (
        "Prénom;Nom;Téléphone;Date de la situation;Situation;Commentaire\r\n"
        f"Inès;BENALI;612345678;{day(2)};Contrat aidé;Embauchée, à temps plein\r\n"
    )
    report = await import_situations(past.organiser, past.organisation.id, content.encode("cp1252"), dry_run=False)
    assert (report.saved, report.rejected) == (1, [])
    saved = await Situation.objects().first()
    assert (saved.kind, saved.source, saved.event) == ("subsidised", "organiser", past.event.id)
    assert saved.notes == "Embauchée, à temps plein"


async def test_a_second_import_of_the_same_file_saves_nothing_new_and_changes_nothing():
    past = await past_event()
    earlier = await record_situation(past.organiser, past.youth.id, situation("job_seeking"))
    content = f"telephone,date_situation,situation\n0612345678,{day(4)},CDI\n0612345678,{day(2)},Inactif\n".encode()
    first = await import_situations(past.organiser, past.organisation.id, content, dry_run=False)
    second = await import_situations(past.organiser, past.organisation.id, content, dry_run=False)
    assert (first.saved, second.saved) == (2, 0)
    assert [(r.line, [e.code for e in r.errors]) for r in second.rejected] == [
        (2, ["duplicate_situation"]),
        (3, ["duplicate_situation"]),
    ]
    kinds = {s["id"]: s["kind"] for s in await Situation.select(Situation.id, Situation.kind)}
    assert len(kinds) == 3 and kinds[earlier] == "job_seeking"


async def test_a_youth_of_another_organisation_reads_as_unknown():
    past = await past_event()
    elsewhere = await make_organisation("Mission Locale Voisine")
    await make_youth(elsewhere, "Nora", "Ailleurs", "+33698765432", birth_date=date(2006, 3, 3))
    content = f"telephone;nom;prenom;date_naissance;date_situation;situation\n0698765432;;;;{day(1)};CDI\n"
    content += f";Ailleurs;Nora;03/03/2006;{day(1)};CDI\n"
    report = await import_situations(past.organiser, past.organisation.id, content.encode(), dry_run=False)
    assert [e.code for r in report.rejected for e in r.errors] == ["unknown_youth", "unknown_youth"]
    assert report.saved == 0 and await Situation.count() == 0


async def test_an_adviser_cannot_import_situations(client):
    past = await past_event()
    adviser = await make_user("karim@etti.test", past.organisation, Role.adviser)
    with pytest.raises(Forbidden):
        await import_situations(await principal(adviser), past.organisation.id, b"telephone\n", dry_run=True)
    await login(client, "karim@etti.test")
    assert "/follow-ups/import" not in (await client.get("/follow-ups")).text
    assert (await client.get("/follow-ups/import")).status_code == 403
    content = f"telephone;date_situation;situation\n0612345678;{day(1)};CDI\n".encode()
    assert (await upload(client, "/follow-ups/import", content)).status_code == 403
    assert await Situation.count() == 0


async def test_the_api_checks_a_file_and_answers_each_rejected_row_with_structured_errors(client):
    past = await past_event()
    admin = await principal(await make_user("direction@etti.test", past.organisation, Role.admin))
    writer = await tokens.create_token(admin, past.organisation.id, "Synchro i-milo", ApiTokenScope.write)
    reader = await tokens.create_token(admin, past.organisation.id, "Tableau de bord", ApiTokenScope.read)
    url = f"/api/organisations/{past.organisation.id}/situations/import"
    content = f"telephone;date_situation;situation\n0612345678;{day(1)};CDI\n0600000000;;Astronaute\n".encode()
    files = {"file": ("suivi.csv", content, "text/csv")}

    def send(token: str, **params):
        return client.post(url, params=params, files=files, headers={"authorization": f"Bearer {token}"})

    assert (await send(reader, dry_run="true")).status_code == 403
    checked = await send(writer, dry_run="true")
    assert checked.status_code == 200, checked.text
    answer = checked.json()
    assert (answer["dry_run"], answer["accepted"], answer["saved"]) == (True, 1, 0)
    assert answer["rejected"][0]["line"] == 3
    assert {(e["field"], e["code"]) for e in answer["rejected"][0]["errors"]} == {
        ("youth", "unknown_youth"),
        ("since", "required"),
        ("kind", "unknown_situation"),
    }
    assert all(e["message"] for e in answer["rejected"][0]["errors"])
    assert await Situation.count() == 0

    imported = (await send(writer)).json()
    assert (imported["dry_run"], imported["saved"]) == (False, 1) and await Situation.count() == 1

    missing = await client.post(
        url,
        files={"file": ("x.csv", b"nom;prenom\nRoux;Yanis\n", "text/csv")},
        headers={"authorization": f"Bearer {writer}"},
    )
    assert missing.status_code == 400 and missing.json()["code"] == "missing_columns"
    huge = b"telephone;date_situation;situation\n" + b"0612345678;01/01/2026;CDI\n" * 1001
    too_many = await client.post(
        url, files={"file": ("x.csv", huge, "text/csv")}, headers={"authorization": f"Bearer {writer}"}
    )
    assert too_many.status_code == 413 and too_many.json()["code"] == "too_many_rows"
    schema = (await client.get("/schema/openapi.json")).json()
    operation = schema["paths"]["/api/organisations/{organisation_id}/situations/import"]["post"]
    assert "file" in operation["requestBody"]["content"]["multipart/form-data"]["schema"]["properties"]


async def test_the_model_file_has_the_headers_and_an_example_row_that_reads(client):
    past = await past_event()
    await login(client, "sophie@etti.test")
    model = await client.get("/follow-ups/import/model.csv")
    assert model.status_code == 200 and model.headers["content-type"].startswith("text/csv")
    lines = model.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("telephone;nom;prenom;date_naissance") and len(lines) == 2
    report = await import_situations(past.organiser, past.organisation.id, model.content, dry_run=True)
    assert len(report.accepted) == 1  # Inès Benali, 06 12 34 56 78, as in the example
