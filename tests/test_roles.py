"""A viewer reads; only the roles a rule names may write. Every write route of the console and the API
refuses a viewer of the organisation that holds the data, and writes nothing.

Like tests/test_tenancy.py, the test walks the app's route table: a new write route is checked the day it
is added, and a write a viewer may make must be named below with the reason.
"""

from litestar.routes import HTTPRoute

from accounts.tables import Membership, Organisation, Role, User
from registration.tables import Participant, ReferralLink, Registration
from tests.factories.accounts import make_user
from tests.support import csrf_token, login, post_form
from tests.test_tenancy import ALL_TABLES, _bodies, _is_public, _their_world

WRITES = {"POST", "PUT", "PATCH", "DELETE"}

# Writes any member may make, on their own behalf only.
A_VIEWER_MAY = {
    "POST /logout": "their own session",
    "POST /account": "their own name, language and password",
    "POST /first-steps/put-away": "their own first steps' checklist",
    "POST /calendar-feeds": "their own calendar link to the events they see",
    "POST /series/preview": "shows the dates a series would have, saves nothing",
    "POST /organisations/{organisation_id:int}/switch": "which organisation their own menu opens",
    "POST /organisations/{organisation_id:int}/messages/preview": "shows a text as it would read, saves nothing",
}


def _creations(values: dict) -> dict[str, dict]:
    """A valid body for each write route without an id: they create in the user's organisation."""
    event = {"title": "Piraté", "format": "info_collective", "starts_on": "2030-01-07", "capacity": 10}
    series = {
        "title": "Info-coll piratée",
        "format": "info_collective",
        "rrule": "FREQ=MONTHLY;BYDAY=+2TU",
        "first_start": "2030-01-08T09:30:00",
        "duration_minutes": 90,
    }
    lst, registration, at = values["list_id"], values["registration_id"], "2030-01-07T09:00:00Z"
    return {
        "POST /events/new": event,
        "POST /api/events": event,
        "POST /sites/new": {"name": "Site piraté"},
        "POST /api/sites": {"name": "Site piraté"},
        "POST /series/new": series,
        "POST /api/series": series,
        "POST /follow-ups/import": {},
        "POST /follow-ups/import/confirm": {},
        "POST /api/checkin/redeem": {"token": "x", "list": lst, "nonce": "n1", "scanned_at": at},
        "POST /api/checkin/exit": {"list": lst, "nonce": "n2", "exited_at": at, "registration": registration},
        "POST /api/checkin/manual": {"registration": registration, "list": lst, "nonce": "n3"},
        "POST /api/checkin/signature": {"list": lst, "registration": registration, "path": "M0 0 L1 1"},
        "POST /api/checkin/undo": {"nonce": "leur-scan"},  # their world's scan
        "POST /api/checkin/walk-in": {
            "list": lst,
            "first_name": "Léa",
            "last_name": "B",
            "phone": "0612345678",
            "nonce": "n4",
        },
    }


async def _everything() -> dict[str, list]:
    """Every row of every table: an update shows as well as an insert or a delete."""
    return {t._meta.tablename: sorted(map(repr, await t.select())) for t in ALL_TABLES}


async def _viewer_of_their_world(client) -> tuple[dict, int]:
    values, partner_id = await _their_world()
    theirs = await Organisation.objects().get(Organisation.id == values["organisation_id"])
    await make_user("lecteur@ml.test", theirs, Role.viewer)
    await login(client, "lecteur@ml.test")
    return values, partner_id


async def test_a_viewer_cannot_register_a_youth(client):
    values, _ = await _viewer_of_their_world(client)
    before = await Registration.count()

    response = await post_form(
        client,
        f"/events/{values['event_id']}/register",
        {"first_name": "Léa", "last_name": "Martin", "phone": "0612345678", "postcode": "26000"},
    )

    assert response.status_code == 403
    assert await Registration.count() == before


async def test_a_viewer_cannot_import_a_list_of_youths(client):
    values, _ = await _viewer_of_their_world(client)
    before = await Participant.count()
    csv = "prenom;nom;telephone\nLéa;Martin;0612345678\n".encode()

    response = await client.post(
        f"/events/{values['event_id']}/import",
        data={"_csrf_token": csrf_token(client)},
        files={"file": ("liste.csv", csv, "text/csv")},
    )

    assert response.status_code == 403
    assert await Participant.count() == before


async def test_an_adviser_of_the_organisation_still_registers_a_youth(client):
    values, _ = await _viewer_of_their_world(client)
    theirs = await Organisation.objects().get(Organisation.id == values["organisation_id"])
    await make_user("conseillere@ml.test", theirs, Role.adviser)
    await login(client, "conseillere@ml.test")

    response = await post_form(
        client,
        f"/events/{values['event_id']}/register",
        {"first_name": "Léa", "last_name": "Martin", "phone": "0612345678", "postcode": "26000"},
    )

    assert response.status_code in (302, 303), response.text


async def test_every_write_route_refuses_a_viewer_and_writes_nothing(app, client):
    values, partner_id = await _viewer_of_their_world(client)
    bodies = _bodies(partner_id) | _creations(values)
    viewer = await User.objects().get(User.email == "lecteur@ml.test")
    before = await _everything()

    checked, allowed = [], []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if _is_public(route, handler):
                continue
            for method in sorted(handler.http_methods & WRITES):
                key = f"{method} {route.path}"
                if key in A_VIEWER_MAY:
                    continue
                assert key in bodies, f"add a valid body for {key} to tests/test_tenancy.py or to _creations"
                path = route.path_format.format(**{n: values[n] for n in route.path_parameters})
                kwargs: dict = {}
                if route.path.startswith("/api/"):
                    kwargs["json"] = bodies[key]
                else:
                    kwargs["data"] = {k: str(v) for k, v in bodies[key].items()}
                response = await client.request(
                    method, path, headers={"x-csrftoken": csrf_token(client), "accept": "text/html"}, **kwargs
                )
                if response.status_code not in (403, 404):
                    allowed.append(f"{key} answered {response.status_code}")
                checked.append(key)
    assert not allowed, "a viewer was let through: " + "; ".join(allowed)
    assert len(checked) >= 40, checked
    after = await _everything()
    changed = [name for name in before if before[name] != after[name]]
    assert not changed, f"a viewer's request wrote in {changed}"
    assert await Membership.count().where(Membership.user == viewer.id) == 1


async def test_opening_the_pages_of_youths_creates_no_referral_link(client):
    values, _ = await _viewer_of_their_world(client)

    for path in ("/youths", f"/events/{values['event_id']}/registrations", f"/youths/{values['participant_id']}"):
        assert (await client.get(path)).status_code == 200, path

    assert await ReferralLink.count() == 0
    page = (await client.get(f"/events/{values['event_id']}/registrations")).text
    assert "referral-link" not in page and "/register" not in page  # a viewer neither refers nor registers
    response = await post_form(client, f"/events/{values['event_id']}/referral-link", {})
    assert response.status_code == 403 and await ReferralLink.count() == 0
