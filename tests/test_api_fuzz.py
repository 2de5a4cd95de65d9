"""The API keeps to its own OpenAPI schema whatever it is sent: Schemathesis generates requests for every
operation of the schema (valid ones, and ones the schema forbids) and sends them, with an organisation's
read-write API token, to the real server running on the demo's data. No answer may be a server error, and every
answer must be one the schema documents: its status, its content type, its headers and its body; a method the
schema does not list is a 405 with an `Allow` header, and OPTIONS lists the documented methods.

The run is bounded (FUZZ_EXAMPLES cases per operation and phase, a fixed seed) to stay well under three minutes
on a 2-core machine; to fuzz longer locally: `TREMPLIN_FUZZ_EXAMPLES=200 TREMPLIN_FUZZ_SEED=random pytest
tests/test_api_fuzz.py` (README, "Tests").
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys

import httpx
import pytest

from accounts import tokens
from accounts.services import CurrentUser
from accounts.tables import ApiTokenScope, Organisation, Role, User
from app.demo import DEMO_LOGIN, load_demo
from core.i18n import gettext as _
from events.tables import Event, Series, Session, Site
from registration import proposals
from registration.tables import Participant, Proposal
from tests.factories.accounts import make_user, organiser, principal
from tests.factories.adviser_loop import adviser_and_youth
from tests.factories.events import make_event
from tests.scan_support import ServerProcess
from tests.support import api, csrf_token

EXAMPLES = int(os.environ.get("TREMPLIN_FUZZ_EXAMPLES", "10"))
SEED = os.environ.get("TREMPLIN_FUZZ_SEED", "20261206")
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",  # what the schema forbids is refused with a 4xx
    "missing_required_header",
    "unsupported_method",  # a method the schema does not list: 405 with Allow
    "allow_header_conformance",  # OPTIONS: Allow lists the documented methods
    "use_after_free",
    "ensure_resource_availability",
    "ignored_auth",  # without the token (or with a wrong one), what the schema protects is a 401
]
# Not checked: positive_data_acceptance (a request the schema allows may still break a rule of the domain: a
# session that ends before it starts) and object_level_authorization (tests/test_tenancy.py and the access
# matrix cover who may see what).


async def write_token() -> tuple[str, int]:
    """A read-write token of the demo's collective, as its admin creates it on the console."""
    collective = await Organisation.select(Organisation.id).where(Organisation.kind == "collectif").first()
    admin = await User.select(User.id).where(User.email == DEMO_LOGIN).first()
    acting = CurrentUser(
        id=admin["id"], email=DEMO_LOGIN, full_name="Sophie Durand", language="fr", roles={collective["id"]: Role.admin}
    )
    return await tokens.create_token(acting, collective["id"], "Fuzzing", ApiTokenScope.write), collective["id"]


@pytest.fixture
def server():
    process = ServerProcess()
    process.start()  # fails the test when the server does not answer /healthz
    yield process
    process.stop()


async def demo_ids(organisation_id: int) -> dict[str, list[int]]:
    """Ids of the collective's own records, per path parameter: half the generated requests name one of them (the
    other half, generated ids, are mostly a 404), so that the operations behind an id are reached too."""
    events = [r["id"] for r in await Event.select(Event.id).where(Event.organisation == organisation_id)]
    found = {
        "event_id": events,
        "session_id": await Session.select(Session.id).where(Session.event.is_in(events)),
        "site_id": await Site.select(Site.id).where(Site.organisation == organisation_id),
        "series_id": await Series.select(Series.id).where(Series.organisation == organisation_id),
        "participant_id": await Participant.select(Participant.id).where(Participant.organisation == organisation_id),
    }
    return {name: [r if isinstance(r, int) else r["id"] for r in rows][:50] for name, rows in found.items() if rows}


def config_file(workdir, organisation_id: int, ids: dict[str, list[int]]):
    lines = [f"[dictionaries.{name}]\nvalues = {values}\n" for name, values in ids.items()]
    lines += ["[parameters]"]
    lines += [f'"path.{name}" = {{ dictionary = "{name}", probability = 0.5 }}' for name in ids]
    # The organisation's own resources are fuzzed under its id (any other is a 404, and would hide the rest).
    lines += [
        "\n[[operations]]",
        'include-path-regex = "^/api/organisations/"',
        f'parameters = {{ "path.organisation_id" = {organisation_id} }}',
    ]
    config = workdir / "schemathesis.toml"
    config.write_text("\n".join(lines) + "\n")
    return config


def schemathesis(base: str, token: str, config, workdir) -> subprocess.CompletedProcess:
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--no-color",
        "--config-file",
        str(config),
        "run",
        f"{base}/schema/openapi.json",
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        ",".join(CHECKS),
        "--max-examples",
        str(EXAMPLES),
        "--workers",
        "2",
        "--generation-database",
        "none",
        "--request-timeout",
        "30",
        "--wait-for-schema",
        "10",
        "--output-truncate",
        "true",
        *([] if SEED == "random" else ["--seed", SEED]),
    ]
    return subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=600)


