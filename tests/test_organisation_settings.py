"""An organisation's settings: its admins change its details, its names on messages, its quiet hours and its
logo; its members read them; another organisation does not even see the page."""

from __future__ import annotations

import dataclasses
import io
import json
import re
import shutil
import subprocess
import tempfile
from datetime import UTC, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from accounts import organisation_settings as org_settings
from accounts.tables import AuditEntry, Logo, Organisation, OrganisationKind, Role
from checkin import tickets
from core.db import write_transaction
from messaging import outbox, senders
from messaging.tables import OutboxMessage
from tests.factories.accounts import make_organisation, make_user, principal
from tests.factories.checkin import rally_under_way
from tests.factories.registration import published_event
from tests.sms_support import API_KEY, SmsServer
from tests.support import SmtpServer, csrf_token, login, post_form

PARIS = ZoneInfo("Europe/Paris")
MAGENTA = (255, 0, 255)


@pytest.fixture
def sms_server():
    server = SmsServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail_server():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def png(width: int = 120, height: int = 40, colour=MAGENTA) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="PNG")
    return out.getvalue()


async def admin_of(client, name: str = "Mission Locale Drôme Nord", role: Role = Role.admin):
    organisation = await make_organisation(name, OrganisationKind.mission_locale)
    user = await make_user("claire@ml-drome.test", organisation, role)
    await login(client, "claire@ml-drome.test")
    return organisation, await principal(user)


def form(**changes: str) -> dict[str, str]:
    values = {
        "name": "Mission Locale Drôme Nord",
        "kind": "mission_locale",
        "siret": "",
        "address": "",
        "postcode": "",
        "city": "",
        "phone": "",
        "email": "",
        "email_sender_name": "",
        "sms_sender": "",
        "quiet_start": "",
        "quiet_end": "",
    }
    return values | changes


async def row(organisation_id: int) -> dict:
    return await Organisation.select().where(Organisation.id == organisation_id).first()


# ------------------------------------------------------------------------------------------ the details


async def test_an_admin_renames_the_organisation_and_sets_its_siret(client):
    organisation, _admin = await admin_of(client)
    home = await client.get(f"/organisations/{organisation.id}")
    assert f'href="/organisations/{organisation.id}/settings"' in home.text
    page = await client.get(f"/organisations/{organisation.id}/settings")
    assert page.status_code == 200
    for field in ("name", "kind", "siret", "address", "postcode", "city", "phone", "email", "logo", "sms_sender"):
        assert f'<label for="field-{field}"' in page.text, field
    assert "Entreprise de travail temporaire d'insertion" in page.text or "ETTI" in page.text

    saved = await post_form(
        client,
        f"/organisations/{organisation.id}/settings",
        form(
            name="Intérim Solidaire Drôme",
            kind="etti",
            siret="901 234 567 00013",
            address="5 avenue des Alpes",
            postcode="26000",
            city="Valence",
            phone="04 75 12 34 56",
            email="Contact@Interim-Solidaire.test",
            sms_sender="ISDrome",
            quiet_start="20:00",
            quiet_end="09:00",
        ),
    )
    assert saved.status_code in (302, 303), saved.text
    after = await row(organisation.id)
    assert after["name"] == "Intérim Solidaire Drôme"
    assert (after["kind"], after["siae_kind"]) == ("siae", "etti")
    assert after["siret"] == "90123456700013" and after["phone"] == "+33475123456"
    assert after["email"] == "contact@interim-solidaire.test" and after["sms_sender"] == "ISDrome"
    assert after["quiet_hours"] == "20:00-09:00"
    page = await client.get(f"/organisations/{organisation.id}/settings")
    assert "Paramètres enregistrés" in page.text and 'value="901 234 567 00013"' in page.text
    assert 'value="04 75 12 34 56"' in page.text

    entry = await AuditEntry.select().where(AuditEntry.action == "settings_changed").first()
    assert entry["organisation"] == organisation.id and "SIRET" in entry["summary"]
    details = entry["details"] if isinstance(entry["details"], dict) else json.loads(entry["details"])
    changed = details["changed"]
    assert changed["name"] == ["Mission Locale Drôme Nord", "Intérim Solidaire Drôme"]
    assert changed["siret"] == ["", "90123456700013"]

    # Saving the same details again changes nothing and records nothing.
    await post_form(client, f"/organisations/{organisation.id}/settings", form(**_shown(page.text)))
    assert await AuditEntry.count().where(AuditEntry.action == "settings_changed") == 1


