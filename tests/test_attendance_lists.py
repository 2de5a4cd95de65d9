"""An adviser follows their youths: the lists say whether each one came, was late, excused or absent."""

import html
import re
from datetime import timedelta

import httpx

from accounts.tables import User
from checkin.tables import CheckIn
from core.clock import utcnow
from tests.factories.accounts import organiser
from tests.factories.events import adviser_of_partner, make_session
from tests.factories.registration import make_registration, make_youth, published_event
from tests.support import login


def cells(page: str, name: str) -> str:
    """The table row of `name` on a page, tags stripped to ' | '."""
    row = next(r for r in html.unescape(page).split("<tr") if name in r)
    return " | ".join(t.strip() for t in re.split(r"<[^>]+>", row) if t.strip())


async def test_an_absent_youth_shows_absent_on_the_advisers_lists_not_present(client, app):
    organisation, _ = await organiser(client)
    event = await published_event(organisation=organisation)
    ml = await adviser_of_partner(event)
    adviser = await User.objects().where(User.email == "karima@ml.test").first()
    start = utcnow().replace(microsecond=0) - timedelta(hours=3)
    session = await make_session(event, start, start + timedelta(hours=2))
    people = {}
    for n, (first, status) in enumerate(
        [("Bilal", "absent"), ("Camille", "excused"), ("Dylan", "late"), ("Emma", "present"), ("Farah", None)]
    ):
        youth = await make_youth(organisation, first, "Benali", f"+3361234{n:04d}")
        registration = await make_registration(
            event, youth, referred_by=adviser.id, referring_organisation=ml.id, session=session.id
        )
        people[first] = registration
        if status:
            await CheckIn(registration=registration.id, session=session.id, status=status, nonce=f"n{n}").save()

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as karima:
        await login(karima, "karima@ml.test")
        for url in ("/youths", f"/events/{event.id}/registrations"):
            page = (await karima.get(url)).text
            assert "Présence" in html.unescape(page)
            for first, label in [
                ("Bilal", "Absent·e"),
                ("Camille", "Excusé·e"),
                ("Dylan", "En retard"),
                ("Emma", "Présent·e"),
                ("Farah", "—"),
            ]:
                row = cells(page, first)
                assert label in row, (url, row)
                assert "Oui" not in row, (url, row)
