"""Tickets: the QR code on the personal page, the PDF ticket, badges, and re-issuing a lost code."""

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import qrcode.constants

from checkin import tickets
from core.pdf import render_pdf
from registration.tables import Registration
from tests.factories.checkin import device, rally_under_way, scan
from tests.factories.registration import registration_row
from tests.support import csrf_token, device_headers, login, post, post_form


def decode_pdf(pdf: bytes) -> list[list[str]]:
    """The QR codes of each page: Ghostscript rasterises the PDF, zbarimg reads the codes."""
    gs, zbarimg = shutil.which("gs"), shutil.which("zbarimg")
    if not gs or not zbarimg:
        pytest.fail("Ghostscript (gs) and zbarimg (zbar-tools) are needed to read the QR codes of PDFs")
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "document.pdf"
        source.write_bytes(pdf)
        subprocess.run(
            [
                gs,
                "-q",
                "-dNOPAUSE",
                "-dBATCH",
                "-sDEVICE=pnggray",
                "-r300",  # a QR code module spans several pixels: zbar reads every code
                "-dGraphicsAlphaBits=1",
                f"-sOutputFile={folder}/page-%03d.png",
                source,
            ],
            check=True,
        )
        codes = []
        for page in sorted(Path(folder).glob("page-*.png")):
            found = subprocess.run([zbarimg, "-q", "--raw", page], capture_output=True, text=True)
            assert found.returncode in (0, 4), found.stderr  # 4: a page without any code
            codes.append(found.stdout.split())
        return codes


def test_a_ticket_token_fits_a_small_qr_code_at_ecc_m():
    for _ in range(50):
        code = tickets.qr_code(tickets.new_ticket_token())
        assert code.error_correction == qrcode.constants.ERROR_CORRECT_M
        assert 2 <= code.version <= 3


async def test_the_personal_page_shows_the_ticket_and_the_pdf_scans_back_to_the_token(client):
    r = await rally_under_way(1)
    registration = await registration_row(r.youths[0]["id"])
    page = await client.get(f"/r/{registration['manage_token']}")
    assert f'src="/r/{registration["manage_token"]}/ticket.svg"' in page.text
    svg = await client.get(f"/r/{registration['manage_token']}/ticket.svg")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.startswith("<svg") and "<path" in svg.text
    pdf = await client.get(f"/r/{registration['manage_token']}/ticket.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert decode_pdf(pdf.content) == [[registration["ticket_token"]]]


async def test_a_reissued_ticket_makes_the_old_code_unknown(client):
    r = await rally_under_way(1)
    headers = device_headers(await device(r))
    old = r.youths[0]["token"]
    registration = await registration_row(r.youths[0]["id"])
    await client.get(f"/r/{registration['manage_token']}")
    response = await client.post(
        f"/r/{registration['manage_token']}/ticket/reissue", data={"_csrf_token": csrf_token(client)}
    )
    assert response.status_code in (302, 303), response.text
    new = (await registration_row(registration["id"]))["ticket_token"]
    assert new != old and len(new) == 22
    assert (await post(client, "/api/checkin/redeem", scan(old, r.session_list), headers)).json()["result"] == "unknown"
    assert (await post(client, "/api/checkin/redeem", scan(new, r.session_list), headers)).json()["result"] == "ok"


async def test_only_a_confirmed_place_has_a_ticket(client):
    r = await rally_under_way(1)
    registration = await registration_row(r.youths[0]["id"])
    await Registration.update({Registration.status: "waiting"}).where(Registration.id == registration["id"])
    assert (await client.get(f"/r/{registration['manage_token']}/ticket.svg")).status_code == 404
    assert "ticket.svg" not in (await client.get(f"/r/{registration['manage_token']}")).text


async def test_badges_come_eight_to_an_a4_sheet_and_every_code_scans_back_to_its_ticket():
    r = await rally_under_way(10)
    rows = await tickets.badge_rows(r.event.id)
    pdf = await render_pdf(tickets.badges_html(r.event.title, rows), "http://testserver")
    pages = decode_pdf(pdf)
    assert [len(codes) for codes in pages] == [8, 2]
    assert sorted(code for codes in pages for code in codes) == sorted(y["token"] for y in r.youths)


async def test_the_console_makes_badges_in_the_background_and_shows_progress(client):
    r = await rally_under_way(9)
    await login(client, r.staff.email)
    started = await post_form(client, f"/events/{r.event.id}/checkin/badges", {})
    assert started.status_code in (302, 303)
    job_id = started.headers["location"].split("job=")[1].split("#")[0]
    page = await client.get(started.headers["location"])
    assert f'hx-get="/events/{r.event.id}/checkin/badges/{job_id}"' in page.text or "badges.pdf" in page.text
    progress = await client.get(f"/events/{r.event.id}/checkin/badges/{job_id}")
    if "badges.pdf" not in progress.text:
        assert "<progress" in progress.text
        await tickets.badge_job(job_id, r.event.id).task  # the job runs in this loop (the app is called over ASGI)
        progress = await client.get(f"/events/{r.event.id}/checkin/badges/{job_id}")
    assert "badges.pdf" in progress.text
    pdf = await client.get(f"/events/{r.event.id}/checkin/badges/{job_id}/badges.pdf")
    assert pdf.status_code == 200
    codes = decode_pdf(pdf.content)
    assert [len(page) for page in codes] == [8, 1]
    assert sorted(c for page in codes for c in page) == sorted(y["token"] for y in r.youths)
    # Another event's page does not give this job away.
    other = await rally_under_way(1, organisation=r.organisation, email="sophie@ml.test")
    assert (await client.get(f"/events/{other.event.id}/checkin/badges/{job_id}")).status_code == 404