def _shown(html: str) -> dict[str, str]:
    """The values the form shows, as a browser would send them back."""
    values = dict(re.findall(r'name="(\w+)" type="(?:text|tel|email|time)"\s*value="([^"]*)"', html))
    values["kind"] = re.search(r'<option value="(\w+)" selected', html).group(1)
    return values


async def test_a_siret_with_a_wrong_check_digit_is_refused_and_nothing_is_saved(client):
    organisation, _admin = await admin_of(client)
    refused = await post_form(
        client,
        f"/organisations/{organisation.id}/settings",
        form(
            name="Nouveau nom",
            siret="901 234 567 00014",
            sms_sender="Mission Locale",
            phone="04 75",
            postcode="260",
            quiet_start="21:00",
            email="pas-une-adresse",
        ),
    )
    assert refused.status_code == 400
    text = refused.text.replace("&#39;", "'")
    assert "Le numéro SIRET n'est pas valide (clé de contrôle)" in text
    assert "Pas d'espace : écrivez le nom en un seul mot" in text
    assert "numéro de téléphone n'est pas valide" in text
    assert "cinq chiffres" in text and "adresse e-mail valide" in text
    assert "le début et la fin" in text
    assert "Rien n'a été enregistré : corrigez les 6 champs indiqués ci-dessous." in text
    # What was typed stays, each error sits on its field, and the first one takes the focus.
    assert 'value="901 234 567 00014"' in text and 'value="Nouveau nom"' in text and 'value="Mission Locale"' in text
    for field in ("siret", "sms_sender", "phone", "postcode", "email", "quiet_end"):
        assert f'aria-invalid="true" aria-describedby="error-{field}"' in text, field
    assert text.count(" autofocus") == 1 and 'aria-describedby="error-siret" autofocus' in text
    after = await row(organisation.id)
    assert after["name"] == "Mission Locale Drôme Nord" and after["siret"] == "" and after["sms_sender"] == ""
    assert await AuditEntry.count() == 0

    short = await post_form(client, f"/organisations/{organisation.id}/settings", form(siret="9012345"))
    assert short.status_code == 400 and "14 chiffres" in short.text


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("901 234 567 00013", "90123456700013"),
        ("356 000 000 00048", "35600000000048"),  # La Poste's head office keeps the key
        ("35600000049189", "35600000049189"),  # another of its establishments: the digits add up to 5 × 9
        ("", ""),
    ],
)
def test_valid_sirets_including_la_postes(typed, kept):
    assert org_settings.check_siret(typed) == kept


@pytest.mark.parametrize(
    ("typed", "refusal"),
    [
        ("90123456700014", org_settings.SiretCheckDigitWrong),
        ("35600000049188", org_settings.SiretCheckDigitWrong),  # La Poste's rule: 44 is no multiple of 5
        ("9012345670001", org_settings.SiretNotFourteenDigits),
        ("901234567000130", org_settings.SiretNotFourteenDigits),
        ("90123456I00013", org_settings.SiretNotFourteenDigits),
    ],
)
def test_sirets_refused(typed, refusal):
    with pytest.raises(refusal):
        org_settings.check_siret(typed)


