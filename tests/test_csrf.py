"""Unsafe requests without the CSRF token are refused, with a clear message."""

from tests.factories.accounts import make_organisation, make_user
from tests.support import login


async def test_form_post_without_csrf_token_is_refused_in_french(client):
    await client.get("/login")
    response = await client.post("/login", data={"email": "a@b.c", "password": "x"})
    assert response.status_code == 403
    assert "Votre formulaire a expiré" in response.text
    assert "Traceback" not in response.text


async def test_post_with_a_forged_token_is_refused(client):
    ml = await make_organisation("ML")
    await make_user("karima@ml.test", ml)
    await login(client, "karima@ml.test")
    response = await client.post("/logout", data={"_csrf_token": "forged"})
    assert response.status_code == 403
    assert (await client.get("/")).status_code == 200  # still logged in: nothing happened


async def test_api_client_gets_a_json_error_code(client):
    response = await client.post("/password-reset", headers={"accept": "application/json"})
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