async def test_every_answer_of_the_api_is_one_its_schema_documents_and_none_is_a_server_error(server, tmp_path):
    await load_demo(compose_rally=False)
    token, organisation_id = await write_token()
    async with httpx.AsyncClient(base_url=server.url) as caller:  # the token works: the run is not all 401s
        assert (await caller.get("/api/me", headers={"authorization": f"Bearer {token}"})).status_code == 200

    config = config_file(tmp_path, organisation_id, await demo_ids(organisation_id))

    run = await asyncio.to_thread(schemathesis, server.url, token, config, tmp_path)

    report = run.stdout + run.stderr
    assert run.returncode == 0, report[-20_000:]
    selected = re.search(r"Selected: (\d+)/(\d+)", report)
    tested = re.search(r"Tested: (\d+)", report)
    assert selected and tested, report[-5_000:]
    assert int(tested.group(1)) == int(selected.group(1)) == int(selected.group(2)) > 50, report[-5_000:]


# --------------------------------------------------------------------------- what the fuzzing found


async def test_an_api_token_cannot_propose_an_event_a_proposal_is_signed_by_an_adviser(client):
    loop = await adviser_and_youth()
    director = await principal(await make_user("direction@ml.test", loop.ml, Role.admin))
    token = await tokens.create_token(director, loop.ml.id, "Synchro i-milo", ApiTokenScope.write)

    refused = await client.post(
        f"/api/youths/{loop.youth.id}/proposals",
        json={"event_id": loop.event.id},
        headers={"authorization": f"Bearer {token}"},
    )

    assert refused.status_code == 403, refused.text  # was a 500: the proposal's author is a person (id 0 is no one)
    assert refused.json() == {"code": "forbidden", "detail": _(proposals.SIGNED_BY_A_PERSON)}
    assert await Proposal.count() == 0


async def test_the_schema_documents_the_error_body_the_api_sends_on_every_operation(client):
    schema = (await client.get("/schema/openapi.json")).json()
    error = schema["components"]["schemas"]["ErrorOut"]
    assert error["required"] == ["code", "detail"] and "status_code" not in error["properties"]
    operations = [(path, op) for path, item in schema["paths"].items() for method, op in item.items()]
    for path, op in operations:
        errors = {status: r for status, r in op["responses"].items() if status.startswith(("4", "5"))}
        assert errors, path  # every operation says how it fails
        if path.startswith("/api/") and path != "/api/checkin/pair":
            assert {"401", "403"} <= set(errors), path  # every API operation needs a caller with a role
            assert op["security"] == [{"token": []}, {"session": []}], path
        for status, response in errors.items():
            refs = response["content"]["application/json"]["schema"]["$ref"]
            assert refs.endswith("/ErrorOut") or (path == "/healthz" and status == "503"), (path, status)

    answer = await client.get("/api/events")  # and the API sends what the schema says
    assert answer.status_code == 401 and set(answer.json()) == {"code", "detail"}


async def test_a_date_time_written_as_a_number_is_refused_on_its_field(client):
    organisation, _user = await organiser(client)
    event = await make_event(organisation)

    answer = await api(
        client,
        "POST",
        f"/api/events/{event.id}/sessions",
        {"title": "Accueil", "starts_at": 1_790_000_000, "ends_at": "2027-01-05T10:00:00"},
    )
    assert answer.status_code == 400, answer.text  # was accepted as seconds since 1970
    assert answer.json()["extra"] == [
        {"message": "Expected `datetime`, got `int`", "key": "starts_at", "source": "body"}
    ]

    text_for_a_number = await api(
        client,
        "POST",
        f"/api/events/{event.id}/sessions",
        {"title": "Accueil", "starts_at": "2027-01-05T09:00:00", "ends_at": "2027-01-05T10:00:00", "capacity": "12"},
    )
    assert text_for_a_number.status_code == 400 and text_for_a_number.json()["extra"][0]["key"] == "capacity"

    labelled_as_text = await client.post(  # read as JSON whatever the Content-Type says: as strictly
        f"/api/events/{event.id}/sessions",
        content=b'{"title": "Accueil", "starts_at": 1790000000, "ends_at": "2027-01-05T10:00:00"}',
        headers={"x-csrftoken": csrf_token(client), "content-type": "text/plain"},
    )
    assert labelled_as_text.status_code == 400 and labelled_as_text.json()["extra"][0]["key"] == "starts_at"


async def test_options_lists_exactly_the_methods_the_schema_documents(client):
    schema = (await client.get("/schema/openapi.json")).json()
    for path, item in schema["paths"].items():
        documented = {method.upper() for method in item} | {"OPTIONS"}
        answer = await client.options(re.sub(r"\{[^}]+\}", "1", path.replace("{format}", "rallye")))
        assert answer.status_code == 204, path
        assert set(answer.headers["allow"].split(", ")) == documented, path  # was GET, OPTIONS where PATCH too