@pytest.mark.parametrize(
    ("typed", "refusal"),
    [
        ("MissionLocale26", org_settings.SmsSenderTooLong),
        ("ML Drome", org_settings.SmsSenderSpaces),
        ("MLDrôme", org_settings.SmsSenderCharacters),  # ô is not in the GSM alphabet
        ("ML-Drome", org_settings.SmsSenderCharacters),
        ("0475123456", org_settings.SmsSenderNeedsALetter),
    ],
)
def test_sms_sender_names_refused(typed, refusal):
    with pytest.raises(refusal):
        org_settings.check_sms_sender(typed)


def test_sms_sender_names_accepted():
    assert org_settings.check_sms_sender(" MLDrome26 ") == "MLDrome26"
    assert org_settings.check_sms_sender("Intérim") == "Intérim"  # é is in the GSM alphabet
    assert org_settings.check_sms_sender("ABCDEFGHIJK") == "ABCDEFGHIJK"


# ------------------------------------------------------------------------------------------- messages


async def test_texts_of_the_organisation_go_out_under_its_sms_sender_name(settings, sms_server, mail_server):
    organisation = await make_organisation("Mission Locale Drôme Nord")
    admin = await principal(await make_user("claire@ml-drome.test", organisation, Role.admin))
    other = await make_organisation("Collectif Ardèche")
    await org_settings.save(admin, organisation.id, form(sms_sender="MLDrome", email_sender_name="ML Drôme Nord"))
    async with write_transaction():
        for key, org in (("ours", organisation.id), ("theirs", other.id), ("platform", None)):
            await outbox.enqueue_sms(to="+33612345678", text="Rappel", key=key, organisation_id=org, urgent=True)
        await outbox.enqueue_email(to="ines@example.test", subject="Rappel", text="Bonjour", key="mail-ours",
                                   organisation_id=organisation.id)  # fmt: skip
        await outbox.enqueue_email(to="ines@example.test", subject="Rappel", text="Bonjour", key="mail-theirs",
                                   organisation_id=other.id)  # fmt: skip
    conf = dataclasses.replace(
        settings,
        smtp_host="127.0.0.1",
        smtp_port=mail_server.port,
        sms_provider="brevo",
        sms_api_key=API_KEY,
        sms_api_url=sms_server.url,
    )
    assert await outbox.deliver_due(conf) == 5
    by_reference = {a.reference: a.sender for a in await sms_server.wait_for(3)}
    assert by_reference == {"ours": "MLDrome", "theirs": "Tremplin", "platform": "Tremplin"}
    froms = {m["Message-ID"]: m["From"] for m in await mail_server.wait_for(2)}
    ours = next(v for k, v in froms.items() if k == outbox.message_id_for(conf, "mail-ours"))
    theirs = next(v for k, v in froms.items() if k == outbox.message_id_for(conf, "mail-theirs"))
    assert ours.addresses[0].display_name == "ML Drôme Nord"
    assert ours.addresses[0].addr_spec == "no-reply@tremplin.local"  # the platform's address: SPF and DKIM hold
    assert theirs.addresses[0].display_name == "Collectif Ardèche"  # the default: the organisation's name


async def test_an_organisations_own_quiet_hours_hold_its_texts_instead_of_the_platforms(settings):
    organisation = await make_organisation("Mission Locale Drôme Nord")
    admin = await principal(await make_user("claire@ml-drome.test", organisation, Role.admin))
    other = await make_organisation("Collectif Ardèche")
    evening = datetime(2026, 3, 10, 21, 30, tzinfo=PARIS).astimezone(UTC)  # quiet for the platform (21:00-08:00)
    late = datetime(2026, 3, 10, 23, 0, tzinfo=PARIS).astimezone(UTC)
    async with write_transaction():  # read once with the platform's hours: the save must not leave them kept
        await outbox.enqueue_sms(to="+33612345678", text="x", key="before", organisation_id=organisation.id, now=late)
    await org_settings.save(admin, organisation.id, form(quiet_start="22:00", quiet_end="07:30"))
    async with write_transaction():
        for key, org, now in [("ours-evening", organisation.id, evening), ("ours-late", organisation.id, late),
                              ("theirs-evening", other.id, evening)]:  # fmt: skip
            await outbox.enqueue_sms(to="+33612345678", text="x", key=key, organisation_id=org, now=now)
    due = {r["idempotency_key"]: r["next_attempt_at"] for r in await OutboxMessage.select()}
    assert due["before"] == datetime(2026, 3, 11, 8, 0, tzinfo=PARIS)
    assert due["ours-evening"] == evening  # 21:30 is before its own quiet hours: it goes now
    assert due["ours-late"] == datetime(2026, 3, 11, 7, 30, tzinfo=PARIS)
    assert due["theirs-evening"] == datetime(2026, 3, 11, 8, 0, tzinfo=PARIS)


