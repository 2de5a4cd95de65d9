"""Every answer carries the security headers, errors included; browsers keep no copy of a page holding
someone's personal data; over HTTPS, browsers are told to come back only over HTTPS."""

import dataclasses

import httpx

from app.asgi import create_app
from tests.factories.accounts import organiser
from tests.factories.registration import personal_token, published_event, registered
from tests.support import csrf_token

HSTS = "max-age=31536000; includeSubDomains"


def _secured(response: httpx.Response) -> bool:
    return (
        response.headers.get("x-content-type-options") == "nosniff"
        and response.headers.get("x-frame-options") == "DENY"
        and "frame-ancestors 'none'" in response.headers.get("content-security-policy", "")
    )


def _no_store(response: httpx.Response) -> bool:
    return "no-store" in response.headers.get("cache-control", "")


async def test_error_pages_carry_the_security_headers(client):
    not_found = await client.get("/nulle-part", headers={"accept": "text/html"})
    wrong_method = await client.request("DELETE", "/login")
    api_refusal = await client.get("/api/events")
    youth_link_unknown = await client.get("/r/pas-un-vrai-lien")

    assert not_found.status_code == 404 and _secured(not_found)
    assert wrong_method.status_code == 405 and _secured(wrong_method)
    assert api_refusal.status_code == 401 and _secured(api_refusal)
    assert youth_link_unknown.status_code == 404 and _secured(youth_link_unknown)


async def test_https_sites_ask_browsers_to_stay_on_https(settings):
    secure = create_app(
        dataclasses.replace(settings, base_url="https://tremplin.example.org"),
        manage_database=False,
        run_outbox_worker=False,
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=secure), base_url="https://testserver") as c:
        assert (await c.get("/login")).headers["strict-transport-security"] == HSTS
        assert (await c.get("/nulle-part")).headers["strict-transport-security"] == HSTS


async def test_a_plain_http_site_sends_no_hsts(client):
    assert "strict-transport-security" not in (await client.get("/login")).headers


async def test_console_pages_are_never_kept_by_the_browser(client):
    organisation, _ = await organiser(client)
    event = await published_event(organisation=organisation)
    await registered(event)

    for path in ("/", "/youths", f"/events/{event.id}/registrations", "/api/events", "/nulle-part"):
        response = await client.get(path)
        assert _no_store(response), f"{path}: {response.headers.get('cache-control')}"


async def test_a_youths_personal_pages_are_never_kept_by_the_browser(client, app):
    organisation, _ = await organiser(client)
    event = await published_event(organisation=organisation)
    row = await registered(event)
    token = await personal_token(row["id"])

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as phone:
        personal = await phone.get(f"/r/{token}")
        proposal = await phone.get(f"/e/{event.public_token}?p=une-proposition")
        answer = await phone.get("/s/pas-un-vrai-lien")
        public = await phone.get(f"/e/{event.public_token}")
        typed_again = await phone.post(
            f"/e/{event.public_token}",
            data={"_csrf_token": csrf_token(phone), "first_name": "Inès", "phone": "06"},
        )

    assert personal.status_code == 200 and _no_store(personal)
    assert _no_store(proposal) and _no_store(answer)
    assert _no_store(typed_again), "the form shown again holds what the youth typed"
    assert public.status_code == 200 and not _no_store(public), "the public event page may be cached"
