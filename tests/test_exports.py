"""Exports for funders and partners: each file opens in a spreadsheet (XLSX read back with openpyxl, CSV with
the csv module) with the expected rows, a name that looks like a formula stays text, an empty period gives
the header row alone, and nobody exports what they may not see."""

import csv
import io
from datetime import timedelta
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from accounts import tokens
from accounts.tables import ApiTokenScope, AuditEntry, Role
from reporting.formats import neutral, xlsx_bytes
from tests.factories.accounts import make_organisation, make_user, principal
from tests.factories.reporting import FORMULA_NAME, a_year
from tests.support import login


def xlsx_rows(response) -> list[list]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    return [[("" if v is None else v) for v in row] for row in sheet.iter_rows(values_only=True)]


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.text
    assert response.content.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark"
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def by_name(rows: list[list], header: str = "Nom") -> dict[str, list]:
    column = rows[0].index(header)
    return {row[column]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}


async def test_the_organiser_exports_the_years_registrations_in_both_formats(client):
    year = await a_year()
    await login(client, "sophie@etti.test")
    url = f"/organisations/{year.etti.id}/exports/registrations"

    rows = xlsx_rows(await client.get(f"{url}.xlsx?{year.period()}"))
    assert rows[0][:6] == ["Nom", "Prénom", "Date de naissance", "Tranche d'âge", "Téléphone", "E-mail"]
    found = by_name(rows)
    assert set(found) == {"Benali", "'" + FORMULA_NAME, "Martin", "Roux"}
    ines = found["Benali"]
    assert ines["Téléphone"] == "06 12 34 56 78" and ines["Date de naissance"] == "2005-04-12"
    assert ines["QPV"] == "oui" and ines["Organisation qui a orienté"] == "Mission Locale Valence"
    assert ines["Conseiller·ère"] == "Karima" and ines["Statut"] == "Inscrit·e" and ines["Tranche d'âge"] == "18–21 ans"
    assert found["Martin"]["Statut"] == "Annulée" and found["Roux"]["Statut"] == "Refusée"
    assert csv_rows(await client.get(f"{url}.csv?{year.period()}")) == [[str(v) for v in row] for row in rows]


async def test_attendance_has_one_row_per_youth_and_session_with_hours(client):
    year = await a_year()
    await login(client, "sophie@etti.test")
    rows = xlsx_rows(await client.get(f"/organisations/{year.etti.id}/exports/attendance.xlsx?{year.period()}"))
    found = by_name(rows)
    assert set(found) == {"Benali", "'" + FORMULA_NAME}  # the cancelled and the refused had no place
    assert found["Benali"]["Heures de présence"] == 2  # a number: entry 9:00, exit scan 11:00
    assert found["Benali"]["Date"] == year.day.isoformat()
    entry = year.session.starts_at.astimezone(ZoneInfo("Europe/Paris"))  # the event's time zone
    assert found["Benali"]["Entrée"] == f"{entry:%H:%M}" == found["Benali"]["Début"]
    assert found["Benali"]["Sortie"] == f"{entry + timedelta(hours=2):%H:%M}"
    assert found["'" + FORMULA_NAME]["Heures de présence"] == 0
    assert found["'" + FORMULA_NAME]["Émargement"] == "Absence non excusée"


async def test_outcomes_list_results_on_the_spot_and_situations(client):
    year = await a_year()
    await login(client, "sophie@etti.test")
    rows = xlsx_rows(await client.get(f"/organisations/{year.etti.id}/exports/outcomes.xlsx?{year.period()}"))
    kinds = [(r[0], r[1], r[5]) for r in rows[1:]]
    assert len(kinds) == 3 and all(name == "Benali" for _type, name, _kind in kinds)
    result = dict(zip(rows[0], rows[1], strict=True))
    assert result["Entreprise ou employeur"] == "'+Boulangerie Dupain"  # escaped: it starts with +
    assert result["Enregistré par"] == "Sophie" and result["Type"] == "Résultat immédiat"


async def test_fse_participants_have_entry_and_exit_and_their_situations(client):
    year = await a_year()
    await login(client, "sophie@etti.test")
    rows = xlsx_rows(await client.get(f"/organisations/{year.etti.id}/exports/fse.xlsx?{year.period()}"))
    assert len(rows) == 2  # only Inès came
    ines = dict(zip(rows[0], rows[1], strict=True))
    assert ines["Date d'entrée"] == ines["Date de sortie"] == year.day.isoformat()
    assert ines["Situation à l'entrée"] == "En recherche d’emploi"
    assert ines["Catégorie à la sortie"] == "Emploi durable"
    assert ines["Téléphone"] == "06 12 34 56 78"


async def test_the_mission_locale_export_has_its_session_statuses(client):
    year = await a_year()
    await login(client, "sophie@etti.test")
    rows = csv_rows(await client.get(f"/organisations/{year.etti.id}/exports/mission-locale.csv?event={year.event.id}"))
    codes = {row[0]: row[-1] for row in rows[1:]}
    assert codes == {
        "Benali": "attended",
        "'" + FORMULA_NAME: "registered",
        "Martin": "refused_by_youth",
        "Roux": "refused_by_organiser",
    }