# ------------------------------------------------------------------------------------------------ logo


def _magenta_pixels(pdf: bytes) -> int:
    gs = shutil.which("gs")
    if not gs:
        pytest.fail("Ghostscript (gs) is needed to look at the PDF's pages")
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "badges.pdf"
        source.write_bytes(pdf)
        target = Path(folder) / "page.png"
        subprocess.run([gs, "-q", "-dNOPAUSE", "-dBATCH", "-sDEVICE=png16m", "-r40", "-dFirstPage=1",
                        "-dLastPage=1", f"-sOutputFile={target}", source], check=True)  # fmt: skip
        with Image.open(target) as image:
            colours = image.convert("RGB").getcolors(1 << 24) or []
            return sum(count for count, colour in colours if colour == MAGENTA)


async def test_the_logo_shows_on_the_public_page_and_on_the_badges(client):
    r = await rally_under_way(2)
    await make_user("claire@ml-drome.test", r.organisation, Role.admin)
    await login(client, "claire@ml-drome.test")
    logo = png()
    saved = await client.post(
        f"/organisations/{r.organisation.id}/settings",
        data={"_csrf_token": csrf_token(client), **form(name=r.organisation.name, kind="mission_locale")},
        files={"logo": ("logo.txt", logo, "text/plain")},  # named and typed wrong: its bytes decide
    )
    assert saved.status_code in (302, 303), saved.text
    digest = (await row(r.organisation.id))["logo"]
    assert len(digest) == 64 and await Logo.count() == 1

    # Anyone gets it, cacheable, by its digest.
    client.cookies.clear()
    served = await client.get(f"/logos/{digest}")
    assert served.status_code == 200 and served.content == logo and served.headers["content-type"] == "image/png"
    assert served.headers["etag"] == f'"{digest}"' and "max-age" in served.headers["cache-control"]
    again = await client.get(f"/logos/{digest}", headers={"if-none-match": f'"{digest}"'})
    assert again.status_code == 304 and again.content == b""
    assert (await client.get(f"/logos/{'0' * 64}")).status_code == 404

    event = await published_event(organisation=r.organisation, title="Info-coll de mars")
    public = await client.get(f"/e/{event.public_token}")
    assert f'src="/logos/{digest}"' in public.text
    others = await published_event(title="Info-coll voisine")  # another organisation, without a logo
    assert "/logos/" not in (await client.get(f"/e/{others.public_token}")).text

    # The badges: with the logo, a magenta corner on each; the same badges without it have none.
    with_logo = tickets.badges_html(
        r.event.title, await tickets.badge_rows(r.event.id), logo=await org_settings.logo_data_uri(r.organisation.id)
    )
    from core.pdf import render_pdf

    assert _magenta_pixels(await render_pdf(with_logo, "http://testserver")) > 0
    without = tickets.badges_html(r.event.title, await tickets.badge_rows(r.event.id))
    assert _magenta_pixels(await render_pdf(without, "http://testserver")) == 0
    # And the console's badges job puts it there.
    await login(client, "claire@ml-drome.test")
    started = await post_form(client, f"/events/{r.event.id}/checkin/badges", {})
    job_id = started.headers["location"].split("job=")[1].split("#")[0]
    await tickets.badge_job(job_id, r.event.id).task
    pdf = await client.get(f"/events/{r.event.id}/checkin/badges/{job_id}/badges.pdf")
    assert _magenta_pixels(pdf.content) > 0

    # Removing it: the page and the route forget it.
    await client.post(
        f"/organisations/{r.organisation.id}/settings",
        data={"_csrf_token": csrf_token(client), **form(name=r.organisation.name), "remove_logo": "on"},
    )
    assert (await row(r.organisation.id))["logo"] == "" and await Logo.count() == 0
    assert (await client.get(f"/logos/{digest}")).status_code == 404


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "PNG ou JPEG"),
        (b"\x89PNG\r\n\x1a\n" + b"pas une image", "PNG ou JPEG"),  # the signature alone is not enough
        (b"\xff\xd8\xff" + b"0" * (800 * 1024), "Le logo dépasse 500 Ko"),
    ],
)
async def test_a_logo_that_is_not_a_small_png_or_jpeg_is_refused(client, content, words):
    organisation, _admin = await admin_of(client)
    refused = await client.post(
        f"/organisations/{organisation.id}/settings",
        data={"_csrf_token": csrf_token(client), **form()},
        files={"logo": ("logo.png", content, "image/png")},
    )
    assert refused.status_code == 400 and words in refused.text
    assert (await row(organisation.id))["logo"] == "" and await Logo.count() == 0


