"""An organiser logs in, sees their organisation's space, and logs out."""

import json

import httpx
from argon2 import PasswordHasher

from accounts import passwords
from accounts.auth import RENEW_AFTER, RENEWED_KEY
from accounts.tables import Role, User
from tests.factories.accounts import make_organisation, make_user
from tests.support import login, post_form


async def test_organiser_logs_in_and_sees_their_organisation(client):
    ml = await make_organisation("Mission Locale du Test")
    await make_user("karima@ml.test", ml, Role.organiser)

    response = await login(client, "karima@ml.test")
    assert response.status_code == 302
    assert response.headers["location"] == "/"

    home = await client.get("/")
    assert home.status_code == 200
    assert "Mission Locale du Test" in home.text
    assert "Bonjour" in home.text


async def test_a_password_hashed_at_an_older_cost_is_rehashed_at_login_even_if_todays_policy_refuses_it(client):
    ml = await make_organisation("ML")
    user = await make_user("karima@ml.test", ml)
    older = PasswordHasher(time_cost=1, memory_cost=16, parallelism=2)  # as an earlier release hashed
    await User.update({User.password_hash: older.hash("court")}).where(User.id == user.id)

    assert (await login(client, "karima@ml.test", "court")).status_code == 302

    stored = (await User.select(User.password_hash).where(User.id == user.id).first())["password_hash"]
    assert not passwords.needs_rehash(stored) and await passwords.verify_password(stored, "court")


async def test_wrong_password_says_so_in_french_and_keeps_the_email(client):
    ml = await make_organisation("ML")
    await make_user("karima@ml.test", ml)

    response = await login(client, "karima@ml.test", "pas-le-bon-mot-de-passe")

    assert response.status_code == 401
    assert "Adresse e-mail ou mot de passe incorrect." in response.text
    assert 'value="karima@ml.test"' in response.text
    assert "Traceback" not in response.text
    assert (await client.get("/")).status_code == 302


async def test_unknown_account_gets_the_same_answer_as_a_wrong_password(client):
    response = await login(client, "personne@nulle.part", "pas-le-bon-mot-de-passe")
    assert response.status_code == 401
    assert "Adresse e-mail ou mot de passe incorrect." in response.text


async def test_login_is_throttled_after_repeated_failures(client):
    ml = await make_organisation("ML")
    await make_user("cible@ml.test", ml)
    for _ in range(5):
        assert (await login(client, "cible@ml.test", "mauvais-mot-de-passe")).status_code == 401

    # Even the right password is refused for a while.
    response = await login(client, "cible@ml.test")
    assert response.status_code == 429
    assert "Trop de tentatives : réessayez dans 1 seconde" in response.text
    assert (await client.get("/")).status_code == 302


async def test_a_visitor_gets_a_session_only_by_logging_in(client):
    ml = await make_organisation("ML")
    await make_user("karima@ml.test", ml)
    page = await client.get("/login")
    assert page.status_code == 200 and "tremplin_session" not in page.headers.get("set-cookie", "")
    await login(client, "karima@ml.test")
    assert client.cookies.get("tremplin_session")


async def test_login_renews_the_session_id_and_logout_ends_the_session(app, client):
    ml = await make_organisation("ML")
    await make_user("karima@ml.test", ml)
    await login(client, "karima@ml.test")
    first = client.cookies.get("tremplin_session")

    await login(client, "karima@ml.test")  # a session id known before login is never kept
    second = client.cookies.get("tremplin_session")
    assert first and second and first != second
    assert (await client.get("/")).status_code == 200
    assert (await _visit_home_with_session(app, first)).status_code == 302

    response = await post_form(client, "/logout", {})
    assert response.status_code == 302
    assert (await _visit_home_with_session(app, second)).status_code == 302  # the old id is dead


async def _visit_home_with_session(app, session_id: str):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        return await other.get("/", headers={"cookie": f"tremplin_session={session_id}"})


async def test_pages_that_change_nothing_leave_the_session_alone_but_keep_pushing_its_expiry_back(app, client):
    ml = await make_organisation("ML")
    await make_user("karima@ml.test", ml)
    await login(client, "karima@ml.test")
    store, session_id = app.stores.get("sessions"), client.cookies.get("tremplin_session")
    stored = await store.get(session_id)

    page = await client.get("/")
    assert page.status_code == 200 and "tremplin_session" not in page.headers.get("set-cookie", "")
    assert await store.get(session_id) == stored  # not written again

    # A few minutes later, the next page pushes the session's expiry back: it slides while she works.
    data = json.loads(stored)
    data[RENEWED_KEY] -= RENEW_AFTER + 1
    await store.set(session_id, json.dumps(data), expires_in=60)
    page = await client.get("/")
    assert "tremplin_session" in page.headers.get("set-cookie", "")
    assert await store.expires_in(session_id) > 60


async def test_session_cookie_is_httponly_and_samesite(client):
    ml = await make_organisation("ML")
    await make_user("karima@ml.test", ml)
    response = await login(client, "karima@ml.test")
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and "tremplin_session" in v)
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie


async def test_cookies_are_secure_when_served_over_https(settings):
    import dataclasses

    from app.asgi import create_app

    https_settings = dataclasses.replace(settings, base_url="https://tremplin.example.org")
    app = create_app(https_settings, manage_database=False, run_outbox_worker=False)
    ml = await make_organisation("ML")
    await make_user("karima@ml.test", ml)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver") as client:
        response = await login(client, "karima@ml.test")
    cookies = [v for k, v in response.headers.multi_items() if k == "set-cookie"]
    assert cookies and all("Secure" in c for c in cookies)


async def test_a_login_link_never_redirects_to_another_site(client):
    ml = await make_organisation("ML")
    await make_user("karima@ml.test", ml)
    await client.get("/login")
    response = await post_form(
        client, "/login", {"email": "karima@ml.test", "password": "un-mot-de-passe-solide", "next": "//evil.example"}
    )
    assert response.headers["location"] == "/"


async def test_console_pages_are_in_english_after_switching_language(client):
    ml = await make_organisation("ML")
    await make_user("karima@ml.test", ml)
    await login(client, "karima@ml.test")
    await client.get("/lang/en?next=/")
    page = await client.get("/")
    assert "Hello" in page.text and "Bonjour" not in page.text
