"""A rally's printed documents: each team's road sheet, each company's visit schedule, as pages and PDFs."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import zlib
from datetime import date, datetime
from zoneinfo import ZoneInfo

import httpx

from accounts.tables import OrganisationKind, Role, User
from planning import documents
from planning.store import travel_minutes_between
from planning.tables import Companion
from tests.factories.accounts import make_organisation, make_user, organiser
from tests.factories.events import adviser_of_partner
from tests.factories.planning import Rally, Slot, TeamPlan, make_team, make_visit, place, rally
from tests.support import login

PARIS = ZoneInfo("Europe/Paris")
DAY = date(2030, 3, 11)  # a Monday, in winter time (UTC+1)
DEPOT = (44.93340, 4.89240)
BAKERY = (44.92500, 4.90500)
GARAGE = (44.95000, 4.87000)
HOST_SITE = {
    "address": "12 rue Faventines",
    "postcode": "26000",
    "city": "Valence",
    "contact_name": "Paul Martin",
    "contact_phone": "+33475112233",
}


def text(response: httpx.Response) -> str:
    return html.unescape(response.text)


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(DAY.year, DAY.month, DAY.day, hour, minute, tzinfo=PARIS)


async def build_rally(organisation, prefix: str = "") -> Rally:
    """Team 3 (Inès, Yanis, Lina, who needs step-free access) leaves the Mission Locale by car with Marc and
    visits the bakery at 09:30 then the garage at 10:45."""
    bakery, garage = f"{prefix}Boulangerie Martin", f"{prefix}Garage du Rhône"
    return await rally(
        organisation,
        title=f"{prefix}Rallye pour l'emploi",
        starts_on=DAY,
        contact_phone="+33475000000",
        sessions=[Slot(at(9), at(12, 30))],
        meeting=place(
            f"{prefix}Mission Locale de Valence", DEPOT, company=False, address="5 avenue des Alpes", postcode="26000"
        ),
        places=[
            place(bakery, BAKERY, accessible=True, access_notes="Entrée de plain-pied par la cour", **HOST_SITE),
            place(garage, GARAGE, accessible=False, **HOST_SITE),
        ],
        youths=[
            {"first_name": "Inès", "last_name": "Benali", "phone": "+33612345601"},
            {"first_name": "Yanis", "last_name": "Benali", "phone": "+33612345602"},
            {"first_name": "Lina", "last_name": "Benali", "phone": "+33612345603", "reduced_mobility": True},
        ],
        companions=[{"full_name": "Marc Dupont", "phone": "+33612345678", "has_car": True}],
        teams=[
            TeamPlan(
                3,
                members=(0, 1, 2),
                companion=0,
                visits=[(bakery, at(9, 30), at(10, 15)), (garage, at(10, 45), at(11, 30))],
            )
        ],
    )


def pdf_facts(pdf: bytes) -> tuple[int, list[str]]:
    """Page count and bookmark titles (WeasyPrint makes one per heading) of a PDF, read with zlib only."""
    chunks = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            chunks.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue  # an image or a font program
    raw = b"\n".join(chunks)
    titles = []
    for literal, hexa in re.findall(rb"/Title\s*(?:\(((?:[^()\\]|\\.)*)\)|<([0-9a-fA-F]+)>)", raw):
        titles.append(bytes.fromhex(hexa.decode()).decode("utf-16") if hexa else literal.decode("latin-1"))
    return len(re.findall(rb"/Type\s*/Page\b", raw)), titles


def pdf_text(pdf: bytes) -> str | None:
    """The PDF's text with poppler's pdftotext when the machine has it."""
    if not shutil.which("pdftotext"):
        return None
    return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


async def _companion_account(rally) -> str:
    """Marc works at the Mission Locale that refers youths to the rally, and leads team 3."""
    await adviser_of_partner(rally.event, "marc@ml.test")
    marc = await User.objects().get(User.email == "marc@ml.test")
    await Companion.update({Companion.user: marc.id}).where(Companion.id == rally.companion.id)
    return "marc@ml.test"


async def test_companion_reads_the_team_road_sheet_on_a_phone(client, app):
    organisation, _ = await organiser(client)
    rally = await build_rally(organisation)
    event, team = rally.event, rally.team
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as phone:
        await login(phone, await _companion_account(rally))
        response = await phone.get(f"/events/{event.id}/planning/teams/{team.id}/road-sheet")
    assert response.status_code == 200, response.text
    page = text(response)
    assert 'name="viewport"' in page and "/static/documents.css" in page
    for expected in ("Rallye pour l'emploi", "Inès Benali", "Yanis Benali", "Lina Benali", "Marc Dupont"):
        assert expected in page
    assert 'href="tel:+33612345678"' in page and "06 12 34 56 78" in page  # the companion, one tap away
    assert "+33612345601" not in page and "06 12 34 56 01" not in page  # youths' phones are not printed
    assert "Mission Locale de Valence" in page and "5 avenue des Alpes, 26000" in page
    assert "09:30–10:15" in page and "10:45–11:30" in page
    assert page.index("Boulangerie Martin") < page.index("Garage du Rhône")
    assert "12 rue Faventines, 26000 Valence" in page and "Paul Martin" in page and 'href="tel:+33475112233"' in page
    assert "Entrée de plain-pied par la cour" in page
    first_leg = travel_minutes_between(DEPOT, BAKERY)
    assert f"{first_leg} min" in page
    assert (
        "https://www.openstreetmap.org/directions?engine=fossgis_osrm_car"
        "&amp;route=44.93340%2C4.89240%3B44.92500%2C4.90500" in response.text
    )
    assert "<svg" in page and "<polyline" in page and page.count("<circle") == 2  # the offline sketch

    sheet = await documents.road_sheet(event.id, team.id)
    day = sheet["days"][0]
    assert [s["minutes"] for s in day["stops"]][0] == first_leg
    assert day["leave_at"] == f"09:{30 - first_leg:02d}"
    # Lina needs step-free access: the bakery confirmed it, the garage did not.
    assert [s["step_free_unconfirmed"] for s in day["stops"]] == [False, True]
    assert day["back_at"] == f"11:{30 + travel_minutes_between(GARAGE, DEPOT):02d}"


async def test_road_sheet_pdf_is_a_real_pdf_with_the_team_on_it(client, caplog):
    organisation, _ = await organiser(client)
    rally = await build_rally(organisation)
    response = await client.get(f"/events/{rally.event.id}/planning/teams/{rally.team.id}/road-sheet.pdf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == 'inline; filename="feuille-de-route-equipe-3.pdf"'
    assert "no-store" in response.headers["cache-control"]
    assert response.content.startswith(b"%PDF-")
    pages, titles = pdf_facts(response.content)
    assert pages == 1
    assert any(t.endswith(" 3") for t in titles)  # the team's heading
    assert any("Boulangerie Martin" in t for t in titles) and any("Garage du Rhône" in t for t in titles)
    assert any("Rallye pour l'emploi" in t for t in titles)  # the document's title
    # WeasyPrint says so in its log when it drops CSS it does not understand or a resource it cannot load.
    assert not [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint") and r.levelno >= 30]
    if (extracted := pdf_text(response.content)) is not None:
        assert "Marc Dupont" in extracted and "Inès Benali" in extracted and "09:30" in extracted


async def test_company_sees_which_teams_arrive_and_when(client, app):
    organisation, _ = await organiser(client)
    rally = await build_rally(organisation)
    event = rally.event
    company, bakery = rally.companies["Boulangerie Martin"], rally.sites["Boulangerie Martin"]
    garage = rally.sites["Garage du Rhône"]
    await make_user("paul@boulangerie.test", company, Role.staff)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as baker:
        await login(baker, "paul@boulangerie.test")
        response = await baker.get(f"/events/{event.id}/planning/sites/{bakery.id}/schedule")
        assert response.status_code == 200, response.text
        page = text(response)
        assert "Boulangerie Martin" in page and "09:30–10:15" in page and "Paul Martin" in page
        assert "Marc Dupont" in page and 'href="tel:+33612345678"' in page
        assert "Benali" not in page  # a company learns how many youths come, not who they are
        pdf = await baker.get(f"/events/{event.id}/planning/sites/{bakery.id}/schedule.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
        assert pdf.headers["content-disposition"] == 'inline; filename="planning-boulangerie-martin.pdf"'
        # Another company's schedule and the team's road sheet (youths' names) are not the baker's to read.
        assert (await baker.get(f"/events/{event.id}/planning/sites/{garage.id}/schedule")).status_code == 403
        team_sheet = await baker.get(f"/events/{event.id}/planning/teams/{rally.team.id}/road-sheet")
        assert team_sheet.status_code == 403 and "Benali" not in team_sheet.text
        assert (await baker.get(f"/events/{event.id}/planning/road-sheets.pdf")).status_code == 403

    schedule = await documents.site_schedule(event.id, bakery.id)
    (arrival,) = schedule["days"][0]["arrivals"]
    assert (arrival["team"], arrival["youths"], arrival["step_free"]) == (3, 3, True)


async def test_organiser_prints_every_road_sheet_and_every_schedule_one_per_page(client):
    organisation, _ = await organiser(client)
    rally = await build_rally(organisation)
    event = rally.event
    other = await make_team(event, 4)  # no companion yet: still printed, by public transport
    await make_visit(other, rally.sites["Garage du Rhône"], at(9), at(9, 45))

    sheets = await client.get(f"/events/{event.id}/planning/road-sheets.pdf")
    assert sheets.status_code == 200
    assert sheets.headers["content-disposition"] == 'inline; filename="feuilles-de-route.pdf"'
    pages, titles = pdf_facts(sheets.content)
    assert pages == 2
    assert [t[-1] for t in titles if re.search(r"\s[34]$", t)] == ["3", "4"]

    schedules = await client.get(f"/events/{event.id}/planning/site-schedules.pdf")
    assert schedules.status_code == 200
    assert schedules.headers["content-disposition"] == 'inline; filename="plannings-entreprises.pdf"'
    pages, titles = pdf_facts(schedules.content)
    assert pages == 2
    assert titles.index("Boulangerie Martin") < titles.index("Garage du Rhône")


async def test_another_organisations_team_is_not_found(client, app):
    organisation, _ = await organiser(client)
    mine = await build_rally(organisation)
    neighbour = await make_organisation("Collectif Voisin", OrganisationKind.collectif)
    theirs = await build_rally(neighbour, prefix="Voisin ")
    their_bakery = theirs.sites["Voisin Boulangerie Martin"]
    event, their_event = mine.event.id, theirs.event.id

    # A team or a site of another event, even through my own event's address, is not found.
    for path in (
        f"/events/{event}/planning/teams/{theirs.team.id}/road-sheet",
        f"/events/{event}/planning/teams/{theirs.team.id}/road-sheet.pdf",
        f"/events/{event}/planning/sites/{their_bakery.id}/schedule",
        f"/events/{event}/planning/sites/{their_bakery.id}/schedule.pdf",
        f"/events/{their_event}/planning/teams/{theirs.team.id}/road-sheet",
        f"/events/{their_event}/planning/teams/{theirs.team.id}/road-sheet.pdf",
        f"/events/{their_event}/planning/sites/{their_bakery.id}/schedule",
        f"/events/{their_event}/planning/sites/{their_bakery.id}/schedule.pdf",
        f"/events/{their_event}/planning/road-sheets.pdf",
        f"/events/{their_event}/planning/site-schedules.pdf",
    ):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert "Voisin" not in response.text and "Benali" not in response.text
    assert (await client.get(f"/events/{event}/planning/teams/{mine.team.id}/road-sheet")).status_code == 200