async def test_a_name_that_looks_like_a_formula_stays_text_in_both_formats(client):
    year = await a_year()
    await login(client, "sophie@etti.test")
    url = f"/organisations/{year.etti.id}/exports/registrations"
    for rows in (
        xlsx_rows(await client.get(f"{url}.xlsx?{year.period()}")),
        csv_rows(await client.get(f"{url}.csv?{year.period()}")),
    ):
        formula = next(r for r in rows if "HYPERLINK" in str(r[0]))
        assert formula[0] == "'" + FORMULA_NAME and formula[1] == "'@Sam"
        assert formula[rows[0].index("Code postal")] == "'-26000"
    assert [neutral(v) for v in ("\tcmd", "\rx", 3, -2.5, "a-b")] == ["'\tcmd", "'\rx", 3, -2.5, "a-b"]


async def test_a_period_without_data_gives_the_header_row_alone(client):
    year = await a_year()
    await login(client, "sophie@etti.test")
    for kind in ("registrations", "attendance", "outcomes", "fse", "mission-locale"):
        url = f"/organisations/{year.etti.id}/exports/{kind}"
        xlsx = xlsx_rows(await client.get(f"{url}.xlsx?from=2020-01-01&to=2020-12-31"))
        assert len(xlsx) == 1 and xlsx[0][0], kind
        assert len(csv_rows(await client.get(f"{url}.csv?from=2020-01-01&to=2020-12-31"))) == 1, kind


async def test_another_organisation_cannot_export_and_nothing_is_recorded(client):
    year = await a_year()
    other = await make_organisation("ML Ardèche")
    await make_user("intrus@ardeche.test", other, Role.admin)
    await login(client, "intrus@ardeche.test")
    for path in (
        f"/organisations/{year.etti.id}/exports/registrations.csv",
        f"/organisations/{other.id}/exports/registrations.csv?event={year.event.id}",
        f"/api/organisations/{year.etti.id}/exports/fse.xlsx",
    ):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert "Benali" not in response.text
    assert await AuditEntry.count().where(AuditEntry.action == "export") == 0


async def test_an_adviser_exports_only_the_youths_they_referred(client):
    year = await a_year()
    await login(client, "julien@ml.test")
    rows = csv_rows(await client.get(f"/organisations/{year.ml.id}/exports/mission-locale.csv?{year.period()}"))
    assert [row[0] for row in rows[1:]] == ["Martin"]
    await login(client, "karima@ml.test")
    rows = csv_rows(await client.get(f"/organisations/{year.ml.id}/exports/registrations.csv?{year.period()}"))
    assert sorted(row[0] for row in rows[1:]) == sorted(["Benali", "'" + FORMULA_NAME])
    assert rows[1][4].startswith("06 12 34")  # an adviser sees the phone of the youths they referred


async def test_a_read_token_exports_without_phone_or_email_and_the_export_is_audited(client):
    year = await a_year()
    admin = await principal(await make_user("direction@etti.test", year.etti, Role.admin))
    token = await tokens.create_token(admin, year.etti.id, "Tableau FSE", ApiTokenScope.read)
    response = await client.get(
        f"/api/organisations/{year.etti.id}/exports/fse.csv?{year.period()}",
        headers={"authorization": f"Bearer {token}"},
    )
    rows = csv_rows(response)
    assert rows[1][:2] == ["Benali", "Inès"] and rows[1][4] == rows[1][5] == ""
    entry = await AuditEntry.select().where(AuditEntry.action == "export").first()
    assert entry["organisation"] == year.etti.id and "Tableau FSE" in entry["summary"]
    assert '"kind": "fse"' in entry["details"]
    assert "/api/organisations/{organisation_id}/exports/{file}" in (await client.get("/schema/openapi.json")).text


async def test_the_exports_page_offers_every_export_and_shows_every_error_at_once(client):
    year = await a_year()
    await login(client, "sophie@etti.test")
    page = await client.get("/exports/")
    assert page.status_code == 200 and "Participants FSE+" in page.text and "Info-coll intérim" in page.text
    wrong = await client.get("/exports/download?from=32/13/2026&to=&format=pdf")
    assert wrong.status_code == 400
    assert wrong.text.count('class="field-error"') == 3  # the date, the export, the format
    asked = await client.get(
        f"/exports/download?kind=attendance&format=xlsx&event={year.event.id}&organisation={year.etti.id}"
    )
    assert asked.status_code in (302, 303)
    assert asked.headers["location"] == f"/organisations/{year.etti.id}/exports/attendance.xlsx?event={year.event.id}"
    event_page = await client.get(f"/events/{year.event.id}")
    assert f"/organisations/{year.etti.id}/exports/fse.xlsx?event={year.event.id}" in event_page.text


async def test_an_xlsx_file_opens_with_its_header_frozen_and_without_the_characters_xml_cannot_hold():
    async def rows():
        yield ["Léa <&> \x0c", 1.5, 3, None, True]

    book = load_workbook(io.BytesIO(await xlsx_bytes("Présences & heures", ["Nom", "Heures"], rows())))
    sheet = book.active
    assert sheet.title == "Présences & heures" and sheet.freeze_panes == "A2"
    assert sheet["A1"].font.b and [c.value for c in sheet[2]] == ["Léa <&> ", 1.5, 3, None, "oui"]
