"""A user who forgot their password gets a one-hour link by e-mail, over real SMTP."""

import dataclasses
import html
from datetime import timedelta

from accounts.tables import PasswordReset
from core.clock import utcnow
from messaging.outbox import deliver_due
from messaging.tables import OutboxMessage
from tests.factories.accounts import make_organisation, make_user
from tests.support import first_link, get_form, login, post_form, text_of


def _smtp(settings, server):
    return dataclasses.replace(settings, smtp_host="127.0.0.1", smtp_port=server.port)


async def _ask_for_link(client, settings, smtp_server, email="karima@ml.test") -> str:
    response = await post_form(client, "/password-reset", {"email": email})
    assert response.status_code == 200
    assert "Consultez vos e-mails" in response.text
    await deliver_due(_smtp(settings, smtp_server))
    (message,) = await smtp_server.wait_for(1)
    assert message["To"] == email
    assert "mot de passe" in message["Subject"]
    return first_link(text_of(message)).removeprefix(settings.base_url)


async def test_user_resets_a_forgotten_password_by_email(client, settings, smtp_server):
    ml = await make_organisation("ML")
    await make_user("karima@ml.test", ml)

    path = await _ask_for_link(client, settings, smtp_server)
    form = await get_form(client, path)
    assert "Choisir un nouveau mot de passe" in form.text
    response = await post_form(
        client, path, {"password": "mon-nouveau-secret-2026", "password_confirm": "mon-nouveau-secret-2026"}
    )
    assert response.status_code == 302

    assert (await login(client, "karima@ml.test")).status_code == 401  # the old password is gone
    assert (await login(client, "karima@ml.test", "mon-nouveau-secret-2026")).status_code == 302


async def test_a_reset_link_works_only_once(client, settings, smtp_server):
    ml = await make_organisation("ML")
    await make_user("karima@ml.test", ml)
    path = await _ask_for_link(client, settings, smtp_server)
    data = {"password": "mon-nouveau-secret-2026", "password_confirm": "mon-nouveau-secret-2026"}
    assert (await post_form(client, path, data)).status_code == 302

    again = await client.get(path)
    assert again.status_code == 400
    assert "a expiré ou a déjà servi" in html.unescape(again.text)


async def test_an_expired_reset_link_says_so_and_changes_nothing(client, settings, smtp_server):
    ml = await make_organisation("ML")
    await make_user("karima@ml.test", ml)
    path = await _ask_for_link(client, settings, smtp_server)
    await PasswordReset.update({PasswordReset.expires_at: utcnow() - timedelta(minutes=1)}, force=True)

    response = await post_form(
        client, path, {"password": "mon-nouveau-secret-2026", "password_confirm": "mon-nouveau-secret-2026"}
    )
    assert response.status_code == 400
    assert "a expiré" in response.text
    assert (await login(client, "karima@ml.test")).status_code == 302  # old password still works


async def test_a_weak_or_mistyped_new_password_is_refused_on_its_field(client, settings, smtp_server):
    ml = await make_organisation("ML")
    await make_user("karima@ml.test", ml)
    path = await _ask_for_link(client, settings, smtp_server)

    weak = await post_form(client, path, {"password": "court", "password_confirm": "court"})
    assert weak.status_code == 400
    assert 'id="error-password"' in weak.text and "au moins 12 caractères" in weak.text

    mistyped = await post_form(client, path, {"password": "mon-nouveau-secret", "password_confirm": "autre-chose-123"})
    assert 'id="error-password_confirm"' in mistyped.text


async def test_unknown_email_gets_the_same_page_and_no_mail(client, settings, smtp_server):
    response = await post_form(client, "/password-reset", {"email": "inconnu@nulle.part"})
    assert response.status_code == 200
    assert "Consultez vos e-mails" in response.text
    assert await OutboxMessage.count() == 0


async def test_a_tampered_reset_link_gets_a_clear_page(client):
    response = await client.get("/password-reset/nimporte-quoi")
    assert response.status_code == 400
    assert "n'est pas valide" in html.unescape(response.text)


async def test_a_password_reset_ends_other_sessions(app, client, settings, smtp_server):
    import httpx

    ml = await make_organisation("ML")
    await make_user("karima@ml.test", ml)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as laptop:
        await login(laptop, "karima@ml.test")
        assert (await laptop.get("/")).status_code == 200
        path = await _ask_for_link(client, settings, smtp_server)
        await post_form(
            client, path, {"password": "mon-nouveau-secret-2026", "password_confirm": "mon-nouveau-secret-2026"}
        )
        assert (await laptop.get("/")).status_code == 302


async def test_mail_server_outage_keeps_the_message_for_a_retry(client, settings):
    ml = await make_organisation("ML")
    await make_user("karima@ml.test", ml)
    await post_form(client, "/password-reset", {"email": "karima@ml.test"})

    unreachable = dataclasses.replace(settings, smtp_host="127.0.0.1", smtp_port=1)
    await deliver_due(unreachable)

    message = await OutboxMessage.objects().first()
    assert message.status == "queued" and message.attempts == 1 and message.last_error
    assert message.next_attempt_at > utcnow()
