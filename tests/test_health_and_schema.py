"""Operators check health; API users read the OpenAPI schema."""


async def test_healthz_checks_the_database(client):
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


async def test_openapi_schema_lists_the_api_not_the_console(client):
    schema = (await client.get("/schema/openapi.json")).json()
    paths = schema["paths"]
    assert "/api/events" in paths and "/api/events/{event_id}" in paths and "/api/me" in paths
    assert not any(p.startswith("/login") or p.startswith("/events") for p in paths)


async def test_static_assets_are_served_by_the_app(client):
    css = await client.get("/static/vendor/pico.min.css")
    assert css.status_code == 200 and len(css.content) > 10_000
    assert (await client.get("/static/vendor/htmx.min.js")).status_code == 200


async def test_pages_send_security_headers(client):
    response = await client.get("/login")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


async def test_unknown_page_is_a_french_404_without_a_trace(client):
    response = await client.get("/nulle-part", headers={"accept": "text/html"})
    assert response.status_code == 404
    assert "Page introuvable" in response.text


async def test_api_errors_are_json_with_a_code(client):
    response = await client.get("/api/events")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
