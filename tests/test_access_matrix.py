"""Every route, called by every kind of caller, on its own organisation's objects and on another's: each cell
answers as tests/access_matrix.py declares. Writes carry a valid body (tests/test_tenancy.py's, pointed at the
target), so that only the access rule may refuse them. Those let through get any answer but a refusal (a 400 or
409 is fine: the door opened); the others are refused (401, 403, 404, or the login page), never served and never
a server error, and a refused write is refused as well with an empty body (the rule comes before the form).

The routes come from the app's own route table: a route nobody declared fails the first test. Run a new route's
cells with `-k access_matrix`; the failure lists each unexpected cell as "METHOD path [target] caller: status".
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from litestar.routes import HTTPRoute

from tests.access_matrix import ACCESS, PRINCIPALS, Access, Principal
from tests.access_world import World, build_world, fresh
from tests.support import PASSWORD, csrf_token, login
from tests.test_roles import _creations
from tests.test_tenancy import _bodies

SKIPPED_METHODS = {"HEAD", "OPTIONS"}  # answered by Litestar itself
# Path parameters that are not ids: the same value whoever calls.
PLAIN_VALUES = {
    "provider": "webhook",
    "key": "confirmation",
    "channel": "sms",
    "format": "rallye",
    "file": "registrations.csv",
    "file_path": "tremplin.css",
    "path": "elements",
    "kind": "photos",
    "moment": "start",
}
# Routes played after all the others, in this order: they end or change the caller's session.
LAST = ("POST /invitations/{token:str}", "POST /password-reset/{token:str}", "POST /logout", "POST /login")
REDIRECTS = {301, 302, 303, 307, 308}
# Routes that act on one occurrence of a series: their event is one.
OCCURRENCE = {"event_id": "occurrence_id"}
PARAMS = {
    "POST /events/{event_id:int}/move-occurrence": OCCURRENCE,
    "POST /events/{event_id:int}/cancel-occurrence": OCCURRENCE,
    "POST /api/events/{event_id:int}/move-occurrence": OCCURRENCE,
    "POST /api/events/{event_id:int}/cancel-occurrence": OCCURRENCE,
}
# Query strings, from the target's values.
QUERIES = {
    "GET /api/checkin/search": lambda v: {"list": v["list_id"], "q": "In"},
    "GET /youths/{participant_id:int}/merge": lambda v: {"other": v["other_participant_id"]},
}
# Bodies naming other objects than the path's: those of the target (tests/test_tenancy.py's bodies name B's).
BODIES = {
    "POST /api/youths/{participant_id:int}/proposals": lambda v: {"event_id": v["event_id"]},
    "POST /youths/{participant_id:int}/propose": lambda v: {"event": v["event_id"]},
    "POST /youths/{participant_id:int}/merge": lambda v: {"other": v["other_participant_id"]},
    "POST /events/{event_id:int}/teams/{team_id:int}/results": lambda v: {
        "visit": v["visit_id"],
        "result": f"{v['visit_id']}:cv_left",
    },
    "POST /events/{event_id:int}/planning/members/{registration_id:int}/move": lambda v: {"team_id": v["team_id"]},
    "POST /events/{event_id:int}/planning/teams/{team_id:int}/companion": lambda v: {"companion_id": v["companion_id"]},
    "POST /events/{event_id:int}/planning/visits/{visit_id:int}/move": lambda v: {
        "day": 0,
        "start": "09:00",
        "site_id": v["site_id"],
    },
    "POST /events/{event_id:int}/planning/pairs": lambda v: {
        "first": v["registration_id"],
        "second": v["registration_id"],
        "together": "0",
    },
    "POST /events/{event_id:int}/planning/travel": lambda v: {
        "origin": v["site_id"],
        "destination": v["site_id"],
        "car_minutes": 9,
    },
    "POST /events/{event_id:int}/interviews/add": lambda v: {
        "registration_id": v["registration_id"],
        "site_id": v["site_id"],
        "start": "09:00",
    },
    "POST /events/{event_id:int}/interviews/{interview_id:int}/move": lambda v: {
        "site_id": v["site_id"],
        "start": "09:00",
    },
    "POST /events/{event_id:int}/checkin/lists/{list_id:str}/status": lambda v: {
        "registration": v["registration_id"],
        "status": "present",
    },
    "POST /events/{event_id:int}/checkin/lists/{list_id:str}/exit": lambda v: {
        "registration": v["registration_id"],
        "time": "10:00",
    },
    "POST /api/events/{event_id:int}/invitations": lambda v: {"participant_ids": [v["participant_id"]]},
    "POST /events/{event_id:int}/invite": lambda v: {"youth": v["participant_id"]},
    "POST /events/{event_id:int}/partners": lambda v: {"organisation_id": v["partner_id"], "role": "prescriber"},
    "PUT /api/events/{event_id:int}/partners": lambda v: {"organisation_id": v["partner_id"], "role": "prescriber"},
    "POST /directory/{organisation_id:int}/contacts": lambda v: {
        "organisation_id": v["partner_id"],
        "full_name": "Léa",
    },
    "POST /login": lambda v: {"email": "login@a.test", "password": PASSWORD},
    "POST /organisations/{organisation_id:int}/settings": lambda v: {"kind": "aci"},  # A and B stay SIAE
    "POST /youths/{participant_id:int}/parcours/new": lambda v: {"adviser_id": v["parcours_adviser_id"]},
    "POST /parcours/{parcours_id:int}/touchpoints": lambda v: {"starts_at": v["touchpoint_at"]},
    "POST /parcours/{parcours_id:int}/propose": lambda v: {"event_id": v["event_id"]},
    "POST /parcours/touchpoints/{touchpoint_id:int}/move": lambda v: {"starts_at": v["touchpoint_at"]},
    "POST /organisations/{organisation_id:int}/parcours-rhythm": lambda v: {
        "final_review_offset_days": "-5",
        "final_review_minutes": "60",
    },
    "POST /api/organisations/{organisation_id:int}/contacts": lambda v: {
        "organisation_id": v["partner_id"],
        "full_name": "Léa",
    },
}
# Bodies that alone say which organisation's objects they touch: played on A's and on B's. A value naming a
# kind of fresh object is replaced by a new one at each call.
BODY_TARGETED = {
    "POST /api/checkin/redeem",
    "POST /api/checkin/exit",
    "POST /api/checkin/manual",
    "POST /api/checkin/signature",
    "POST /api/checkin/walk-in",
    "POST /api/checkin/undo",
    "GET /api/checkin/search",
}
FRESH_IN_BODY = {
    "POST /api/checkin/undo": {"nonce": "scan_nonce"},
    "POST /youths/{participant_id:int}/merge": {"other": "participant"},
}


def routes(app) -> dict[str, HTTPRoute]:
    """ "METHOD path" -> route, for every route of the app."""
    found = {}
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            for method in handler.http_methods - SKIPPED_METHODS:
                found[f"{method} {route.path}"] = route
    return found


def test_every_route_is_declared(app):
    found = routes(app)
    missing = [f"declare who may call {key} in tests/access_matrix.py" for key in sorted(found) if key not in ACCESS]
    stale = [f"{key} is declared in tests/access_matrix.py but the app has no such route" for key in ACCESS]
    stale = [line for key, line in zip(ACCESS, stale, strict=True) if key not in found]
    assert not missing + stale, "\n".join(missing + stale)


@dataclass
class Caller:
    principal: Principal
    client: httpx.AsyncClient
    headers: dict[str, str]

    @property
    def has_cookies(self) -> bool:
        return self.principal.kind in ("anonymous", "youth", "session")


async def _callers(app, world: World, stack) -> dict[str, Caller]:
    callers = {}
    for principal in PRINCIPALS:
        client = await stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
        )
        headers: dict[str, str] = {}
        if principal.kind == "session":
            response = await login(client, world.emails[principal.name])
            assert response.status_code in REDIRECTS, (principal.name, response.status_code)
        elif principal.kind in ("anonymous", "youth"):
            if principal.kind == "youth":
                assert (await client.get(f"/r/{world.youth}")).status_code == 200
            await client.get("/login")  # the CSRF cookie any browser gets
        elif principal.kind == "token":
            headers["authorization"] = f"Bearer {world.api_read if principal.name == 'api_read' else world.api_write}"
        elif principal.kind == "device":
            headers["authorization"] = f"Device {world.device}"
        callers[principal.name] = Caller(principal, client, headers)
    return callers


def _targets(key: str, route: HTTPRoute) -> list[str | None]:
    if key in BODY_TARGETED:
        return ["A", "B"]
    return [None] if all(name in PLAIN_VALUES for name in route.path_parameters) else ["A", "B"]


async def _path(world: World, route: HTTPRoute, key: str, target: str | None, access: Access) -> str:
    values: dict[str, Any] = {}
    first = route.path.strip("/").split("/")[0]
    for name in route.path_parameters:
        if name in PLAIN_VALUES:
            values[name] = PLAIN_VALUES[name]
            continue
        assert target is not None
        side = world.side(target)
        if name == "code" and first == "lang":
            values[name] = "fr"
        elif name in ("token", "code"):
            assert first in side.links, f"{key}: add the secret link of /{first}/ to tests/access_world.py"
            values[name] = await fresh(world, target, first) if first in access.fresh else side.links[first]
        elif name in access.fresh:
            values[name] = await fresh(world, target, name)
        else:
            name_in_world = PARAMS.get(key, {}).get(name, name)
            assert name_in_world in side.values, f"{key}: add a value for {name} to tests/access_world.py"
            values[name] = side.values[name_in_world]
    return route.path_format.format(**values)


def _refused(response: httpx.Response) -> bool:
    if response.status_code in (401, 403, 404):
        return True
    return response.status_code in REDIRECTS and response.headers.get("location", "").startswith("/login?next=")


def _order(key: str) -> tuple:
    method = key.split(" ")[0]
    if key in LAST:
        return (3, LAST.index(key))
    if ACCESS.get(key, Access("?")).fresh:
        return (2, key)
    return (0 if method == "GET" else 1, key)


@pytest.fixture
def pdfs_unrendered(monkeypatch):
    """A PDF route's page is built (its data read, its template rendered) but not laid out by WeasyPrint, a
    second each: the matrix is about who gets the document, tests/test_*documents* about the document."""
    from core import pdf

    monkeypatch.setattr(pdf, "_write_pdf", lambda html, base_url: b"%PDF-1.7\n")


SHARDS = 4  # the matrix in four tests, each in a world of its own: xdist plays them side by side


@pytest.mark.parametrize("shard", range(SHARDS))
async def test_the_access_matrix(app, pdfs_unrendered, shard):
    table = routes(app)
    keys = [key for n, key in enumerate(sorted(table)) if n % SHARDS == shard and key in ACCESS]
    world = await build_world()
    bodies = _bodies(world.a.values["partner_id"]) | _creations(world.a.values)
    unexpected: list[str] = []
    async with AsyncExitStack() as stack:
        callers = await _callers(app, world, stack)
        for key in sorted(keys, key=_order):
            unexpected += await _play(world, callers, key, table[key], bodies)
    assert not unexpected, f"{len(unexpected)} unexpected cells:\n" + "\n".join(unexpected)


async def _play(world: World, callers: dict[str, Caller], key: str, route: HTTPRoute, bodies: dict) -> list[str]:
    """Every caller on the route, on each target: the cells that did not answer as declared."""
    access, method = ACCESS[key], key.split(" ")[0]
    unexpected = []
    for target in _targets(key, route):
        for caller in callers.values():
            path = await _path(world, route, key, target, access)
            body, query = await _body(world, key, target, bodies)
            response = await _call(caller, method, path, body, query)
            through = not _refused(response) and response.status_code < 500
            expected = access.lets(caller.principal, target, route.path)
            cell = f"{key} [{target or '-'}] {caller.principal.name}: {response.status_code}"
            if response.status_code >= 500:
                unexpected.append(f"{cell} (a server error)")
            elif through and not expected:
                unexpected.append(f"{cell} (let through, should be refused)")
            elif expected and not through:
                unexpected.append(f"{cell} (refused, should get through)")
            elif not expected and method != "GET" and body and access.who == "role" and not access.body_first:
                # Refused with a valid body: refused as well with an empty one, before the body is read.
                response = await _call(caller, method, path, {}, query)
                if not _refused(response):
                    unexpected.append(f"{cell}, {response.status_code} with an empty body (read before refused)")
    return unexpected


async def _body(world: World, key: str, target: str | None, bodies: dict) -> tuple[dict, dict]:
    values = world.side(target or "A").values
    body = dict(bodies.get(key, {}))
    if key in BODY_TARGETED:
        body = _creations(values).get(key, body)
    if key in BODIES:
        body |= BODIES[key](values)
    for field_name, kind in FRESH_IN_BODY.get(key, {}).items():
        body[field_name] = await fresh(world, target or "A", kind)
    return body, QUERIES[key](values) if key in QUERIES else {}


async def _call(caller: Caller, method: str, path: str, body: dict, query: dict) -> httpx.Response:
    api = path.startswith("/api/")
    headers = {"accept": "application/json" if api else "text/html", **caller.headers}
    kwargs: dict[str, Any] = {}
    if method != "GET":
        if caller.has_cookies:
            headers["x-csrftoken"] = csrf_token(caller.client)
        if api:
            kwargs["json"] = body
        else:
            kwargs["data"] = {k: str(v) for k, v in body.items()}
    return await caller.client.request(method, path, headers=headers, params=query, **kwargs)