# ------------------------------------------------------------------------------------------ who may


async def test_a_non_admin_sees_the_details_but_cannot_change_them(client):
    organisation, _organiser = await admin_of(client, role=Role.organiser)
    await Organisation.update({Organisation.siret: "90123456700013", Organisation.sms_sender: "MLDrome"}).where(
        Organisation.id == organisation.id
    )
    page = await client.get(f"/organisations/{organisation.id}/settings")
    assert page.status_code == 200
    assert "901 234 567 00013" in page.text and "MLDrome" in page.text and "21:00–08:00" in page.text
    assert 'name="siret"' not in page.text and "Seul·e un·e administrateur·rice" in page.text
    refused = await post_form(client, f"/organisations/{organisation.id}/settings", form(name="Piraté"))
    assert refused.status_code == 403
    assert (await row(organisation.id))["name"] == "Mission Locale Drôme Nord" and await AuditEntry.count() == 0


async def test_another_organisation_gets_404_and_changes_nothing(client):
    theirs = await make_organisation("Mission Locale Voisine")
    await admin_of(client)
    assert (await client.get(f"/organisations/{theirs.id}/settings")).status_code == 404
    refused = await post_form(client, f"/organisations/{theirs.id}/settings", form(name="Piraté"))
    assert refused.status_code == 404 and "Mission Locale Voisine" not in refused.text
    assert (await row(theirs.id))["name"] == "Mission Locale Voisine"


def test_quiet_hours_the_platform_cannot_read_give_way_to_its_own(settings):
    assert senders.quiet_window(settings, "22:00-07:30") == (time(22, 0), time(7, 30))
    assert (
        senders.quiet_window(settings, "")
        == senders.quiet_window(settings, "n'importe quoi")
        == (
            time(21, 0),
            time(8, 0),
        )
    )


@pytest.mark.parametrize(
    ("typed", "kept"),
    [("", ""), ("30, 90, 180", ""), ("15 45", "15,45"), ("30;60;120;365", "30,60,120,365")],
)
def test_follow_up_delays_are_kept_as_typed_or_as_the_default(typed, kept):
    assert org_settings.check_follow_up_days(typed) == kept


@pytest.mark.parametrize("typed", ["90, 30", "30, 30", "3", "30, 800", "un mois", "7, 14, 21, 28, 35"])
def test_follow_up_delays_refused(typed):
    with pytest.raises(org_settings.FollowUpDaysInvalid):
        org_settings.check_follow_up_days(typed)
